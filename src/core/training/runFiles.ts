import { existsSync, promises as fs } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { sweepStaleTempFiles, writeFileAtomic } from '../atomicWrite';
import { checkDatasetConfig } from './datasetConfigRules';
import { outputNameProblem } from './outputPaths';
import { checkTrainingConfig } from './optionCheck';
import { optionOf } from './sdScriptsOptions';
import { SD_SCRIPTS_SCRIPTS, familyLabel } from './sdScriptsScripts';
import { TomlTable, TomlValue, int, toToml } from './tomlModel';
import { CONFIG_SECTIONS, ConfigSection, WriteContext, flatDefs, isGroup, sdScriptsUses } from './settingsTable';
import { GpuCapabilities, ModelFamily, TrainerSettings, effectiveOutputName, resolvePrecision } from './trainingSettings';

/** What a run needs from the dataset: the subsets as sd-scripts will read them (Subset from dataset.ts fits). */
export interface RunSubset {
	dir: string;
	repeats: number;
	classTokens: string;
	isReg: boolean;
}

export interface RunInput {
	/** The training folder. */
	root: string;
	trigger: string;
	classWord: string;
	settings: TrainerSettings;
	subsets: readonly RunSubset[];
	gpu: GpuCapabilities;
	/** Where the run files go; defaults to a per-run folder under the output folder. */
	runFilesDir?: string;
	/** Used in the per-run folder name. */
	now?: Date;
}

export interface RunFiles {
	/** The sd-scripts script these files are for (the family's: train_network.py, sdxl_..., flux_...). */
	script: string;
	outputDir: string;
	logDir: string;
	outputName: string;
	runFilesDir: string;
	configFile: string;
	datasetConfigFile: string;
	/** Set when sampling is on. */
	promptFile?: string;
	trainingConfig: TomlTable;
	datasetConfig: TomlTable;
	promptText?: string;
	/** Problems that make the files unusable (a bug or a bad setting); empty when sd-scripts will accept them. */
	errors: string[];
	/** Things the user should know, e.g. settings that were adjusted. */
	notes: string[];
}

