import { SD_SCRIPTS_OPTIONS } from './sdScriptsOptions';
import { TrainerSettings, guidePreset } from './trainingSettings';
import { REMOVED_SD15_MODEL_ID, SD15_MODEL_ID, replacementModelNote } from './sd15Model';

/**
 * One table describes every training setting: the YAML reader checks values with it and the JSON schema for
 * lora-workbench.yaml is generated from it, so completion in the editor and the reader never disagree.
 */
export type FieldSpec =
	| { kind: 'string'; description: string; enum?: readonly string[]; pattern?: string }
	| { kind: 'int'; description: string; min?: number; max?: number; nullable?: boolean; enum?: readonly number[] }
	| { kind: 'number'; description: string; min?: number; max?: number; nullable?: boolean }
	| { kind: 'bool'; description: string }
	| { kind: 'stringList'; description: string }
	| { kind: 'resolution'; description: string }
	| { kind: 'map'; description: string }
	| { kind: 'object'; description: string; fields: Readonly<Record<string, FieldSpec>> };

const SAMPLERS = SD_SCRIPTS_OPTIONS.sample_sampler.choices as readonly string[];

export const SAMPLE_FIELDS: Readonly<Record<string, FieldSpec>> = {
	enabled: { kind: 'bool', description: 'Generate sample images while training (into model/sample/), for the Compare Epochs grid.' },
	everyNEpochs: { kind: 'int', min: 1, description: 'Generate samples after every N epochs (sample_every_n_epochs).' },
	sampler: { kind: 'string', enum: SAMPLERS, description: 'Sampler for sample images (sample_sampler).' },
	prompts: { kind: 'stringList', description: 'Sample prompts, one per image, in sd-scripts\' syntax (--n --w --h --d --l --s); {trigger} and {class} are replaced.' },
	negativePrompt: { kind: 'string', description: 'Negative prompt added to every sample prompt that has none (--n).' },
	width: { kind: 'int', min: 64, description: 'Sample width in pixels (--w).' },
	height: { kind: 'int', min: 64, description: 'Sample height in pixels (--h).' },
	steps: { kind: 'int', min: 1, max: 1000, description: 'Sampling steps (--s).' },
	scale: { kind: 'number', min: 0, description: 'CFG scale (--l).' },
	seed: { kind: 'int', min: 0, description: 'Seed for every sample, so epochs compare like for like (--d).' },
};

export const LAUNCH_FIELDS: Readonly<Record<string, FieldSpec>> = {
	gpuIds: { kind: 'string', pattern: '^(|all|\\d+(,\\d+)*)$', description: 'GPUs on this machine, e.g. "0,1" (accelerate --gpu_ids). Empty: all.' },
	numMachines: { kind: 'int', min: 1, description: 'Machines taking part (accelerate --num_machines). Run the same training on each, with its own machineRank.' },
	machineRank: { kind: 'int', min: 0, description: 'This machine\'s rank, 0 for the main machine (accelerate --machine_rank).' },
	mainProcessIp: { kind: 'string', description: 'IP address of the machine with rank 0 (accelerate --main_process_ip).' },
	mainProcessPort: { kind: 'int', min: 1, max: 65535, description: 'Port on the main machine (accelerate --main_process_port).' },
	numCpuThreadsPerProcess: { kind: 'int', min: 1, description: 'CPU threads per process (accelerate --num_cpu_threads_per_process). 2, as in the kohya_ss GUI.' },
	dynamoBackend: { kind: 'string', enum: ['no', 'eager', 'aot_eager', 'inductor', 'aot_ts_nvfuser', 'nvprims_nvfuser', 'cudagraphs', 'ofi', 'fx2trt', 'onnxrt', 'tensorrt', 'ipex', 'tvm'], description: 'torch.compile backend (accelerate --dynamo_backend); no: off.' },
	dynamoMode: { kind: 'string', enum: ['default', 'reduce-overhead', 'max-autotune'], description: 'torch.compile mode when a backend is set (accelerate --dynamo_mode).' },
	dynamoUseFullgraph: { kind: 'bool', description: 'Compile the model as one graph (accelerate --dynamo_use_fullgraph).' },
	dynamoUseDynamic: { kind: 'bool', description: 'Dynamic shapes in the compiled graph (accelerate --dynamo_use_dynamic).' },
	extraArgs: { kind: 'stringList', description: 'More accelerate launch arguments, one item each, e.g. ["--rdzv_backend", "c10d"]; placed before the script.' },
};

