import { bucketStepFor, guiArgList, lycorisFields, lycorisGuiField, lycorisNetworkArgs, noiseOptions, unquoted } from './kohyaGuiArgs';
import { SD_SCRIPTS_SCRIPTS, familyLabel } from './sdScriptsScripts';
import { outputNameProblem } from './outputPaths';
import { REMOVED_SD15_MODEL_ID, SD15_MODEL_ID, replacementModelNote } from './sd15Model';
import { SD_SCRIPTS_OPTIONS, optionOf } from './sdScriptsOptions';
import { AnyDef, KohyaConverter, TRAINING_SETTINGS, presetFor } from './settingsTable';
import { normalizeResolution } from './trainingFields';
import { ModelFamily, TrainerSettings } from './trainingSettings';
import { guidePreset } from './settingsTable';

/**
 * kohya_ss GUI LoRA config JSON (reference kohya-gui.md §1.2, §1.4) to and from our training settings.
 * The GUI stores old files with numbers as strings and renamed keys; update_my_data() migrates them and so do we.
 * Keys we cannot map are kept (settings.kohyaKept) and reported, so export gives them back unchanged.
 */

export interface KohyaImport {
	settings: TrainerSettings;
	/** GUI keys with no meaning for sd-scripts, kept as they were. */
	kept: string[];
	/** Keys renamed from an older GUI version (`old → new`). */
	migrated: string[];
	/** GUI keys whose value is decided elsewhere (the training folder, the launch), with the reason. */
	ignored: { key: string; reason: string }[];
	/** Things the user must know: another model family, values out of range. */
	warnings: string[];
}

type Converter = KohyaConverter;

/**
 * GUI key → our field and how to read it, for the settings whose table row (settingsTable.ts) is a plain copy.
 * The rows marked `special` are converted below, one by one; the rows marked `none` have no GUI field.
 */
const FIELD_MAP: Record<string, { field: keyof TrainerSettings; as: Converter; zeroIsNull?: boolean }> = Object.fromEntries(
	(Object.entries(TRAINING_SETTINGS) as [keyof TrainerSettings, AnyDef][]).flatMap(([field, def]) =>
		('as' in def.kohya ? [[def.kohya.key, { field, as: def.kohya.as, zeroIsNull: def.kohya.zeroIsNull }]] : [])),
);

/** Keys that feed network_args (networks.lora / lycoris.kohya read them from there). */
const NETWORK_ARG_KEYS = ['conv_dim', 'conv_alpha', 'rank_dropout', 'module_dropout', 'block_dims', 'block_alphas', 'conv_block_dims',
	'conv_block_alphas', 'down_lr_weight', 'mid_lr_weight', 'up_lr_weight', 'block_lr_zero_threshold', 'loraplus_lr_ratio',
	'loraplus_unet_lr_ratio', 'loraplus_text_encoder_lr_ratio', 'algo', 'preset', 'dropout', 'use_tucker', 'use_scalar', 'rank_dropout_scale',
	'constrain', 'rescaled', 'factor', 'decompose_both', 'train_norm', 'dora_wd', 'bypass_mode', 'unit', 'train_on_input'];
/** Our export writes these back from network_args for the GUI's own fields. */
const GUI_NETWORK_FIELDS = new Set(['conv_dim', 'conv_alpha', 'rank_dropout', 'module_dropout', 'block_dims', 'block_alphas', 'conv_block_dims',
	'conv_block_alphas', 'down_lr_weight', 'mid_lr_weight', 'up_lr_weight', 'block_lr_zero_threshold', 'loraplus_lr_ratio',
	'loraplus_unet_lr_ratio', 'loraplus_text_encoder_lr_ratio']);
const KNOWN_LORA_TYPES = new Set(['Standard', 'Flux1', 'Flux1 OFT', 'Kohya LoCon', 'Kohya DyLoRA', 'LoRA-FA', 'LyCORIS/iA3', 'LyCORIS/LoCon', 'LyCORIS/LoHa',
	'LyCORIS/LoKr', 'LyCORIS/DyLoRA', 'LyCORIS/GLoRA', 'LyCORIS/BOFT', 'LyCORIS/Diag-OFT', 'LyCORIS/Native Fine-Tuning']);