export function timestamp(date: Date): string {
	const two = (n: number): string => String(n).padStart(2, '0');
	return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/**
 * Run folders handed out in this process: two trainings of one folder planned within the same second (the
 * second waits in the queue, nothing is on disk yet) must still get folders of their own.
 */
const handedOut = new Set<string>();

function uniqueRunDir(base: string): string {
	let dir = base;
	for (let n = 2; handedOut.has(dir) || existsSync(dir); n++) {
		dir = `${base}-${n}`;
	}
	handedOut.add(dir);
	return dir;
}

function inFolder(root: string, path: string): string {
	return isAbsolute(path) ? path : resolve(root, path);
}

function fillPrompt(text: string, trigger: string, classWord: string): string {
	return text.replaceAll('{trigger}', trigger).replaceAll('{class}', classWord);
}

/** One `.txt` prompt line per prompt, with the sample settings as `--` options unless the line sets them. */
export function samplePromptText(settings: TrainerSettings, trigger: string, classWord: string): { text: string; errors: string[] } {
	const errors: string[] = [];
	const sample = settings.sample;
	const lines = ['# Sample prompts for sd-scripts (one per line; --n negative, --w/--h size, --d seed, --l CFG, --s steps)'];
	sample.prompts.forEach((raw, i) => {
		const prompt = fillPrompt(raw, trigger, classWord).trim();
		if (prompt === '' || prompt.startsWith('#') || /[\r\n]/.test(prompt)) {
			errors.push(`sample prompt ${i + 1} is empty, starts with "#" or spans lines; sd-scripts would skip or split it`);
			return;
		}
		const has = (flag: string): boolean => new RegExp(` --${flag}(\\s|$)`, 'i').test(` ${prompt}`);
		const options: string[] = [];
		if (!has('n') && sample.negativePrompt.trim()) { options.push(`--n ${sample.negativePrompt.trim()}`); }
		if (!has('w')) { options.push(`--w ${sample.width}`); }
		if (!has('h')) { options.push(`--h ${sample.height}`); }
		if (!has('d')) { options.push(`--d ${sample.seed}`); }
		if (!has('l')) { options.push(`--l ${sample.scale}`); }
		if (!has('s')) { options.push(`--s ${sample.steps}`); }
		lines.push([prompt, ...options].join(' '));
	});
	if (lines.length === 1) {
		errors.push('sampling is on but there is no usable sample prompt');
	}
	return { text: `${lines.join('\n')}\n`, errors };
}

/** An sd-scripts value from a YAML/JSON value, typed as argparse (of the family's script) would type it. */
export function optionValue(key: string, value: unknown, family: ModelFamily = 'sd15'): TomlValue | undefined {
	const spec = optionOf(family, key);
	if (!spec || value === null || value === undefined) {
		return undefined;
	}
	switch (spec.type) {
		case 'flag': return value === true ? true : undefined;
		case 'int': return typeof value === 'number' && Number.isInteger(value) ? int(value) : undefined;
		case 'float': return typeof value === 'number' ? value : undefined;
		case 'intOrFloat': return typeof value === 'number' ? (Number.isInteger(value) ? int(value) : value) : undefined;
		case 'str': return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
		case 'strList': return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : undefined;
		case 'floatList': return Array.isArray(value) ? value.map(Number) : typeof value === 'number' ? value : undefined;
	}
}

/** A setting's value as argparse types the option; flags keep false (the dataset config writes them). */
function typedValue(key: string, value: unknown, family: ModelFamily): TomlValue | undefined {
	return optionOf(family, key)?.type === 'flag' ? (typeof value === 'boolean' ? value : undefined) : optionValue(key, value, family);
}

/** What a family's script refuses or needs beyond its option list (sd-scripts' assert_extra_args), as errors. */
function familyErrors(settings: TrainerSettings): string[] {
	const errors: string[] = [];
	const family = settings.model;
	const script = SD_SCRIPTS_SCRIPTS[family];
	const step = family === 'sd15' ? 64 : 32;
	if (settings.enableBucket && settings.bucketResoSteps % step !== 0) {
		errors.push(`bucketResoSteps is ${settings.bucketResoSteps}; ${familyLabel(family)} needs a multiple of ${step} (${script} checks it)`);
	}
	if (family === 'sd15') {
		return errors;
	}
	if (settings.cacheTextEncoderOutputs && (settings.shuffleCaption || settings.captionDropoutRate > 0 || settings.captionTagDropoutRate > 0)) {
		errors.push('cacheTextEncoderOutputs cannot be combined with shuffleCaption or caption dropout (sd-scripts refuses: the cached outputs are of one caption); turn one of them off');
	}
	if (family === 'sdxl' && settings.cacheTextEncoderOutputs && !settings.networkTrainUnetOnly) {
		errors.push('cacheTextEncoderOutputs needs networkTrainUnetOnly: true on SDXL (sdxl_train_network.py: "network for Text Encoder cannot be trained with caching Text Encoder outputs"); set it, or turn caching off');
	}
	if (family === 'flux1') {
		const files: [keyof TrainerSettings, string, string][] = [
			['baseModel', 'the Flux.1 transformer', 'flux1-dev.safetensors from black-forest-labs/FLUX.1-dev'],
			['clipL', 'the CLIP-L text encoder', 'clip_l.safetensors from comfyanonymous/flux_text_encoders'],
			['t5xxl', 'the T5-XXL text encoder', 't5xxl_fp16.safetensors from comfyanonymous/flux_text_encoders'],
			['ae', 'the autoencoder', 'ae.safetensors from black-forest-labs/FLUX.1-dev'],
		];
		for (const [key, what, where] of files) {
			if (String(settings[key]).trim() === '') {
				errors.push(`training.${key} is empty: flux_train_network.py needs ${what} as a .safetensors file (${where})`);
			}
		}
		if (settings.blocksToSwap && settings.extra.cpu_offload_checkpointing === true) {
			errors.push('training.blocksToSwap cannot be combined with cpu_offload_checkpointing (flux_train_network.py refuses); drop one of them');
		}
	}
	return errors;
}

/** `sample.width` of the settings. */
function valueAt(settings: TrainerSettings, name: string): unknown {
	return name.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], settings);
}

function put(table: TomlTable, key: string, value: TomlValue | undefined | null): void {
	if (value !== undefined && value !== null && value !== '' && value !== false && !(Array.isArray(value) && value.length === 0)) {
		table[key] = value;
	}
}