export const TRAINING_FIELDS: Readonly<Record<string, FieldSpec>> = {
	preset: { kind: 'string', description: 'The preset these settings started from (guide-sd15-person = "Guide: SD1.5 person").' },
	baseModel: { kind: 'string', description: 'Base model: a Hugging Face id or a .safetensors/.ckpt path (pretrained_model_name_or_path).' },
	vae: { kind: 'string', description: 'Optional VAE file (vae). Empty: the model\'s own.' },
	v2: { kind: 'bool', description: 'The base model is SD 2.x (v2).' },
	vParameterization: { kind: 'bool', description: 'v-prediction base model (v_parameterization).' },
	networkModule: { kind: 'string', description: 'Network module: networks.lora for standard LoRA (network_module).' },
	networkDim: { kind: 'int', min: 1, description: 'LoRA rank (network_dim). The guide uses 32.' },
	networkAlpha: { kind: 'number', min: 0, description: 'LoRA alpha (network_alpha). The guide uses 32.' },
	networkArgs: { kind: 'stringList', description: 'key=value items for the network module (network_args), e.g. conv_dim=4.' },
	networkDropout: { kind: 'number', min: 0, max: 1, nullable: true, description: 'Neuron dropout (network_dropout).' },
	learningRate: { kind: 'number', min: 0, description: 'Learning rate (learning_rate), 1e-4 for LoRA.' },
	unetLr: { kind: 'number', min: 0, nullable: true, description: 'U-Net learning rate (unet_lr); null: learningRate.' },
	textEncoderLr: { kind: 'number', min: 0, nullable: true, description: 'Text encoder learning rate (text_encoder_lr); null: learningRate.' },
	optimizer: { kind: 'string', description: 'Optimizer (optimizer_type): auto = AdamW8bit on GPUs with bf16, AdamW otherwise; or AdamW, AdamW8bit, Lion, Prodigy, DAdaptAdam, Adafactor, ...' },
	optimizerArgs: { kind: 'stringList', description: 'key=value items for the optimizer (optimizer_args), e.g. weight_decay=0.01.' },
	lrScheduler: { kind: 'string', enum: ['constant', 'constant_with_warmup', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'adafactor', 'warmup_stable_decay', 'piecewise_constant', 'inverse_sqrt', 'cosine_with_min_lr'], description: 'Learning-rate schedule (lr_scheduler).' },
	lrWarmupSteps: { kind: 'number', min: 0, description: 'Warm-up (lr_warmup_steps): an integer >= 1 is steps, below 1 a share of all steps. Must be 0 with constant.' },
	lrSchedulerNumCycles: { kind: 'int', min: 1, nullable: true, description: 'Restarts for cosine_with_restarts (lr_scheduler_num_cycles).' },
	lrSchedulerPower: { kind: 'number', nullable: true, description: 'Power for polynomial (lr_scheduler_power).' },
	batchSize: { kind: 'int', min: 1, description: 'Images per step on each GPU (train_batch_size). The guide uses 1.' },
	epochs: { kind: 'int', min: 1, description: 'Epochs (max_train_epochs). The guide uses 10.' },
	gpus: { kind: 'int', min: 1, description: 'GPUs in total, one process each, across all machines (accelerate --num_processes); above 1 adds --multi_gpu. The step math divides by it.' },
	gradientAccumulationSteps: { kind: 'int', min: 1, description: 'Batches summed per optimizer step (gradient_accumulation_steps).' },
	gradientCheckpointing: { kind: 'bool', description: 'Trade speed for memory (gradient_checkpointing).' },
	saveEveryNEpochs: { kind: 'int', min: 1, description: 'Save a checkpoint every N epochs (save_every_n_epochs). The guide saves every epoch.' },
	saveLastNEpochs: { kind: 'int', min: 1, nullable: true, description: 'Keep only the last N epoch files (save_last_n_epochs).' },
	saveModelAs: { kind: 'string', enum: ['safetensors', 'ckpt', 'pt'], description: 'Checkpoint format (save_model_as).' },
	savePrecision: { kind: 'string', enum: ['auto', 'float', 'fp16', 'bf16'], description: 'Precision of saved files (save_precision); auto = the mixed precision.' },
	mixedPrecision: { kind: 'string', enum: ['auto', 'bf16', 'fp16', 'no'], description: 'Mixed precision (mixed_precision): auto = bf16 on GPUs that support it, fp16 otherwise.' },
	fullFp16: { kind: 'bool', description: 'Train fully in fp16 (full_fp16).' },
	fullBf16: { kind: 'bool', description: 'Train fully in bf16 (full_bf16).' },
	resolution: { kind: 'resolution', description: 'Training resolution "width,height" or one number. The guide uses 512,512.' },
	enableBucket: { kind: 'bool', description: 'Aspect-ratio buckets (enable_bucket). The guide leaves them off.' },
	minBucketReso: { kind: 'int', min: 64, description: 'Smallest bucket side (min_bucket_reso).' },
	maxBucketReso: { kind: 'int', min: 64, description: 'Largest bucket side (max_bucket_reso).' },
	bucketResoSteps: { kind: 'int', min: 64, description: 'Bucket size step; a multiple of 64 for SD1.5 (bucket_reso_steps).' },
	bucketNoUpscale: { kind: 'bool', description: 'Never upscale images into a bucket (bucket_no_upscale).' },
	captionExtension: { kind: 'string', pattern: '^\\..+', description: 'Caption file extension with the dot (caption_extension); always written, since sd-scripts\' own default is .caption.' },
	shuffleCaption: { kind: 'bool', description: 'Shuffle tags each step (shuffle_caption).' },
	keepTokens: { kind: 'int', min: 0, description: 'Leading tags kept in place when shuffling (keep_tokens).' },
	captionDropoutRate: { kind: 'number', min: 0, max: 1, description: 'Share of steps trained without caption (caption_dropout_rate).' },
	captionDropoutEveryNEpochs: { kind: 'int', min: 0, description: 'Drop all captions every N epochs (caption_dropout_every_n_epochs).' },
	captionTagDropoutRate: { kind: 'number', min: 0, max: 1, description: 'Share of tags dropped per step (caption_tag_dropout_rate).' },
	flipAug: { kind: 'bool', description: 'Random horizontal flips (flip_aug). Off for faces that are not symmetric.' },
	colorAug: { kind: 'bool', description: 'Random hue changes (color_aug); cannot be used with cacheLatents.' },
	randomCrop: { kind: 'bool', description: 'Random crops (random_crop); cannot be used with cacheLatents.' },
	clipSkip: { kind: 'int', min: 1, nullable: true, description: 'CLIP skip (clip_skip); null: the model default.' },
	maxTokenLength: { kind: 'int', nullable: true, enum: [150, 225], description: 'Longer captions: 150 or 225 tokens (max_token_length); null: 75.' },
	seed: { kind: 'int', min: 0, nullable: true, description: 'Random seed (seed); null: random.' },
	noiseOffset: { kind: 'number', min: 0, nullable: true, description: 'Noise offset (noise_offset).' },
	minSnrGamma: { kind: 'number', min: 0, nullable: true, description: 'Min-SNR weighting gamma (min_snr_gamma), 5 is common.' },
	cacheLatents: { kind: 'bool', description: 'Cache VAE latents in memory (cache_latents).' },
	cacheLatentsToDisk: { kind: 'bool', description: 'Cache latents as .npz beside the images (cache_latents_to_disk).' },
	attention: { kind: 'string', enum: ['sdpa', 'xformers', 'none'], description: 'Memory-efficient attention: sdpa (PyTorch), xformers, or none.' },
	noHalfVae: { kind: 'bool', description: 'Keep the VAE in full precision (no_half_vae); fixes NaN latents with fp16.' },
	maxDataLoaderNWorkers: { kind: 'int', min: 0, description: 'Data loader worker processes (max_data_loader_n_workers).' },
	persistentDataLoaderWorkers: { kind: 'bool', description: 'Keep data loader workers between epochs (persistent_data_loader_workers).' },
	priorLossWeight: { kind: 'number', min: 0, description: 'Weight of regularisation images (prior_loss_weight).' },
	saveState: { kind: 'bool', description: 'Save the training state (optimizer, step, epoch) beside each checkpoint as <name>-<epoch>-state/ (save_state), so a stopped run can resume.' },
	resume: { kind: 'string', description: 'Resume from this <name>-<epoch>-state folder (resume), relative to the training folder; empty: a fresh run. "Resume from This State" in the Checkpoints view sets it.' },
	outputName: { kind: 'string', description: 'Checkpoint file name without extension (output_name); empty: the trigger word.' },
	outputDir: { kind: 'string', description: 'Folder for checkpoints and run files, relative to the training folder (output_dir). The guide uses model.' },
	loggingDir: { kind: 'string', description: 'TensorBoard logs, relative to the training folder (logging_dir). The guide uses log.' },
	trainingComment: { kind: 'string', description: 'Comment stored in the checkpoint metadata (training_comment).' },
	sample: { kind: 'object', fields: SAMPLE_FIELDS, description: 'Sample images during training.' },
	launch: { kind: 'object', fields: LAUNCH_FIELDS, description: 'Multi-GPU and multi-node settings for accelerate launch.' },
	extra: { kind: 'map', description: 'More sd-scripts options by their own names (e.g. noise_offset_random_strength: true); each is checked against train_network.py\'s option list.' },
	kohyaKept: { kind: 'map', description: 'kohya_ss GUI keys with no sd-scripts meaning, kept from an import so that export gives them back.' },
};