/** GUI keys that share a name with an sd-scripts option but configure accelerate launch instead. */
const ACCELERATE_GUI_KEYS = new Set(['dynamo_backend']);
/** Decided by the training folder: the GUI's folder mode keys. */
const FOLDER_KEYS: Record<string, string> = {
	train_data_dir: 'the images come from the training folder\'s images/ subsets',
	reg_data_dir: 'regularisation images come from the training folder\'s reg/ subsets',
	dataset_config: 'the dataset config is generated from the training folder',
	max_train_steps: 'the length comes from epochs (sd-scripts\' max_train_epochs), as the guide trains',
	max_train_epochs: 'read as the number of epochs',
	lr_warmup: 'read as lrWarmupSteps (a share of all steps)',
	xformers: 'read as attention',
	LoRA_type: 'read as networkModule and networkArgs',
	optimizer_args: 'read as optimizerArgs',
	max_resolution: 'read as resolution',
	additional_parameters: 'read as extra sd-scripts options',
	sdxl_no_half_vae: 'read as noHalfVae only for SDXL configs',
};

/** update_my_data(): a number-like string becomes a number, as the GUI does when it opens a file. */
function coerce(value: unknown): unknown {
	if (typeof value === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
		return Number(value);
	}
	return value;
}

function convert(value: unknown, as: Converter): unknown {
	const v = coerce(value);
	switch (as) {
		case 'int': return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined;
		case 'float': return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
		case 'bool': return typeof v === 'boolean' ? v : v === 'true' || v === 'True' ? true : v === 'false' || v === 'False' ? false : undefined;
		case 'string': return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
	}
}

/** The GUI's migrations of old files (common_gui.py update_my_data). */
function migrate(raw: Record<string, unknown>, migrated: string[]): Record<string, unknown> {
	const data: Record<string, unknown> = { ...raw };
	const rename = (from: string, to: string, value?: unknown): void => {
		if (from in data) {
			if (!(to in data) || data[to] === '' || data[to] === undefined) {
				data[to] = value ?? data[from];
			}
			delete data[from];
			migrated.push(`${from} → ${to}`);
		}
	};
	if (data.LoRA_type === 'LoCon') {
		data.LoRA_type = 'LyCORIS/LoCon';
		migrated.push('LoRA_type LoCon → LyCORIS/LoCon');
	}
	if (typeof data.xformers === 'boolean') {
		data.xformers = data.xformers ? 'xformers' : 'none';
		migrated.push('xformers true/false → xformers/none');
	}
	if ('use_8bit_adam' in data) {
		rename('use_8bit_adam', 'optimizer', data.use_8bit_adam === true ? 'AdamW8bit' : data.optimizer ?? 'AdamW');
	}
	if ('use_wandb' in data) {
		rename('use_wandb', 'log_with', data.use_wandb === true ? 'wandb' : data.log_with ?? '');
	}
	rename('lora_network_weights', 'network_weights');
	rename('conv_dims', 'conv_block_dims');
	rename('conv_alphas', 'conv_block_alphas');
	return data;
}

/** `LoRA_type` → sd-scripts network module and its network_args (lora_gui.py's mapping for SD1.5). */
function networkOf(loraType: string, warnings: string[]): { module: string; args: string[]; convArgs: boolean } {
	if (loraType === 'Standard') { return { module: 'networks.lora', args: [], convArgs: false }; }
	if (loraType === 'Kohya LoCon') { return { module: 'networks.lora', args: [], convArgs: true }; }
	if (loraType === 'Kohya DyLoRA') { return { module: 'networks.dylora', args: [], convArgs: true }; }
	if (loraType === 'LoRA-FA') { return { module: 'networks.lora_fa', args: [], convArgs: false }; }
	// flux_train_network.py's own modules (lora_gui.py picks them for the Flux1 types).
	if (loraType === 'Flux1') { return { module: 'networks.lora_flux', args: [], convArgs: false }; }
	if (loraType === 'Flux1 OFT') { return { module: 'networks.oft_flux', args: [], convArgs: false }; }
	if (loraType.startsWith('LyCORIS/')) {
		const algo: Record<string, string> = {
			'LyCORIS/iA3': 'ia3', 'LyCORIS/LoCon': 'locon', 'LyCORIS/LoHa': 'loha', 'LyCORIS/LoKr': 'lokr', 'LyCORIS/DyLoRA': 'dylora',
			'LyCORIS/GLoRA': 'glora', 'LyCORIS/BOFT': 'boft', 'LyCORIS/Diag-OFT': 'diag-oft', 'LyCORIS/Native Fine-Tuning': 'full',
		};
		warnings.push(`LoRA_type ${loraType} needs the LyCORIS package (pip install lycoris_lora) in the sd-scripts environment`);
		return { module: 'lycoris.kohya', args: [`algo=${algo[loraType] ?? loraType.slice(8).toLowerCase()}`], convArgs: true };
	}
	warnings.push(`LoRA_type ${loraType} is not an SD1.5 LoRA type (this config is for another model family); it was imported as a standard LoRA (networks.lora), check the base model and settings before training`);
	return { module: 'networks.lora', args: [], convArgs: false };
}