/** Builds the three run files in memory and checks them against sd-scripts' rules. Writes nothing. */
export function buildRunFiles(input: RunInput): RunFiles {
	const { settings, root } = input;
	const errors: string[] = [];
	const notes: string[] = [];
	const outputDir = inFolder(root, settings.outputDir || 'model');
	const logDir = inFolder(root, settings.loggingDir || 'log');
	const nameProblem = outputNameProblem(settings.outputName);
	if (nameProblem) {
		errors.push(nameProblem);
	}
	// A refused name must not place the run files either: they go under the trigger's name meanwhile.
	const outputName = nameProblem ? effectiveOutputName({ ...settings, outputName: '' }, input.trigger) : effectiveOutputName(settings, input.trigger);
	const runFilesDir = input.runFilesDir ?? uniqueRunDir(join(outputDir, 'runs', `${outputName}-${timestamp(input.now ?? new Date())}`));
	const configFile = join(runFilesDir, 'config.toml');
	const datasetConfigFile = join(runFilesDir, 'dataset.toml');
	const precision = resolvePrecision(settings, input.gpu);

	let promptFile: string | undefined;
	let promptText: string | undefined;
	if (settings.sample.enabled) {
		const prompts = samplePromptText(settings, input.trigger, input.classWord);
		errors.push(...prompts.errors);
		promptText = prompts.text;
		promptFile = join(runFilesDir, 'sample-prompts.txt');
	}

	if (settings.lrScheduler === 'constant' && settings.lrWarmupSteps !== 0) {
		errors.push('lrWarmupSteps must be 0 with the constant schedule (sd-scripts stops with "constant does not require num_warmup_steps"); use constant_with_warmup or set it to 0');
	}
	if (settings.cacheLatents && (settings.colorAug || settings.randomCrop)) {
		errors.push('cacheLatents cannot be combined with colorAug or randomCrop (sd-scripts refuses); turn one of them off');
	}
	errors.push(...familyErrors(settings));
	const family = settings.model;
	if (family === 'sdxl' && precision.mixedPrecision === 'fp16' && !settings.noHalfVae) {
		notes.push('SDXL\'s VAE can be unstable in fp16 (sd-scripts docs/sdxl_train_network.md: enable no_half_vae with fp16); set training.noHalfVae: true if the latents come out as NaN');
	}

	// Every setting the table sends to sd-scripts, into its section (settingsTable.ts `sdScripts`).
	const ctx: WriteContext = { settings, outputDir, logDir, outputName, precision };
	const config = Object.fromEntries(CONFIG_SECTIONS.map((section) => [section, {} as TomlTable])) as Record<ConfigSection, TomlTable>;
	const general: TomlTable = {};
	const datasetValues: TomlTable = {};
	// Not settings: where the dataset config is (first, as sd-scripts reads it first).
	put(config.training, 'dataset_config', datasetConfigFile);
	for (const [name, def] of flatDefs()) {
		// A row of another family (clip_skip for Flux.1, clip_l for SD1.5) is left out: that script does not take it.
		if (isGroup(def) || !def.families.includes(family)) {
			continue;
		}
		const value = valueAt(settings, name);
		for (const use of sdScriptsUses(def)) {
			if (!('in' in use)) {
				continue;
			}
			const toml = use.value ? use.value(value as never, ctx) : typedValue(use.key, value, family);
			if (use.in === 'general' || use.in === 'dataset') {
				if (toml !== undefined && toml !== null) {
					(use.in === 'general' ? general : datasetValues)[use.datasetKey ?? use.key] = toml;
				}
			} else {
				put(config[use.in], use.key, toml);
			}
		}
	}
	if (!promptFile) {
		config.sampling = {};
	} else {
		config.sampling = { sample_prompts: promptFile, ...config.sampling };
	}
	// Not settings: what the checkpoint metadata names, and how the run logs (the loss panel and the console parser read them).
	put(config.saving, 'metadata_title', outputName);
	put(config.saving, 'metadata_trigger_phrase', input.trigger);
	// sd-scripts picks TensorBoard for a logging_dir anyway (reference §9); said outright, as the loss panel follows it.
	put(config.logging, 'log_with', 'tensorboard');
	put(config.logging, 'log_prefix', `${outputName}-`);
	// Plain log lines on stdout, unwrapped, so the terminal and the console parser see them whole.
	put(config.logging, 'console_log_simple', true);

	const { sampling, ...sections } = config;
	const trainingConfig: TomlTable = { ...sections };
	if (Object.keys(sampling).length) {
		trainingConfig.sampling = sampling;
	}
	const written = new Set(Object.values(trainingConfig).flatMap((section) => Object.keys(section as TomlTable)));
	const extra: TomlTable = {};
	for (const [key, raw] of Object.entries(settings.extra)) {
		const value = optionValue(key, raw, family);
		if (value === undefined) {
			errors.push(optionOf(family, key) ? `training.extra.${key}: ${JSON.stringify(raw)} is not a valid value for --${key}` : `training.extra.${key} is not an option of ${SD_SCRIPTS_SCRIPTS[family]}`);
		} else if (written.has(key)) {
			notes.push(`training.extra.${key} replaces the value the settings give`);
			for (const section of Object.values(trainingConfig) as TomlTable[]) {
				delete section[key];
			}
			extra[key] = value;
		} else {
			extra[key] = value;
		}
	}
	if (Object.keys(extra).length) {
		trainingConfig.extra = extra;
	}
	errors.push(...checkTrainingConfig(trainingConfig, family));

	const dataset: TomlTable = { ...datasetValues };
	const usable = input.subsets.filter((s) => s.repeats >= 1);
	if (!usable.some((s) => !s.isReg)) {
		errors.push('the training folder has no image subsets (images/<repeats>_<trigger> <class>/); sd-scripts would stop with "No data found"');
	}
	dataset.subsets = usable.map((s) => ({
		image_dir: s.dir,
		num_repeats: int(s.repeats),
		class_tokens: s.classTokens,
		is_reg: s.isReg,
	}));
	const datasetConfig: TomlTable = { general, datasets: [dataset] };
	if (usable.length) {
		errors.push(...checkDatasetConfig(datasetConfig, family === 'sd15' ? 64 : 32));
	}

	return {
		script: SD_SCRIPTS_SCRIPTS[family], outputDir, logDir, outputName, runFilesDir, configFile, datasetConfigFile, promptFile,
		trainingConfig, datasetConfig, promptText, errors, notes,
	};
}