export interface SettingsProblem {
	/** Dotted path inside the YAML, e.g. `training.batchSize`. */
	path: string;
	message: string;
	/** `unknown-key`: the key is not a setting (with the one meant, when it is clear); `bad-value`: its value. */
	kind?: 'unknown-key' | 'bad-value';
	/** The key the user most likely meant, for an unknown key. */
	suggestion?: string;
}

function typeName(value: unknown): string {
	return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `"${value}"` : String(value);
}

/** Checks one value against its spec; returns the accepted value or undefined (and records why). */
function readValue(spec: FieldSpec, value: unknown, fallback: unknown, path: string, problems: SettingsProblem[]): unknown {
	const bad = (what: string): undefined => {
		problems.push({ path, kind: 'bad-value', message: `${path} must be ${what} (got ${typeName(value)}); using ${JSON.stringify(fallback)}` });
		return undefined;
	};
	switch (spec.kind) {
		case 'string':
			if (typeof value !== 'string') { return bad('text'); }
			if (spec.enum && !spec.enum.includes(value)) { return bad(`one of ${spec.enum.join(', ')}`); }
			if (spec.pattern && !new RegExp(spec.pattern).test(value)) { return bad(`text matching ${spec.pattern}`); }
			return value;
		case 'int':
		case 'number': {
			if (value === null && spec.nullable) { return null; }
			if (typeof value !== 'number' || !Number.isFinite(value)) { return bad(spec.kind === 'int' ? 'a whole number' : 'a number'); }
			if (spec.kind === 'int' && !Number.isInteger(value)) { return bad('a whole number'); }
			if (spec.min !== undefined && value < spec.min) { return bad(`at least ${spec.min}`); }
			if (spec.max !== undefined && value > spec.max) { return bad(`at most ${spec.max}`); }
			if (spec.kind === 'int' && spec.enum && !spec.enum.includes(value)) { return bad(`one of ${spec.enum.join(', ')}`); }
			return value;
		}
		case 'bool':
			return typeof value === 'boolean' ? value : bad('true or false');
		case 'stringList':
			return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : bad('a list of texts');
		case 'resolution':
			return normalizeResolution(value) ?? bad('"width,height" or one number (at least 64)');
		case 'map':
			return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : bad('a mapping');
		case 'object': {
			if (value === null || typeof value !== 'object' || Array.isArray(value)) { return bad('a mapping'); }
			return readObject(spec.fields, value as Record<string, unknown>, fallback as Record<string, unknown>, path, problems);
		}
	}
}

