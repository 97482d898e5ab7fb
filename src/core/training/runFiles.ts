import { existsSync, promises as fs } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import { checkDatasetConfig } from './datasetConfigRules';
import { outputNameProblem } from './outputPaths';
import { checkTrainingConfig } from './optionCheck';
import { SD_SCRIPTS_OPTIONS } from './sdScriptsOptions';
import { TomlTable, TomlValue, int, toToml } from './tomlModel';
import { resolutionPair } from './trainingFields';
import { GpuCapabilities, TrainerSettings, effectiveOutputName, resolvePrecision } from './trainingSettings';

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

/** An sd-scripts value from a YAML/JSON value, typed as argparse would type it. */
export function optionValue(key: string, value: unknown): TomlValue | undefined {
	const spec = SD_SCRIPTS_OPTIONS[key];
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
	if (settings.enableBucket && settings.bucketResoSteps % 64 !== 0) {
		errors.push(`bucketResoSteps is ${settings.bucketResoSteps}; SD1.5 needs a multiple of 64`);
	}

	const model: TomlTable = {};
	put(model, 'pretrained_model_name_or_path', settings.baseModel);
	put(model, 'vae', settings.vae);
	put(model, 'v2', settings.v2);
	put(model, 'v_parameterization', settings.vParameterization);
	put(model, 'clip_skip', settings.clipSkip === null ? null : int(settings.clipSkip));
	put(model, 'max_token_length', settings.maxTokenLength === null ? null : int(settings.maxTokenLength));
	put(model, 'sdpa', settings.attention === 'sdpa');
	put(model, 'xformers', settings.attention === 'xformers');
	put(model, 'no_half_vae', settings.noHalfVae);

	const network: TomlTable = {};
	put(network, 'network_module', settings.networkModule);
	put(network, 'network_dim', int(settings.networkDim));
	put(network, 'network_alpha', settings.networkAlpha);
	put(network, 'network_args', settings.networkArgs);
	put(network, 'network_dropout', settings.networkDropout);

	const optimizer: TomlTable = {};
	put(optimizer, 'optimizer_type', precision.optimizer);
	put(optimizer, 'optimizer_args', settings.optimizerArgs);
	put(optimizer, 'learning_rate', settings.learningRate);
	put(optimizer, 'unet_lr', settings.unetLr);
	put(optimizer, 'text_encoder_lr', settings.textEncoderLr);
	put(optimizer, 'lr_scheduler', settings.lrScheduler);
	if (settings.lrWarmupSteps > 0) {
		put(optimizer, 'lr_warmup_steps', Number.isInteger(settings.lrWarmupSteps) ? int(settings.lrWarmupSteps) : settings.lrWarmupSteps);
	}
	put(optimizer, 'lr_scheduler_num_cycles', settings.lrSchedulerNumCycles === null ? null : int(settings.lrSchedulerNumCycles));
	put(optimizer, 'lr_scheduler_power', settings.lrSchedulerPower);

	const training: TomlTable = {};
	put(training, 'dataset_config', datasetConfigFile);
	put(training, 'max_train_epochs', int(settings.epochs));
	put(training, 'train_batch_size', int(settings.batchSize));
	put(training, 'gradient_accumulation_steps', int(settings.gradientAccumulationSteps));
	put(training, 'gradient_checkpointing', settings.gradientCheckpointing);
	put(training, 'mixed_precision', precision.mixedPrecision);
	put(training, 'full_fp16', settings.fullFp16);
	put(training, 'full_bf16', settings.fullBf16);
	put(training, 'seed', settings.seed === null ? null : int(settings.seed));
	put(training, 'noise_offset', settings.noiseOffset);
	put(training, 'min_snr_gamma', settings.minSnrGamma);
	put(training, 'prior_loss_weight', settings.priorLossWeight === 1 ? null : settings.priorLossWeight);
	put(training, 'cache_latents', settings.cacheLatents);
	put(training, 'cache_latents_to_disk', settings.cacheLatentsToDisk);
	put(training, 'max_data_loader_n_workers', int(settings.maxDataLoaderNWorkers));
	put(training, 'persistent_data_loader_workers', settings.persistentDataLoaderWorkers);

	const saving: TomlTable = {};
	put(saving, 'output_dir', outputDir);
	put(saving, 'output_name', outputName);
	put(saving, 'save_model_as', settings.saveModelAs);
	put(saving, 'save_precision', precision.savePrecision);
	put(saving, 'save_every_n_epochs', int(settings.saveEveryNEpochs));
	put(saving, 'save_last_n_epochs', settings.saveLastNEpochs === null ? null : int(settings.saveLastNEpochs));
	put(saving, 'save_state', settings.saveState);
	put(saving, 'resume', settings.resume.trim() || null);
	put(saving, 'training_comment', settings.trainingComment);
	put(saving, 'metadata_title', outputName);
	put(saving, 'metadata_trigger_phrase', input.trigger);

	const logging: TomlTable = {};
	put(logging, 'logging_dir', logDir);
	// sd-scripts picks TensorBoard for a logging_dir anyway (reference §9); said outright, as the loss panel follows it.
	put(logging, 'log_with', 'tensorboard');
	put(logging, 'log_prefix', `${outputName}-`);
	// Plain log lines on stdout, unwrapped, so the terminal and the console parser see them whole.
	put(logging, 'console_log_simple', true);

	const sampling: TomlTable = {};
	if (promptFile) {
		put(sampling, 'sample_prompts', promptFile);
		put(sampling, 'sample_every_n_epochs', int(settings.sample.everyNEpochs));
		put(sampling, 'sample_sampler', settings.sample.sampler);
	}

	const trainingConfig: TomlTable = { model, network, optimizer, training, saving, logging };
	if (Object.keys(sampling).length) {
		trainingConfig.sampling = sampling;
	}
	const written = new Set(Object.values(trainingConfig).flatMap((section) => Object.keys(section as TomlTable)));
	const extra: TomlTable = {};
	for (const [key, raw] of Object.entries(settings.extra)) {
		const value = optionValue(key, raw);
		if (value === undefined) {
			errors.push(`training.extra.${key}: ${JSON.stringify(raw)} is not a valid value for --${key}`);
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
	errors.push(...checkTrainingConfig(trainingConfig));

	const general: TomlTable = {};
	general.caption_extension = settings.captionExtension;
	general.shuffle_caption = settings.shuffleCaption;
	general.keep_tokens = int(settings.keepTokens);
	general.flip_aug = settings.flipAug;
	general.color_aug = settings.colorAug;
	general.random_crop = settings.randomCrop;
	if (settings.captionDropoutRate > 0) { general.caption_dropout_rate = settings.captionDropoutRate; }
	if (settings.captionDropoutEveryNEpochs > 0) { general.caption_dropout_every_n_epochs = int(settings.captionDropoutEveryNEpochs); }
	if (settings.captionTagDropoutRate > 0) { general.caption_tag_dropout_rate = settings.captionTagDropoutRate; }

	const [width, height] = resolutionPair(settings.resolution);
	const dataset: TomlTable = {
		resolution: width === height ? int(width) : [int(width), int(height)],
		batch_size: int(settings.batchSize),
		enable_bucket: settings.enableBucket,
	};
	if (settings.enableBucket) {
		dataset.min_bucket_reso = int(settings.minBucketReso);
		dataset.max_bucket_reso = int(settings.maxBucketReso);
		dataset.bucket_reso_steps = int(settings.bucketResoSteps);
		dataset.bucket_no_upscale = settings.bucketNoUpscale;
	}
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
		errors.push(...checkDatasetConfig(datasetConfig));
	}

	return {
		outputDir, logDir, outputName, runFilesDir, configFile, datasetConfigFile, promptFile,
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
	const header = 'Written by LoRA Workbench for kohya-ss/sd-scripts train_network.py. Edit lora-workbench.yaml instead:\nthis file is written again for every run.';
	await writeFileAtomic(files.configFile, toToml(files.trainingConfig, `${header}\nUse with --config_file (section names are only for reading; sd-scripts flattens them).`));
	await writeFileAtomic(files.datasetConfigFile, toToml(files.datasetConfig, `${header}\nUse with --dataset_config.`));
	const written = [files.configFile, files.datasetConfigFile];
	if (files.promptFile && files.promptText) {
		await writeFileAtomic(files.promptFile, files.promptText);
		written.push(files.promptFile);
	}
	return written;
}