/** Where sd-scripts will write this run's TensorBoard event files. */
export interface TensorBoardTarget {
	/** logging_dir: each run gets `<dir>/<prefix><YYYYmmddHHMMSS>/network_train/events.out.tfevents.*`. */
	dir: string;
	prefix: string;
}

/** The training config as sd-scripts reads it: one flat table (the sections are only for reading, reference §2). */
export function flatTrainingConfig(files: Pick<RunFiles, 'trainingConfig'>): Record<string, unknown> {
	const flat: Record<string, unknown> = {};
	for (const section of Object.values(files.trainingConfig)) {
		if (section && typeof section === 'object' && !Array.isArray(section)) {
			Object.assign(flat, section);
		}
	}
	return flat;
}

/** The TensorBoard folder of a run from its training config (training.extra may change or turn off logging). */
export function tensorBoardTarget(files: Pick<RunFiles, 'trainingConfig'>): TensorBoardTarget | undefined {
	const flat = flatTrainingConfig(files);
	const logWith = flat.log_with;
	if (typeof flat.logging_dir !== 'string' || (logWith !== undefined && logWith !== 'tensorboard' && logWith !== 'all')) {
		return undefined;
	}
	return { dir: flat.logging_dir, prefix: typeof flat.log_prefix === 'string' ? flat.log_prefix : '' };
}

/** Writes the run files (atomically; the folder is created). Refuses files that sd-scripts would reject. */
export async function writeRunFiles(files: RunFiles): Promise<string[]> {
	if (files.errors.length) {
		throw new Error(`the run files were not written:\n- ${files.errors.join('\n- ')}`);
	}
	await fs.mkdir(files.runFilesDir, { recursive: true });
	// A write killed mid-way (a cancelled or crashed run start) leaves its temp here; the next write removes it.
	await sweepStaleTempFiles([files.runFilesDir]);
	const header = `Written by LoRA Workbench for kohya-ss/sd-scripts ${files.script}. Edit lora-workbench.yaml instead:\nthis file is written again for every run.`;
	await writeFileAtomic(files.configFile, toToml(files.trainingConfig, `${header}\nUse with --config_file (section names are only for reading; sd-scripts flattens them).`));
	await writeFileAtomic(files.datasetConfigFile, toToml(files.datasetConfig, `${header}\nUse with --dataset_config.`));
	const written = [files.configFile, files.datasetConfigFile];
	if (files.promptFile && files.promptText) {
		await writeFileAtomic(files.promptFile, files.promptText);
		written.push(files.promptFile);
	}
	return written;
}