function readObject(fields: Readonly<Record<string, FieldSpec>>, raw: Record<string, unknown>, defaults: Record<string, unknown>, path: string, problems: SettingsProblem[]): Record<string, unknown> {
	const result: Record<string, unknown> = { ...defaults };
	for (const [key, value] of Object.entries(raw)) {
		const spec = fields[key];
		const keyPath = `${path}.${key}`;
		if (!spec) {
			const hint = closest(key, Object.keys(fields));
			problems.push({ path: keyPath, kind: 'unknown-key', suggestion: hint, message: `unknown setting ${keyPath}${hint ? ` (did you mean ${hint}?)` : ''}; it is ignored` });
			continue;
		}
		const accepted = readValue(spec, value, defaults[key], keyPath, problems);
		if (accepted !== undefined) {
			result[key] = accepted;
		}
	}
	return result;
}

/** `512`, `"512"`, `"512,768"`, `[512, 768]` → `"512,768"` style text; undefined when not a resolution. */
export function normalizeResolution(value: unknown): string | undefined {
	let parts: unknown[];
	if (typeof value === 'number') {
		parts = [value];
	} else if (typeof value === 'string') {
		parts = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p.trim())));
	} else if (Array.isArray(value)) {
		parts = value;
	} else {
		return undefined;
	}
	if (parts.length < 1 || parts.length > 2 || !parts.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 64)) {
		return undefined;
	}
	return parts.join(',');
}