/** `--key value --flag` text (additional_parameters) → sd-scripts options; unknown ones are reported. */
function parseAdditional(text: string, extra: Record<string, unknown>, warnings: string[], family: ModelFamily): void {
	// common_gui.py drops every double quote before splitting on whitespace (`--lr_scheduler_args "T_max=1000"`).
	const tokens = text.replace(/"/g, '').trim().split(/\s+/).filter(Boolean);
	for (let i = 0; i < tokens.length; i++) {
		const match = /^--([A-Za-z0-9_]+)(?:=(.*))?$/.exec(tokens[i]);
		const spec = match ? optionOf(family, match[1]) : undefined;
		if (!match || !spec) {
			warnings.push(`additional_parameters: "${tokens[i]}" is not a ${SD_SCRIPTS_SCRIPTS[family]} option; it was not imported`);
			continue;
		}
		const key = match[1];
		if (spec.type === 'flag') {
			extra[key] = true;
			continue;
		}
		const values: string[] = match[2] !== undefined ? [match[2]] : [];
		while (match[2] === undefined && i + 1 < tokens.length && !tokens[i + 1].startsWith('--')) {
			values.push(tokens[++i]);
			if (spec.type !== 'strList' && spec.type !== 'floatList') { break; }
		}
		const typed = values.map((v) => (spec.type === 'str' || spec.type === 'strList' ? v : coerce(v)));
		extra[key] = spec.type === 'strList' || spec.type === 'floatList' ? typed : typed[0];
	}
}

export function importKohyaConfig(json: unknown, base: TrainerSettings = guidePreset()): KohyaImport {
	if (json === null || typeof json !== 'object' || Array.isArray(json)) {
		throw new Error('not a kohya_ss GUI config: the file must hold one JSON object (saved from the LoRA tab)');
	}
	const migrated: string[] = [];
	const warnings: string[] = [];
	const ignored: { key: string; reason: string }[] = [];
	const data = migrate(json as Record<string, unknown>, migrated);
	// The GUI's model checkboxes pick the family (and so the script and its option list); the preset is that family's.
	const family: ModelFamily = convert(data.sdxl, 'bool') === true ? 'sdxl' : convert(data.flux1_checkbox, 'bool') === true ? 'flux1' : 'sd15';
	if (family !== base.model) {
		const sample = { ...base.sample };
		base = presetFor(family);
		base.sample = { ...base.sample, enabled: sample.enabled, everyNEpochs: sample.everyNEpochs, prompts: sample.prompts, sampler: sample.sampler };
	}
	const settings: TrainerSettings = structuredClone(base);
	const kept: string[] = [];
	settings.preset = 'kohya_ss import';
	const handled = new Set<string>();
	const take = (key: string): unknown => { handled.add(key); return data[key]; };

	for (const [key, map] of Object.entries(FIELD_MAP)) {
		if (!(key in data)) { continue; }
		const raw = take(key);
		if (!(TRAINING_SETTINGS[map.field] as AnyDef).families.includes(family)) {
			// A field of another family's panel (clip_skip in a Flux config, t5xxl in an SD1.5 one): the script
			// does not take it, so it is kept for export only.
			settings.kohyaKept[key] = raw;
			continue;
		}
		if (raw === '' && map.as !== 'string') { continue; }
		const value = convert(raw, map.as);
		if (value === undefined) {
			warnings.push(`${key}: ${JSON.stringify(raw)} is not a valid ${map.as}; kept the preset value`);
			continue;
		}
		// The table's bounds, as lora-workbench.yaml is read (train_batch_size -3 would reach sd-scripts otherwise);
		// bucket_reso_steps is clamped with its own note below.
		const rules = (TRAINING_SETTINGS[map.field] as AnyDef).rules;
		if (typeof value === 'number' && !(map.zeroIsNull && value === 0) && key !== 'bucket_reso_steps' && (rules.kind === 'int' || rules.kind === 'number')
			&& ((rules.min !== undefined && value < rules.min) || (rules.max !== undefined && value > rules.max))) {
			warnings.push(`${key}: ${value} is out of range (${rules.min !== undefined ? `at least ${rules.min}` : ''}${rules.min !== undefined && rules.max !== undefined ? ', ' : ''}${rules.max !== undefined ? `at most ${rules.max}` : ''}); kept the preset value`);
			continue;
		}
		(settings as unknown as Record<string, unknown>)[map.field] = map.zeroIsNull && value === 0 ? null : value;
	}
	for (const key of ['output_name', 'output_dir', 'logging_dir', 'vae', 'pretrained_model_name_or_path'] as const) {
		const field = FIELD_MAP[key].field;
		if (data[key] === '' ) {
			(settings as unknown as Record<string, unknown>)[field] = base[field];
		}
	}
	if (settings.baseModel.trim() === REMOVED_SD15_MODEL_ID) {
		settings.baseModel = SD15_MODEL_ID;
		migrated.push(`pretrained_model_name_or_path ${REMOVED_SD15_MODEL_ID} → ${SD15_MODEL_ID}`);
		warnings.push(replacementModelNote('pretrained_model_name_or_path'));
	}
	if ('bucket_reso_steps' in data) {
		const bucket = bucketStepFor(settings.bucketResoSteps);
		settings.bucketResoSteps = bucket.steps;
		if (bucket.note) { warnings.push(bucket.note); }
	}
	if (settings.captionExtension === '.none-use-foldername' || !settings.captionExtension.startsWith('.')) {
		warnings.push(`caption_extension ${JSON.stringify(settings.captionExtension)} makes sd-scripts ignore every caption file and train on the folder names only; imported as ${base.captionExtension} so the captions you edit are trained (set training.captionExtension to change it)`);
		settings.captionExtension = base.captionExtension;
	}
	const noise = noiseOptions(data, coerce);
	noise.handled.forEach((key) => handled.add(key));
	settings.noiseOffset = noise.noiseOffset;
	Object.assign(settings.extra, noise.extra);
	for (const key of noise.handled.filter((k) => k in data && !(k in noise.extra) && k !== 'noise_offset')) {
		settings.kohyaKept[key] = data[key];
	}
	for (const key of ['lr_scheduler_args', 'lr_scheduler_type'] as const) {
		if (!(key in data)) { continue; }
		handled.add(key);
		const value = key === 'lr_scheduler_args' ? guiArgList(data[key]) : unquoted(data[key]);
		if (value.length) {
			settings.extra[key] = value;
		} else {
			settings.kohyaKept[key] = data[key];
		}
	}
	const epochs = convert(take('max_train_epochs'), 'int');
	if (typeof epochs === 'number' && epochs > 0) { settings.epochs = epochs; }
	if (settings.epochs < 1) {
		warnings.push(`epoch is ${settings.epochs}; using ${base.epochs}`);
		settings.epochs = base.epochs;
	}
	const steps = convert(take('max_train_steps'), 'int');
	if ('max_train_steps' in data) { settings.kohyaKept.max_train_steps = data.max_train_steps; }
	if (typeof steps === 'number' && steps > 0) {
		ignored.push({ key: 'max_train_steps', reason: `${steps} steps: ${FOLDER_KEYS.max_train_steps}` });
	}
	if (settings.saveEveryNEpochs < 1) { settings.saveEveryNEpochs = 1; }
	if (!['auto', 'float', 'fp16', 'bf16'].includes(settings.savePrecision)) { settings.savePrecision = 'auto'; }
	if (!['auto', 'bf16', 'fp16', 'no'].includes(settings.mixedPrecision)) { settings.mixedPrecision = 'auto'; }
	if (!['safetensors', 'ckpt', 'pt'].includes(settings.saveModelAs)) { settings.saveModelAs = 'safetensors'; }

	const resolution = take('max_resolution');
	if (resolution !== undefined && resolution !== '') {
		const normalized = normalizeResolution(typeof resolution === 'string' ? resolution.replace(/\s/g, '') : coerce(resolution));
		if (normalized) { settings.resolution = normalized; } else { warnings.push(`max_resolution "${String(resolution)}" is not "width,height" in multiples of 8; kept ${settings.resolution}`); }
	}
	const warmup = convert(take('lr_warmup'), 'float');
	if (typeof warmup === 'number') { settings.lrWarmupSteps = warmup > 0 ? warmup / 100 : 0; }
	const attention = take('xformers');
	if (attention === 'xformers' || attention === 'sdpa' || attention === 'none') { settings.attention = attention; }
	if (family === 'sdxl' && convert(data.sdxl_no_half_vae, 'bool') === true) { settings.noHalfVae = true; }
	for (const panel of ['sdxl', 'flux1']) {
		for (const suffix of ['', '_to_disk']) {
			const key = `${panel}_cache_text_encoder_outputs${suffix}`;
			if (!(key in data)) { continue; }
			handled.add(key);
			const on = convert(data[key], 'bool') === true;
			if (panel === family && suffix === '') {
				settings.cacheTextEncoderOutputs = on;
			} else if (panel === family && on) {
				settings.extra.cache_text_encoder_outputs_to_disk = true;
				settings.kohyaKept[key] = data[key];
			} else {
				settings.kohyaKept[key] = data[key];
			}
		}
	}
	// Read as training.model; export writes both checkboxes from it.
	handled.add('sdxl');
	handled.add('flux1_checkbox');
	settings.model = family;
	if ('sdxl_no_half_vae' in data) {
		handled.add('sdxl_no_half_vae');
		settings.kohyaKept.sdxl_no_half_vae = data.sdxl_no_half_vae;
	}
	settings.optimizerArgs = guiArgList(take('optimizer_args'));

	const loraType = String(take('LoRA_type') ?? 'Standard');
	const network = networkOf(loraType, warnings);
	settings.networkModule = network.module;
	if (!KNOWN_LORA_TYPES.has(loraType)) {
		settings.kohyaKept.LoRA_type = loraType;
		kept.push('LoRA_type');
	}
	const lycoris = lycorisNetworkArgs(loraType, data, coerce);
	if (lycoris) {
		// The GUI passes every argument of a LyCORIS type, defaults included (use_cp=False reaches LoKr).
		// Export gives the GUI these fields back from network_args.
		lycorisFields(loraType).forEach((field) => handled.add(field));
	}
	const networkArgs = lycoris ?? [...network.args];
	for (const key of lycoris ? [] : NETWORK_ARG_KEYS) {
		if (!(key in data)) { continue; }
		const value = coerce(data[key]);
		const isConv = key === 'conv_dim' || key === 'conv_alpha';
		const unset = value === '' || value === 0 || value === false || (key === 'factor' && value === -1);
		const applies = !(isConv && !network.convArgs) && (GUI_NETWORK_FIELDS.has(key) || network.module === 'lycoris.kohya' || key === 'unit' && network.module === 'networks.dylora');
		handled.add(key);
		if (unset || !applies) {
			// Nothing for sd-scripts here, but export must give the GUI its field back.
			settings.kohyaKept[key] = data[key];
			if (!unset) { kept.push(key); }
			continue;
		}
		networkArgs.push(`${key}=${String(value)}`);
	}
	if (!lycoris && data.LyCORIS_preset && network.module === 'lycoris.kohya') {
		handled.add('LyCORIS_preset');
		networkArgs.push(`preset=${String(data.LyCORIS_preset)}`);
	}
	settings.networkArgs = networkArgs;

	const samplePrompts = take('sample_prompts');
	const everyEpochs = convert(take('sample_every_n_epochs'), 'int');
	const everySteps = convert(take('sample_every_n_steps'), 'int');
	const sampler = take('sample_sampler');
	if (typeof samplePrompts === 'string' && samplePrompts.trim()) {
		settings.sample.prompts = samplePrompts.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
	}
	if (typeof sampler === 'string' && (SD_SCRIPTS_OPTIONS.sample_sampler.choices as string[]).includes(sampler)) { settings.sample.sampler = sampler; }
	if (typeof everyEpochs === 'number' && everyEpochs > 0) { settings.sample.everyNEpochs = everyEpochs; }
	// A preset without sample keys (most of the GUI's) says nothing about sampling: the folder's own stays.
	if (['sample_every_n_epochs', 'sample_every_n_steps', 'sample_prompts'].some((key) => key in data)) {
		settings.sample.enabled = (typeof everyEpochs === 'number' && everyEpochs > 0 || typeof everySteps === 'number' && everySteps > 0) && settings.sample.prompts.length > 0;
	}
	if (typeof everySteps === 'number' && everySteps > 0) {
		settings.extra.sample_every_n_steps = everySteps;
	} else if ('sample_every_n_steps' in data) {
		settings.kohyaKept.sample_every_n_steps = data.sample_every_n_steps;
	}

	const processes = convert(take('num_processes'), 'int');
	const machines = convert(take('num_machines'), 'int');
	const port = convert(take('main_process_port'), 'int');
	const threads = convert(take('num_cpu_threads_per_process'), 'int');
	const gpuIds = take('gpu_ids');
	take('multi_gpu');
	if (typeof processes === 'number' && processes > 0) { settings.gpus = processes; }
	if (typeof machines === 'number' && machines > 0) { settings.launch.numMachines = machines; }
	if (typeof port === 'number' && port > 0) { settings.launch.mainProcessPort = port; }
	if (typeof threads === 'number' && threads > 0) { settings.launch.numCpuThreadsPerProcess = threads; }
	if (typeof gpuIds === 'string') { settings.launch.gpuIds = gpuIds.replace(/\s/g, ''); }
	const dynamoBackend = unquoted(take('dynamo_backend'));
	const dynamoMode = unquoted(take('dynamo_mode'));
	if (dynamoBackend) { settings.launch.dynamoBackend = dynamoBackend; }
	if (dynamoMode) { settings.launch.dynamoMode = dynamoMode; }
	settings.launch.dynamoUseFullgraph = convert(take('dynamo_use_fullgraph'), 'bool') === true;
	settings.launch.dynamoUseDynamic = convert(take('dynamo_use_dynamic'), 'bool') === true;
	// class_accelerate_launch.py drops the quotes and splits on whitespace, as for the other argument texts.
	settings.launch.extraArgs = guiArgList(take('extra_accelerate_launch_args'));

	const additional = take('additional_parameters');
	if (typeof additional === 'string' && additional.trim()) {
		parseAdditional(additional, settings.extra, warnings, family);
	}
	for (const key of ['train_data_dir', 'reg_data_dir', 'dataset_config']) {
		const value = take(key);
		if (key in data) { settings.kohyaKept[key] = value; }
		if (typeof value === 'string' && value.trim()) {
			ignored.push({ key, reason: `"${value}": ${FOLDER_KEYS[key]}` });
		}
	}

	for (const [key, raw] of Object.entries(data)) {
		if (handled.has(key)) { continue; }
		const spec = optionOf(family, key);
		const value = coerce(raw);
		if (spec && !(key in FIELD_MAP) && !ACCELERATE_GUI_KEYS.has(key)) {
			// Same name in the GUI and in sd-scripts: pass it through when the GUI would (not "", false, 0 or None).
			if (value === '' || value === false || value === null || value === 0) {
				settings.kohyaKept[key] = raw;
				continue;
			}
			settings.extra[key] = spec.type === 'int' && typeof value === 'number' ? Math.round(value) : value;
			continue;
		}
		settings.kohyaKept[key] = raw;
		kept.push(key);
	}
	if (settings.extra.max_token_length === 75) {
		// 75 is the GUI's way of saying "the default"; sd-scripts only takes 150 or 225.
		settings.kohyaKept.max_token_length = data.max_token_length;
		delete settings.extra.max_token_length;
	}
	// Kept as the GUI itself reads them (number-like strings as numbers), so a round trip is stable.
	settings.kohyaKept = Object.fromEntries(Object.entries(settings.kohyaKept).map(([k, v]) => [k, coerce(v)]));
	const other = ['sd3_checkbox', 'hunyuan_image_checkbox', 'anima_checkbox', 'lumina_checkbox'].find((key) => convert(data[key], 'bool') === true);
	if (other && family === 'sd15') {
		warnings.push(`this config is for ${other.replace('_checkbox', '')} (${other}: true), which the GUI trains with another script; LoRA Workbench trains SD1.5, SDXL and Flux.1, so the settings were imported for ${familyLabel(family)} with ${SD_SCRIPTS_SCRIPTS[family]} (resolution ${settings.resolution}, base model ${settings.baseModel}): set training.baseModel and training.resolution before training`);
	}
	if (family === 'sdxl' && settings.cacheTextEncoderOutputs && !settings.networkTrainUnetOnly) {
		// lora_gui.py passes network_train_unet_only with cached text-encoder outputs; sdxl_train_network.py requires it.
		settings.networkTrainUnetOnly = true;
		warnings.push('sdxl_cache_text_encoder_outputs needs network_train_unet_only (sdxl_train_network.py refuses otherwise); imported with networkTrainUnetOnly: true');
	}
	if (outputNameProblem(settings.outputName)) {
		warnings.push(`output_name ${JSON.stringify(settings.outputName)} is a path, not a file name (sd-scripts would save outside the output folder); it was not imported, so the trigger word names the checkpoints`);
		settings.outputName = '';
	}
	return { settings, kept: kept.sort(), migrated, ignored, warnings };
}

/** Our settings → a kohya_ss GUI LoRA config (keys sorted, as SaveConfigFile writes them). */
export function exportKohyaConfig(settings: TrainerSettings, names: { trigger: string }): Record<string, unknown> {
	// Written as a current GUI saves: numbers as numbers (update_my_data would coerce them anyway).
	const out: Record<string, unknown> = Object.fromEntries(Object.entries(settings.kohyaKept).map(([k, v]) => [k, coerce(v)]));
	const record = settings as unknown as Record<string, unknown>;
	for (const [key, map] of Object.entries(FIELD_MAP)) {
		// Another family's field (t5xxl for SD1.5) is not written: the GUI keeps it in that family's panel.
		if (!(TRAINING_SETTINGS[map.field] as AnyDef).families.includes(settings.model)) { continue; }
		const value = record[map.field];
		out[key] = value === null ? (map.as === 'string' ? '' : 0) : value;
	}
	out.output_name = outputNameProblem(settings.outputName) ? names.trigger : settings.outputName || names.trigger;
	out.optimizer = settings.optimizer === 'auto' ? 'AdamW8bit' : settings.optimizer;
	out.mixed_precision = settings.mixedPrecision === 'auto' ? 'bf16' : settings.mixedPrecision;
	out.save_precision = settings.savePrecision === 'auto' ? out.mixed_precision : settings.savePrecision;
	out.epoch = settings.epochs;
	out.max_train_epochs = 0;
	out.max_resolution = settings.resolution.includes(',') ? settings.resolution : `${settings.resolution},${settings.resolution}`;
	out.lr_warmup = settings.lrWarmupSteps > 0 && settings.lrWarmupSteps < 1 ? Math.round(settings.lrWarmupSteps * 10000) / 100 : 0;
	out.xformers = settings.attention;
	out.optimizer_args = settings.optimizerArgs.join(' ');
	out.sdxl = settings.model === 'sdxl';
	out.flux1_checkbox = settings.model === 'flux1';
	if (settings.model !== 'sd15') {
		out[`${settings.model}_cache_text_encoder_outputs`] = settings.cacheTextEncoderOutputs;
		if (settings.extra.cache_text_encoder_outputs_to_disk === true) { out[`${settings.model}_cache_text_encoder_outputs_to_disk`] = true; }
	}
	if (settings.model === 'sdxl') { out.sdxl_no_half_vae = settings.noHalfVae; }
	const defaultPrompts = JSON.stringify(guidePreset().sample.prompts);
	out.sample_prompts = settings.sample.enabled || JSON.stringify(settings.sample.prompts) !== defaultPrompts ? settings.sample.prompts.join('\n') : '';
	out.sample_every_n_epochs = settings.sample.enabled ? settings.sample.everyNEpochs : 0;
	out.sample_sampler = settings.sample.sampler;
	out.num_processes = settings.gpus;
	out.num_machines = settings.launch.numMachines;
	out.multi_gpu = settings.gpus > 1;
	out.gpu_ids = settings.launch.gpuIds;
	out.main_process_port = settings.launch.mainProcessPort === 29500 ? (out.main_process_port ?? 0) : settings.launch.mainProcessPort;
	out.num_cpu_threads_per_process = settings.launch.numCpuThreadsPerProcess;
	out.dynamo_backend = settings.launch.dynamoBackend;
	out.dynamo_mode = settings.launch.dynamoMode;
	out.dynamo_use_fullgraph = settings.launch.dynamoUseFullgraph;
	out.dynamo_use_dynamic = settings.launch.dynamoUseDynamic;
	out.extra_accelerate_launch_args = settings.launch.extraArgs.join(' ');

	let algo = '';
	const networkArgs: string[] = [];
	for (const arg of settings.networkArgs) {
		const eq = arg.indexOf('=');
		const key = eq === -1 ? arg : arg.slice(0, eq);
		const value = eq === -1 ? '' : arg.slice(eq + 1);
		if (key === 'algo') { algo = value; continue; }
		if (key === 'preset') { out.LyCORIS_preset = value; continue; }
		const lycorisField = settings.networkModule === 'lycoris.kohya' ? lycorisGuiField(key) : undefined;
		if (lycorisField && lycorisField !== key) {
			out[lycorisField] = value === 'True' || value === 'False' ? value === 'True' : coerce(value);
			continue;
		}
		if (GUI_NETWORK_FIELDS.has(key) || key === 'unit' || settings.networkModule === 'lycoris.kohya' && (NETWORK_ARG_KEYS.includes(key) || lycorisField)) {
			out[key] = coerce(value) === '' ? value : coerce(value) === value ? value : coerce(value);
			if (value === 'True' || value === 'False') { out[key] = value === 'True'; }
			continue;
		}
		networkArgs.push(arg);
	}
	const loraTypes: Record<string, string> = {
		ia3: 'LyCORIS/iA3', locon: 'LyCORIS/LoCon', loha: 'LyCORIS/LoHa', lokr: 'LyCORIS/LoKr', dylora: 'LyCORIS/DyLoRA', glora: 'LyCORIS/GLoRA',
		boft: 'LyCORIS/BOFT', 'diag-oft': 'LyCORIS/Diag-OFT', full: 'LyCORIS/Native Fine-Tuning',
	};
	const kept = typeof settings.kohyaKept.LoRA_type === 'string' ? settings.kohyaKept.LoRA_type : undefined;
	out.LoRA_type = settings.networkModule === 'lycoris.kohya' ? loraTypes[algo] ?? 'LyCORIS/LoCon'
		: settings.networkModule === 'networks.dylora' ? 'Kohya DyLoRA'
			: settings.networkModule === 'networks.lora_flux' ? 'Flux1'
			: settings.networkModule === 'networks.oft_flux' ? 'Flux1 OFT'
			: settings.networkModule === 'networks.lora_fa' ? 'LoRA-FA'
				: kept ?? ('conv_dim' in out && settings.networkArgs.some((a) => a.startsWith('conv_dim=')) ? 'Kohya LoCon' : 'Standard');
	const extraParams: string[] = networkArgs.length ? [`--network_args ${networkArgs.join(' ')}`] : [];
	for (const [key, value] of Object.entries(settings.extra)) {
		if (key === 'sample_every_n_steps') { out.sample_every_n_steps = value; continue; }
		if (key in FIELD_MAP || !optionOf(settings.model, key) || key === 'cache_text_encoder_outputs_to_disk' && settings.model !== 'sd15') { continue; }
		if (key in settings.kohyaKept || GUI_SAVED_SD_SCRIPTS_KEYS.has(key)) {
			out[key] = value;
			continue;
		}
		extraParams.push(value === true ? `--${key}` : `--${key} ${Array.isArray(value) ? value.join(' ') : String(value)}`);
	}
	out.additional_parameters = extraParams.join(' ');
	delete out.kohyaKept;
	return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** sd-scripts options that the GUI saves under the same name (so they go back as fields, not as text). */
const GUI_SAVED_SD_SCRIPTS_KEYS = new Set(['adaptive_noise_scale', 'async_upload', 'caption_dropout_every_n_epochs', 'debiased_estimation_loss',
	'dim_from_weights', 'fp8_base', 'fp8_base_unet', 'highvram', 'huber_c', 'huber_scale', 'huber_schedule', 'huggingface_path_in_repo',
	'huggingface_repo_id', 'huggingface_repo_type', 'huggingface_repo_visibility', 'huggingface_token', 'ip_noise_gamma',
	'ip_noise_gamma_random_strength', 'log_config', 'log_tracker_config', 'log_tracker_name', 'log_with', 'loss_type', 'masked_loss',
	'max_grad_norm', 'max_timestep', 'max_token_length', 'mem_eff_attn', 'metadata_author', 'metadata_description', 'metadata_license',
	'metadata_tags', 'metadata_title', 'min_timestep', 'multires_noise_discount', 'multires_noise_iterations', 'network_weights',
	'noise_offset_random_strength', 'resume', 'resume_from_huggingface', 'save_every_n_steps', 'save_last_n_epochs_state', 'save_last_n_steps',
	'save_last_n_steps_state', 'save_state', 'save_state_on_train_end', 'save_state_to_huggingface', 'scale_v_pred_loss_like_noise_pred',
	'scale_weight_norms', 'skip_cache_check', 'v_pred_like_loss', 'vae_batch_size', 'wandb_api_key', 'wandb_run_name', 'weighted_captions',
	'lowram', 'lr_scheduler_type', 'lr_scheduler_args', 'lr_warmup_steps', 'cpu_offload_checkpointing',
	// The Flux.1 panel's fields named as flux_train_network.py options.
	'apply_t5_attn_mask', 't5xxl_max_token_length', 'split_mode', 'weighting_scheme', 'logit_mean', 'logit_std', 'mode_scale', 'model_type']);
