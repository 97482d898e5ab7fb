/**
 * How the kohya_ss GUI turns some of its saved keys into sd-scripts arguments (kohya_gui/lora_gui.py train_model
 * at bmaltais/kohya_ss 45088f04), where a plain key-to-option copy would train something else or be refused.
 */

/**
 * `optimizer_args` / `lr_scheduler_args`: the GUI runs `str(value).replace('"', '').split()`, so quotes users typed
 * around items are dropped (sd-scripts would otherwise see `"weight_decay=0.1"` with its quotes and fail).
 */
export function guiArgList(value: unknown): string[] {
	if (Array.isArray(value)) {
		return value.map((v) => String(v).replace(/"/g, '')).filter(Boolean);
	}
	return typeof value === 'string' ? value.replace(/"/g, '').split(/\s+/).filter(Boolean) : [];
}

/** A single text value with stray quotes the GUI user typed (`"CosineAnnealingLR"`). */
export function unquoted(value: unknown): string {
	return typeof value === 'string' ? value.replace(/"/g, '').trim() : '';
}

/** Python's `f"{value}"` for the JSON values a preset holds: True/False for booleans, numbers as written. */
function pythonText(value: unknown): string {
	if (typeof value === 'boolean') {
		return value ? 'True' : 'False';
	}
	return String(value).replace(/"/g, '');
}

/** The GUI's defaults for the LyCORIS fields a preset may leave out (lora_gui.py's gr components). */
const LYCORIS_DEFAULTS: Record<string, unknown> = {
	LyCORIS_preset: 'full', conv_dim: 1, conv_alpha: 1, use_tucker: false, rank_dropout: 0, bypass_mode: false, dora_wd: false,
	module_dropout: 0, factor: -1, use_cp: false, use_scalar: false, decompose_both: false, rank_dropout_scale: false, train_norm: false,
	train_on_input: true, constrain: 0, rescaled: false, unit: 1,
};

/** network_args name -> GUI field, per LyCORIS type, in the order the GUI writes them (algo last but train_norm). */
const LYCORIS_ARGS: Record<string, [string, string][]> = {
	'LyCORIS/BOFT': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['module_dropout', 'module_dropout'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=boft'], ['train_norm', 'train_norm']],
	'LyCORIS/Diag-OFT': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['module_dropout', 'module_dropout'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['rank_dropout_scale', 'rank_dropout_scale'], ['constraint', 'constrain'], ['rescaled', 'rescaled'], ['algo', '=diag-oft'], ['train_norm', 'train_norm']],
	'LyCORIS/DyLoRA': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['use_tucker', 'use_tucker'], ['block_size', 'unit'], ['rank_dropout', 'rank_dropout'], ['module_dropout', 'module_dropout'], ['algo', '=dylora'], ['train_norm', 'train_norm']],
	'LyCORIS/GLoRA': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['module_dropout', 'module_dropout'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=glora'], ['train_norm', 'train_norm']],
	'LyCORIS/iA3': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['train_on_input', 'train_on_input'], ['algo', '=ia3']],
	'LyCORIS/LoCon': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['bypass_mode', 'bypass_mode'], ['dora_wd', 'dora_wd'], ['module_dropout', 'module_dropout'], ['use_scalar', 'use_scalar'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=locon'], ['train_norm', 'train_norm']],
	'LyCORIS/LoHa': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['bypass_mode', 'bypass_mode'], ['dora_wd', 'dora_wd'], ['module_dropout', 'module_dropout'], ['use_scalar', 'use_scalar'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=loha'], ['train_norm', 'train_norm']],
	'LyCORIS/LoKr': [['preset', 'LyCORIS_preset'], ['conv_dim', 'conv_dim'], ['conv_alpha', 'conv_alpha'], ['use_tucker', 'use_tucker'], ['rank_dropout', 'rank_dropout'], ['bypass_mode', 'bypass_mode'], ['dora_wd', 'dora_wd'], ['module_dropout', 'module_dropout'], ['factor', 'factor'], ['use_cp', 'use_cp'], ['use_scalar', 'use_scalar'], ['decompose_both', 'decompose_both'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=lokr'], ['train_norm', 'train_norm']],
	'LyCORIS/Native Fine-Tuning': [['preset', 'LyCORIS_preset'], ['rank_dropout', 'rank_dropout'], ['module_dropout', 'module_dropout'], ['rank_dropout_scale', 'rank_dropout_scale'], ['algo', '=full'], ['train_norm', 'train_norm']],
};

/** The GUI field a LyCORIS network_args name comes from (`block_size` from unit, `preset` from LyCORIS_preset). */
export function lycorisGuiField(argName: string): string | undefined {
	for (const spec of Object.values(LYCORIS_ARGS)) {
		const found = spec.find(([name, field]) => name === argName && !field.startsWith('='));
		if (found) {
			return found[1];
		}
	}
	return undefined;
}

/** The GUI fields a LyCORIS type reads (so the importer counts them as used). */
export function lycorisFields(loraType: string): string[] {
	return (LYCORIS_ARGS[loraType] ?? []).map(([, field]) => field).filter((f) => !f.startsWith('='));
}

/**
 * network_args for a LyCORIS `LoRA_type`, exactly as the GUI builds them: every argument of that type, with the
 * preset's value or the GUI's default (so `use_cp` reaches LoKr even when false). Undefined for other types.
 */
export function lycorisNetworkArgs(loraType: string, data: Record<string, unknown>, coerce: (v: unknown) => unknown): string[] | undefined {
	const spec = LYCORIS_ARGS[loraType];
	if (!spec) {
		return undefined;
	}
	const seen = new Set<string>();
	const args: string[] = [];
	for (const [name, field] of spec) {
		if (seen.has(name)) {
			continue;
		}
		seen.add(name);
		const value = field.startsWith('=') ? field.slice(1) : coerce(data[field] ?? LYCORIS_DEFAULTS[field]);
		args.push(`${name}=${pythonText(value === '' ? LYCORIS_DEFAULTS[field] : value)}`);
	}
	return args;
}

/** What sd-scripts' SD1.5 trainer accepts (train_network.py: verify_bucket_reso_steps(64)). */
export const SD15_BUCKET_STEP = 64;

/** `bucket_reso_steps` the GUI allows (>= 1) but train_network.py refuses: up to the next multiple of 64. */
export function bucketStepFor(value: number): { steps: number; note?: string } {
	if (Number.isInteger(value) && value >= SD15_BUCKET_STEP && value % SD15_BUCKET_STEP === 0) {
		return { steps: value };
	}
	const steps = Math.max(SD15_BUCKET_STEP, Math.ceil(value / SD15_BUCKET_STEP) * SD15_BUCKET_STEP);
	return { steps, note: `bucket_reso_steps ${value} is refused by train_network.py (it must be divisible by ${SD15_BUCKET_STEP} for SD1.5); imported as ${steps}` };
}

/** The GUI's noise keys: which ones it passes depends on noise_offset_type (default "Original"). */
export function noiseOptions(data: Record<string, unknown>, coerce: (v: unknown) => unknown): { noiseOffset: number | null; extra: Record<string, unknown>; handled: string[] } {
	const type = unquoted(data.noise_offset_type) || 'Original';
	const num = (key: string): number => {
		const v = coerce(data[key]);
		return typeof v === 'number' && Number.isFinite(v) ? v : 0;
	};
	const extra: Record<string, unknown> = {};
	let noiseOffset: number | null = null;
	if (type === 'Original') {
		noiseOffset = num('noise_offset') || null;
		if (num('adaptive_noise_scale') !== 0 && noiseOffset !== null) {
			// sd-scripts refuses adaptive_noise_scale without noise_offset; the GUI passes it only with one.
			extra.adaptive_noise_scale = num('adaptive_noise_scale');
		}
		if (data.noise_offset_random_strength === true) {
			extra.noise_offset_random_strength = true;
		}
	} else if (type === 'Multires') {
		if (num('multires_noise_iterations') !== 0) {
			extra.multires_noise_iterations = Math.round(num('multires_noise_iterations'));
		}
		// Passed whenever the type is Multires (even 0), as the GUI does.
		if ('multires_noise_discount' in data) {
			extra.multires_noise_discount = num('multires_noise_discount');
		}
	}
	return { noiseOffset, extra, handled: ['noise_offset_type', 'noise_offset', 'adaptive_noise_scale', 'noise_offset_random_strength', 'multires_noise_iterations', 'multires_noise_discount'] };
}