export function resolutionPair(resolution: string): [number, number] {
	const [w, h] = resolution.split(',').map(Number);
	return [w, h ?? w];
}

/** Names users bring from the kohya_ss GUI and sd-scripts that are not just our key in snake_case. */
const ALIASES: Record<string, string> = {
	epoch: 'epochs', max_train_epochs: 'epochs', train_batch_size: 'batchSize', optimizer_type: 'optimizer', max_resolution: 'resolution',
	pretrained_model_name_or_path: 'baseModel', xformers: 'attention', sdpa: 'attention', lr_warmup: 'lrWarmupSteps', network_module: 'networkModule',
	save_every_n_epochs: 'saveEveryNEpochs', sample_every_n_epochs: 'everyNEpochs', sample_sampler: 'sampler', num_processes: 'gpus',
	output_dir: 'outputDir', logging_dir: 'loggingDir', sample_prompts: 'prompts',
};

function closest(word: string, candidates: string[]): string | undefined {
	const alias = ALIASES[word];
	if (alias && candidates.includes(alias)) {
		return alias;
	}
	const lower = word.toLowerCase().replace(/[_-]/g, '');
	return candidates.find((c) => c.toLowerCase() === lower);
}

/**
 * Reads the `training:` section (already parsed from YAML): the preset's values, overlaid with what the user
 * set. Bad values fall back to the preset and are reported, never silently dropped.
 */
export function readTrainingSection(raw: unknown, base: TrainerSettings = guidePreset()): { settings: TrainerSettings; problems: SettingsProblem[]; notes: string[] } {
	const problems: SettingsProblem[] = [];
	const notes: string[] = [];
	if (raw === undefined || raw === null) {
		return { settings: base, problems, notes };
	}
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		problems.push({ path: 'training', message: 'training must be a mapping of settings; using the guide preset' });
		return { settings: base, problems, notes };
	}
	const settings = readObject(TRAINING_FIELDS, raw as Record<string, unknown>, base as unknown as Record<string, unknown>, 'training', problems) as unknown as TrainerSettings;
	for (const [key, value] of Object.entries(settings.extra)) {
		if (!SD_SCRIPTS_OPTIONS[key]) {
			problems.push({ path: `training.extra.${key}`, message: `training.extra.${key} is not an option of train_network.py; it is ignored` });
			delete settings.extra[key];
		} else if (value === null || typeof value === 'object' && !Array.isArray(value)) {
			problems.push({ path: `training.extra.${key}`, message: `training.extra.${key} must be a value or a list; it is ignored` });
			delete settings.extra[key];
		}
	}
	if (settings.baseModel.trim() === REMOVED_SD15_MODEL_ID) {
		settings.baseModel = SD15_MODEL_ID;
		notes.push(`${replacementModelNote('training.baseModel')}; write ${SD15_MODEL_ID} there to drop this note`);
	}
	return { settings, problems, notes };
}

/** The `training:` mapping to write back to YAML: only what differs from the preset, so files stay short. */
export function trainingSectionDiff(settings: TrainerSettings, base: TrainerSettings = guidePreset()): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(TRAINING_FIELDS) as (keyof TrainerSettings)[]) {
		if (JSON.stringify(settings[key]) !== JSON.stringify(base[key])) {
			out[key] = settings[key];
		}
	}
	return out;
}
