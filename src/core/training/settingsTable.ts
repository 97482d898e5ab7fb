import type { TomlValue } from './tomlModel';
import { MODEL_FAMILIES, type LaunchSettings, type ModelFamily, type SampleSettings, type TrainerSettings } from './trainingSettings';

export type { ModelFamily } from './trainingSettings';

/**
 * THE table of training settings: every key of the `training:` section of lora-workbench.yaml is declared here
 * once, with its type and rules, its default (the "Guide: SD1.5 person" preset), its documentation, the
 * sd-scripts option it becomes, the kohya_ss GUI key it is imported from and exported to, and the model families
 * that use it. Everything else is driven by it:
 * - the reader (`readTrainingSection`, trainingFields.ts; core/settings.ts reads the `scan` keys from its result),
 * - the JSON schema, completion and diagnostics of lora-workbench.yaml (settingsSchema.ts, settingsCompletion.ts),
 * - kohya_ss import/export (kohya.ts: the plain `kohya` copies; the `special` ones are named here and done there),
 * - the run-file writer (runFiles.ts: `sdScripts` says which TOML key, where, and how the value is written).
 * How to add one: docs/architecture.md, "How to add a training setting". test/unit/trainingTable.test.ts checks
 * that every consumer covers every entry.
 */

/** The families a backend can train today: every family (sdScriptsScripts.ts names the script of each). */
export const SUPPORTED_FAMILIES: readonly ModelFamily[] = MODEL_FAMILIES;
/** Which families a row applies to: the run-file writer leaves a row out for the others, the reader says so. */
const ALL: readonly ModelFamily[] = MODEL_FAMILIES;
const SD15: readonly ModelFamily[] = ['sd15'];
/** The Stable Diffusion families (a U-Net, CLIP text encoders, a VAE). */
const SD: readonly ModelFamily[] = ['sd15', 'sdxl'];
const FLUX: readonly ModelFamily[] = ['flux1'];
const SDXL_FLUX: readonly ModelFamily[] = ['sdxl', 'flux1'];

/** Type and rules of a value, as the reader checks it and the schema states it. */
export type ValueRules =
	| { kind: 'string'; enum?: readonly string[]; pattern?: string; normalize?: Normalizer }
	| { kind: 'int'; min?: number; max?: number; nullable?: boolean; enum?: readonly number[] }
	| { kind: 'number'; min?: number; max?: number; nullable?: boolean }
	| { kind: 'bool' }
	| { kind: 'stringList' }
	| { kind: 'resolution' }
	| { kind: 'map' };

/** Accepts a value the user meant and rewrites it (`txt` -> `.txt`), with the note that says so. */
export type Normalizer = (value: string) => { value: string; note?: string };

/** What the run-file writer knows when it turns a value into TOML. */
export interface WriteContext {
	settings: TrainerSettings;
	/** Absolute output and logging folders, the output name sd-scripts will use. */
	outputDir: string;
	logDir: string;
	outputName: string;
	/** "auto" resolved against the GPU. */
	precision: { mixedPrecision: 'bf16' | 'fp16' | 'no'; savePrecision: 'float' | 'fp16' | 'bf16'; optimizer: string };
}

/** Sections of the training config TOML (sd-scripts flattens them; they are only for reading). */
export type ConfigSection = 'model' | 'network' | 'optimizer' | 'training' | 'saving' | 'logging' | 'sampling';
export const CONFIG_SECTIONS: readonly ConfigSection[] = ['model', 'network', 'optimizer', 'training', 'saving', 'logging', 'sampling'];

/**
 * Where a setting goes for sd-scripts:
 * - `in: <section>`: the training config (config.toml); left out when null, empty, false or an empty list;
 * - `in: 'general'`: the dataset config's [general] table; `in: 'dataset'`: its [[datasets]] table (`datasetKey`
 *   when the dataset config names it differently from the option);
 * - `accelerate`: an `accelerate launch` argument (launch.ts); `promptFile`: a `--` option of each sample prompt;
 * - `passthrough`: a map of sd-scripts options by their own names; `none`: not for sd-scripts, and why.
 * `key` is always the train_network.py option name. `value` turns the setting into the TOML value (undefined:
 * left out); without it the value is typed as argparse types the option.
 */
export type SdScriptsUse =
	| { key: string; in: ConfigSection | 'general' | 'dataset'; datasetKey?: string; value?: (value: never, ctx: WriteContext) => TomlValue | null | undefined }
	| { accelerate: string }
	| { promptFile: string }
	| { passthrough: string }
	| { none: string };

/** How the kohya_ss GUI config reads from the GUI: a plain copy of one key, or handled in kohya.ts (`special`). */
export type KohyaConverter = 'int' | 'float' | 'bool' | 'string';
export type KohyaUse =
	/** A plain copy both ways; zero means "unset" (null) for the nullable numbers, as in the GUI. */
	| { key: string; as: KohyaConverter; zeroIsNull?: boolean }
	/** The GUI keys it comes from, converted in importKohyaConfig/exportKohyaConfig (kohya.ts); `special` says how. */
	| { keys: readonly string[]; special: string }
	| { none: string };

interface Common {
	/** The documentation: completion and the schema show it; name the sd-scripts option in it. */
	doc: string;
	families: readonly ModelFamily[];
	kohya: KohyaUse;
}

export interface LeafDef<T> extends Common {
	rules: ValueRules;
	default: T;
	sdScripts: SdScriptsUse | readonly SdScriptsUse[];
	/**
	 * Read by the dataset side too (core/settings.ts TrainingSettings: the Dataset view, step math, caption
	 * files): `lora-workbench scan` and every view see it without the trainer's other settings.
	 */
	scan?: true;
}

export interface GroupDef<T> extends Common {
	rules: { kind: 'object' };
	fields: DefsOf<T>;
}

export type SettingDef<T> = [T] extends [readonly unknown[]] ? LeafDef<T> : [T] extends [Record<string, unknown>] ? LeafDef<T> : [T] extends [object] ? GroupDef<T> : LeafDef<T>;
export type DefsOf<T> = { readonly [K in keyof T]-?: SettingDef<T[K]> };
export type AnyDef = LeafDef<unknown> | GroupDef<unknown>;

export function isGroup(def: AnyDef): def is GroupDef<unknown> {
	return def.rules.kind === 'object';
}

const SAMPLERS = ['ddim', 'pndm', 'lms', 'euler', 'euler_a', 'heun', 'dpm_2', 'dpm_2_a', 'dpmsolver', 'dpmsolver++', 'dpmsingle', 'k_lms', 'k_euler', 'k_euler_a', 'k_dpm_2', 'k_dpm_2_a'] as const;

export const GUIDE_PRESET_ID = 'guide-sd15-person';
export const GUIDE_PRESET_LABEL = 'Guide: SD1.5 person';

/** `caption` and `.txt` both mean `.txt`: sd-scripts appends the extension as written, so the dot is added. */
const withDot: Normalizer = (value) => {
	const trimmed = value.trim();
	return trimmed === '' || trimmed.startsWith('.') ? { value: trimmed }
		: { value: `.${trimmed}`, note: `training.captionExtension "${trimmed}" has no dot; sd-scripts appends it as written, so ".${trimmed}" is used (write ".${trimmed}" to drop this note)` };
};

const none = (why: string) => ({ none: why });

export const SAMPLE_SETTINGS: DefsOf<SampleSettings> = {
	enabled: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Generate sample images while training (into model/sample/), for the Compare Epochs grid.',
		sdScripts: none('turns the [sampling] section and sample-prompts.txt on'),
		kohya: { keys: ['sample_every_n_epochs', 'sample_every_n_steps', 'sample_prompts'], special: 'on when the GUI samples at all and has prompts' } },
	everyNEpochs: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, doc: 'Generate samples after every N epochs (sample_every_n_epochs).',
		sdScripts: { key: 'sample_every_n_epochs', in: 'sampling', value: (v: number, ctx) => (ctx.settings.sample.enabled ? BigInt(v) : undefined) },
		kohya: { keys: ['sample_every_n_epochs'], special: 'written as 0 when sampling is off' } },
	sampler: { rules: { kind: 'string', enum: SAMPLERS }, default: 'euler_a', families: ALL, doc: 'Sampler for sample images (sample_sampler).',
		sdScripts: { key: 'sample_sampler', in: 'sampling', value: (v: string, ctx) => (ctx.settings.sample.enabled ? v : undefined) },
		kohya: { keys: ['sample_sampler'], special: 'only a sampler sd-scripts knows is imported' } },
	prompts: { rules: { kind: 'stringList' }, default: ['{trigger} {class}, portrait, looking at viewer', '{trigger} {class}, full body, standing'], families: ALL,
		doc: 'Sample prompts, one per image, in sd-scripts\' syntax (--n --w --h --d --l --s); {trigger} and {class} are replaced.',
		sdScripts: { promptFile: 'one line each' }, kohya: { keys: ['sample_prompts'], special: 'one prompt per line, # lines dropped' } },
	negativePrompt: { rules: { kind: 'string' }, default: 'lowres, blurry, bad anatomy', families: ALL, doc: 'Negative prompt added to every sample prompt that has none (--n).',
		sdScripts: { promptFile: '--n' }, kohya: none('the GUI keeps negative prompts inside sample_prompts') },
	width: { rules: { kind: 'int', min: 64 }, default: 512, families: ALL, doc: 'Sample width in pixels (--w).', sdScripts: { promptFile: '--w' }, kohya: none('the GUI keeps --w inside sample_prompts') },
	height: { rules: { kind: 'int', min: 64 }, default: 512, families: ALL, doc: 'Sample height in pixels (--h).', sdScripts: { promptFile: '--h' }, kohya: none('the GUI keeps --h inside sample_prompts') },
	steps: { rules: { kind: 'int', min: 1, max: 1000 }, default: 28, families: ALL, doc: 'Sampling steps (--s).', sdScripts: { promptFile: '--s' }, kohya: none('the GUI keeps --s inside sample_prompts') },
	scale: { rules: { kind: 'number', min: 0 }, default: 7, families: ALL, doc: 'CFG scale (--l).', sdScripts: { promptFile: '--l' }, kohya: none('the GUI keeps --l inside sample_prompts') },
	seed: { rules: { kind: 'int', min: 0 }, default: 42, families: ALL, doc: 'Seed for every sample, so epochs compare like for like (--d).', sdScripts: { promptFile: '--d' }, kohya: none('the GUI keeps --d inside sample_prompts') },
};

const DYNAMO_BACKENDS = ['no', 'eager', 'aot_eager', 'inductor', 'aot_ts_nvfuser', 'nvprims_nvfuser', 'cudagraphs', 'ofi', 'fx2trt', 'onnxrt', 'tensorrt', 'ipex', 'tvm'];

export const LAUNCH_SETTINGS: DefsOf<LaunchSettings> = {
	gpuIds: { rules: { kind: 'string', pattern: '^(|all|\\d+(,\\d+)*)$' }, default: '', families: ALL, doc: 'GPUs on this machine, e.g. "0,1" (accelerate --gpu_ids). Empty: all.',
		sdScripts: { accelerate: '--gpu_ids' }, kohya: { keys: ['gpu_ids'], special: 'spaces dropped' } },
	numMachines: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, doc: 'Machines taking part (accelerate --num_machines). Run the same training on each, with its own machineRank.',
		sdScripts: { accelerate: '--num_machines' }, kohya: { keys: ['num_machines'], special: 'only a number above 0' } },
	machineRank: { rules: { kind: 'int', min: 0 }, default: 0, families: ALL, doc: 'This machine\'s rank, 0 for the main machine (accelerate --machine_rank).',
		sdScripts: { accelerate: '--machine_rank' }, kohya: none('the GUI has no field for it') },
	mainProcessIp: { rules: { kind: 'string' }, default: '', families: ALL, doc: 'IP address of the machine with rank 0 (accelerate --main_process_ip).',
		sdScripts: { accelerate: '--main_process_ip' }, kohya: none('the GUI has no field for it') },
	mainProcessPort: { rules: { kind: 'int', min: 1, max: 65535 }, default: 29500, families: ALL, doc: 'Port on the main machine (accelerate --main_process_port).',
		sdScripts: { accelerate: '--main_process_port' }, kohya: { keys: ['main_process_port'], special: '29500 (accelerate\'s own) is written as the GUI\'s 0' } },
	// The kohya_ss GUI's default: data loading and the optimizer get a second core.
	numCpuThreadsPerProcess: { rules: { kind: 'int', min: 1 }, default: 2, families: ALL, doc: 'CPU threads per process (accelerate --num_cpu_threads_per_process). 2, as in the kohya_ss GUI.',
		sdScripts: { accelerate: '--num_cpu_threads_per_process' }, kohya: { keys: ['num_cpu_threads_per_process'], special: 'only a number above 0' } },
	dynamoBackend: { rules: { kind: 'string', enum: DYNAMO_BACKENDS }, default: 'no', families: ALL, doc: 'torch.compile backend (accelerate --dynamo_backend); no: off.',
		sdScripts: { accelerate: '--dynamo_backend' }, kohya: { keys: ['dynamo_backend'], special: 'quotes dropped; an accelerate setting, not sd-scripts\' --dynamo_backend' } },
	dynamoMode: { rules: { kind: 'string', enum: ['default', 'reduce-overhead', 'max-autotune'] }, default: 'default', families: ALL, doc: 'torch.compile mode when a backend is set (accelerate --dynamo_mode).',
		sdScripts: { accelerate: '--dynamo_mode' }, kohya: { keys: ['dynamo_mode'], special: 'quotes dropped' } },
	dynamoUseFullgraph: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Compile the model as one graph (accelerate --dynamo_use_fullgraph).',
		sdScripts: { accelerate: '--dynamo_use_fullgraph' }, kohya: { keys: ['dynamo_use_fullgraph'], special: 'true only when the GUI says true' } },
	dynamoUseDynamic: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Dynamic shapes in the compiled graph (accelerate --dynamo_use_dynamic).',
		sdScripts: { accelerate: '--dynamo_use_dynamic' }, kohya: { keys: ['dynamo_use_dynamic'], special: 'true only when the GUI says true' } },
	extraArgs: { rules: { kind: 'stringList' }, default: [], families: ALL, doc: 'More accelerate launch arguments, one item each, e.g. ["--rdzv_backend", "c10d"]; placed before the script.',
		sdScripts: { accelerate: '(placed before the script)' }, kohya: { keys: ['extra_accelerate_launch_args'], special: 'split on whitespace, quotes dropped, as the GUI does' } },
};

const int = (v: number | null): bigint | null => (v === null ? null : BigInt(v));

/**
 * Every training setting, in the order the schema, completion and the edits of an import list them. The type
 * makes a key of TrainerSettings without a row (or a row without a key) fail the typecheck.
 */
export const TRAINING_SETTINGS = {
	preset: { rules: { kind: 'string' }, default: GUIDE_PRESET_ID, families: ALL, doc: 'The preset these settings started from (guide-sd15-person = "Guide: SD1.5 person", sdxl-person, flux1-dev-person: the model family\'s, set by training.model).',
		sdScripts: none('informational'), kohya: none('set to "kohya_ss import" by an import') },
	model: { rules: { kind: 'string', enum: MODEL_FAMILIES }, default: 'sd15', families: ALL, scan: true,
		doc: 'Model family: sd15 (SD 1.x/2.x, train_network.py), sdxl (sdxl_train_network.py) or flux1 (Flux.1 dev, flux_train_network.py). Settings left out take the family\'s preset.',
		sdScripts: none('picks the script (train_network.py, sdxl_train_network.py, flux_train_network.py) and its option list'),
		kohya: { keys: ['sdxl', 'flux1_checkbox'], special: 'sdxl: true is sdxl, flux1_checkbox: true is flux1, neither is sd15' } },
	// The maintained copy of SD 1.5: RunwayML removed runwayml/stable-diffusion-v1-5 from Hugging Face in 2024.
	baseModel: { rules: { kind: 'string' }, default: 'stable-diffusion-v1-5/stable-diffusion-v1-5', families: ALL, doc: 'Base model: a Hugging Face id or a .safetensors/.ckpt path (pretrained_model_name_or_path); for flux1 the transformer file, e.g. flux1-dev.safetensors.',
		sdScripts: { key: 'pretrained_model_name_or_path', in: 'model' }, kohya: { key: 'pretrained_model_name_or_path', as: 'string' } },
	vae: { rules: { kind: 'string' }, default: '', families: SD, doc: 'Optional VAE file (vae). Empty: the model\'s own.',
		sdScripts: { key: 'vae', in: 'model' }, kohya: { key: 'vae', as: 'string' } },
	v2: { rules: { kind: 'bool' }, default: false, families: SD15, doc: 'The base model is SD 2.x (v2).', sdScripts: { key: 'v2', in: 'model' }, kohya: { key: 'v2', as: 'bool' } },
	vParameterization: { rules: { kind: 'bool' }, default: false, families: SD15, doc: 'v-prediction base model (v_parameterization).',
		sdScripts: { key: 'v_parameterization', in: 'model' }, kohya: { key: 'v_parameterization', as: 'bool' } },
	clipL: { rules: { kind: 'string' }, default: '', families: FLUX, doc: 'Flux.1\'s CLIP-L text encoder file, e.g. clip_l.safetensors (clip_l).',
		sdScripts: { key: 'clip_l', in: 'model', value: (v: string) => v.trim() || null }, kohya: { key: 'clip_l', as: 'string' } },
	t5xxl: { rules: { kind: 'string' }, default: '', families: FLUX, doc: 'Flux.1\'s T5-XXL text encoder file, e.g. t5xxl_fp16.safetensors (t5xxl).',
		sdScripts: { key: 't5xxl', in: 'model', value: (v: string) => v.trim() || null }, kohya: { key: 't5xxl', as: 'string' } },
	ae: { rules: { kind: 'string' }, default: '', families: FLUX, doc: 'Flux.1\'s autoencoder file, ae.safetensors (ae).',
		sdScripts: { key: 'ae', in: 'model', value: (v: string) => v.trim() || null }, kohya: { key: 'ae', as: 'string' } },
	guidanceScale: { rules: { kind: 'number', min: 0 }, default: 1, families: FLUX, doc: 'Flux.1 dev guidance scale while training (guidance_scale); sd-scripts says 1.0 for training (its own default, 3.5, is for inference).',
		sdScripts: { key: 'guidance_scale', in: 'training' }, kohya: { key: 'guidance_scale', as: 'float' } },
	timestepSampling: { rules: { kind: 'string', enum: ['sigma', 'uniform', 'sigmoid', 'shift', 'flux_shift'] }, default: 'shift', families: FLUX,
		doc: 'How Flux.1 timesteps are sampled (timestep_sampling); sd-scripts\' recommended settings use shift with discreteFlowShift 3.1582.',
		sdScripts: { key: 'timestep_sampling', in: 'training' }, kohya: { key: 'timestep_sampling', as: 'string' } },
	modelPredictionType: { rules: { kind: 'string', enum: ['raw', 'additive', 'sigma_scaled'] }, default: 'raw', families: FLUX, doc: 'What the Flux.1 model predicts (model_prediction_type); raw is sd-scripts\' recommendation.',
		sdScripts: { key: 'model_prediction_type', in: 'training' }, kohya: { key: 'model_prediction_type', as: 'string' } },
	discreteFlowShift: { rules: { kind: 'number', min: 0 }, default: 3.1582, families: FLUX, doc: 'Flow-matching shift (discrete_flow_shift), used with timestepSampling shift; 3.1582 as sd-scripts recommends.',
		sdScripts: { key: 'discrete_flow_shift', in: 'training' }, kohya: { key: 'discrete_flow_shift', as: 'float' } },
	fp8Base: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Keep the base model in fp8 (fp8_base): much less GPU memory; the Flux.1 preset turns it on.',
		sdScripts: { key: 'fp8_base', in: 'model' }, kohya: { key: 'fp8_base', as: 'bool' } },
	blocksToSwap: { rules: { kind: 'int', min: 0, max: 35, nullable: true }, default: null, families: FLUX,
		doc: 'Flux.1 transformer blocks swapped between CPU and GPU (blocks_to_swap): 16 for 12 GB, 22 for 10 GB, 28 for 8 GB (sd-scripts\' table); null: none.',
		sdScripts: { key: 'blocks_to_swap', in: 'training', value: (v: number | null) => (v ? BigInt(v) : null) }, kohya: { key: 'blocks_to_swap', as: 'int', zeroIsNull: true } },
	cacheTextEncoderOutputs: { rules: { kind: 'bool' }, default: false, families: SDXL_FLUX, doc: 'Cache the text encoders\' outputs (cache_text_encoder_outputs): less memory, but no shuffleCaption or caption dropout, and (SDXL) networkTrainUnetOnly.',
		sdScripts: { key: 'cache_text_encoder_outputs', in: 'training' },
		kohya: { keys: ['sdxl_cache_text_encoder_outputs', 'flux1_cache_text_encoder_outputs'], special: 'the GUI keeps one per family: sdxl_cache_text_encoder_outputs or flux1_cache_text_encoder_outputs' } },
	networkTrainUnetOnly: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Train the U-Net (Flux.1: the transformer) only, no text-encoder LoRA (network_train_unet_only).',
		sdScripts: { key: 'network_train_unet_only', in: 'network' }, kohya: { key: 'network_train_unet_only', as: 'bool' } },
	networkModule: { rules: { kind: 'string' }, default: 'networks.lora', families: ALL, doc: 'Network module: networks.lora for standard LoRA (network_module).',
		sdScripts: { key: 'network_module', in: 'network' }, kohya: { keys: ['LoRA_type'], special: 'LoRA_type names the module (Standard, Kohya LoCon, LyCORIS/...)' } },
	networkDim: { rules: { kind: 'int', min: 1 }, default: 32, families: ALL, doc: 'LoRA rank (network_dim). The guide uses 32.',
		sdScripts: { key: 'network_dim', in: 'network' }, kohya: { key: 'network_dim', as: 'int' } },
	networkAlpha: { rules: { kind: 'number', min: 0 }, default: 32, families: ALL, doc: 'LoRA alpha (network_alpha). The guide uses 32.',
		sdScripts: { key: 'network_alpha', in: 'network' }, kohya: { key: 'network_alpha', as: 'float' } },
	networkArgs: { rules: { kind: 'stringList' }, default: [], families: ALL, doc: 'key=value items for the network module (network_args), e.g. conv_dim=4.',
		sdScripts: { key: 'network_args', in: 'network' }, kohya: { keys: ['LoRA_type', 'conv_dim', 'conv_alpha', 'LyCORIS_preset', '...'], special: 'the GUI\'s network fields of the LoRA type' } },
	networkDropout: { rules: { kind: 'number', min: 0, max: 1, nullable: true }, default: null, families: ALL, doc: 'Neuron dropout (network_dropout).',
		sdScripts: { key: 'network_dropout', in: 'network' }, kohya: { key: 'network_dropout', as: 'float', zeroIsNull: true } },
	learningRate: { rules: { kind: 'number', min: 0 }, default: 1e-4, families: ALL, doc: 'Learning rate (learning_rate), 1e-4 for LoRA.',
		sdScripts: { key: 'learning_rate', in: 'optimizer' }, kohya: { key: 'learning_rate', as: 'float' } },
	unetLr: { rules: { kind: 'number', min: 0, nullable: true }, default: null, families: ALL, doc: 'U-Net learning rate (unet_lr); null: learningRate.',
		sdScripts: { key: 'unet_lr', in: 'optimizer' }, kohya: { key: 'unet_lr', as: 'float', zeroIsNull: true } },
	textEncoderLr: { rules: { kind: 'number', min: 0, nullable: true }, default: null, families: ALL, doc: 'Text encoder learning rate (text_encoder_lr); null: learningRate.',
		sdScripts: { key: 'text_encoder_lr', in: 'optimizer' }, kohya: { key: 'text_encoder_lr', as: 'float', zeroIsNull: true } },
	optimizer: { rules: { kind: 'string' }, default: 'auto', families: ALL, doc: 'Optimizer (optimizer_type): auto = AdamW8bit on GPUs with bf16, AdamW otherwise; or AdamW, AdamW8bit, Lion, Prodigy, DAdaptAdam, Adafactor, ...',
		sdScripts: { key: 'optimizer_type', in: 'optimizer', value: (_v: string, ctx) => ctx.precision.optimizer }, kohya: { key: 'optimizer', as: 'string' } },
	optimizerArgs: { rules: { kind: 'stringList' }, default: [], families: ALL, doc: 'key=value items for the optimizer (optimizer_args), e.g. weight_decay=0.01.',
		sdScripts: { key: 'optimizer_args', in: 'optimizer' }, kohya: { keys: ['optimizer_args'], special: 'one text, split on whitespace with quotes dropped, as the GUI does' } },
	lrScheduler: { rules: { kind: 'string', enum: ['constant', 'constant_with_warmup', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'adafactor', 'warmup_stable_decay', 'piecewise_constant', 'inverse_sqrt', 'cosine_with_min_lr'] },
		default: 'constant', families: ALL, doc: 'Learning-rate schedule (lr_scheduler).',
		sdScripts: { key: 'lr_scheduler', in: 'optimizer' }, kohya: { key: 'lr_scheduler', as: 'string' } },
	lrWarmupSteps: { rules: { kind: 'number', min: 0 }, default: 0, families: ALL, doc: 'Warm-up (lr_warmup_steps): an integer >= 1 is steps, below 1 a share of all steps. Must be 0 with constant.',
		sdScripts: { key: 'lr_warmup_steps', in: 'optimizer', value: (v: number) => (v > 0 ? (Number.isInteger(v) ? BigInt(v) : v) : undefined) },
		kohya: { keys: ['lr_warmup'], special: 'the GUI\'s percentage of all steps' } },
	lrSchedulerNumCycles: { rules: { kind: 'int', min: 1, nullable: true }, default: null, families: ALL, doc: 'Restarts for cosine_with_restarts (lr_scheduler_num_cycles).',
		sdScripts: { key: 'lr_scheduler_num_cycles', in: 'optimizer' }, kohya: { key: 'lr_scheduler_num_cycles', as: 'int', zeroIsNull: true } },
	lrSchedulerPower: { rules: { kind: 'number', nullable: true }, default: null, families: ALL, doc: 'Power for polynomial (lr_scheduler_power).',
		sdScripts: { key: 'lr_scheduler_power', in: 'optimizer' }, kohya: { key: 'lr_scheduler_power', as: 'float', zeroIsNull: true } },
	batchSize: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, scan: true, doc: 'Images per step on each GPU (train_batch_size). The guide uses 1.',
		sdScripts: [{ key: 'train_batch_size', in: 'training' }, { key: 'train_batch_size', in: 'dataset', datasetKey: 'batch_size' }], kohya: { key: 'train_batch_size', as: 'int' } },
	epochs: { rules: { kind: 'int', min: 1 }, default: 10, families: ALL, scan: true, doc: 'Epochs (max_train_epochs). The guide uses 10.',
		sdScripts: { key: 'max_train_epochs', in: 'training' }, kohya: { key: 'epoch', as: 'int' } },
	gpus: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, scan: true, doc: 'GPUs in total, one process each, across all machines (accelerate --num_processes); above 1 adds --multi_gpu. The step math divides by it.',
		sdScripts: { accelerate: '--num_processes' }, kohya: { keys: ['num_processes'], special: 'only a number above 0; export also writes multi_gpu' } },
	gradientAccumulationSteps: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, scan: true, doc: 'Batches summed per optimizer step (gradient_accumulation_steps).',
		sdScripts: { key: 'gradient_accumulation_steps', in: 'training' }, kohya: { key: 'gradient_accumulation_steps', as: 'int' } },
	gradientCheckpointing: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Trade speed for memory (gradient_checkpointing).',
		sdScripts: { key: 'gradient_checkpointing', in: 'training' }, kohya: { key: 'gradient_checkpointing', as: 'bool' } },
	saveEveryNEpochs: { rules: { kind: 'int', min: 1 }, default: 1, families: ALL, doc: 'Save a checkpoint every N epochs (save_every_n_epochs). The guide saves every epoch.',
		sdScripts: { key: 'save_every_n_epochs', in: 'saving' }, kohya: { key: 'save_every_n_epochs', as: 'int' } },
	saveLastNEpochs: { rules: { kind: 'int', min: 1, nullable: true }, default: null, families: ALL, doc: 'Keep only the last N epoch files (save_last_n_epochs).',
		sdScripts: { key: 'save_last_n_epochs', in: 'saving' }, kohya: { key: 'save_last_n_epochs', as: 'int', zeroIsNull: true } },
	saveModelAs: { rules: { kind: 'string', enum: ['safetensors', 'ckpt', 'pt'] }, default: 'safetensors', families: ALL, doc: 'Checkpoint format (save_model_as).',
		sdScripts: { key: 'save_model_as', in: 'saving' }, kohya: { key: 'save_model_as', as: 'string' } },
	savePrecision: { rules: { kind: 'string', enum: ['auto', 'float', 'fp16', 'bf16'] }, default: 'auto', families: ALL, doc: 'Precision of saved files (save_precision); auto = the mixed precision.',
		sdScripts: { key: 'save_precision', in: 'saving', value: (_v: string, ctx) => ctx.precision.savePrecision }, kohya: { key: 'save_precision', as: 'string' } },
	mixedPrecision: { rules: { kind: 'string', enum: ['auto', 'bf16', 'fp16', 'no'] }, default: 'auto', families: ALL, doc: 'Mixed precision (mixed_precision): auto = bf16 on GPUs that support it, fp16 otherwise.',
		sdScripts: { key: 'mixed_precision', in: 'training', value: (_v: string, ctx) => ctx.precision.mixedPrecision }, kohya: { key: 'mixed_precision', as: 'string' } },
	fullFp16: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Train fully in fp16 (full_fp16).', sdScripts: { key: 'full_fp16', in: 'training' }, kohya: { key: 'full_fp16', as: 'bool' } },
	fullBf16: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Train fully in bf16 (full_bf16).', sdScripts: { key: 'full_bf16', in: 'training' }, kohya: { key: 'full_bf16', as: 'bool' } },
	resolution: { rules: { kind: 'resolution' }, default: '512,512', families: ALL, scan: true, doc: 'Training resolution "width,height" or one number. The guide uses 512,512.',
		sdScripts: { key: 'resolution', in: 'dataset', value: (v: string) => { const [w, h] = v.split(',').map(Number); return w === (h ?? w) ? BigInt(w) : [BigInt(w), BigInt(h)]; } },
		kohya: { keys: ['max_resolution'], special: '"width,height"' } },
	enableBucket: { rules: { kind: 'bool' }, default: false, families: ALL, scan: true, doc: 'Aspect-ratio buckets (enable_bucket). The guide leaves them off.',
		sdScripts: { key: 'enable_bucket', in: 'dataset' }, kohya: { key: 'enable_bucket', as: 'bool' } },
	minBucketReso: { rules: { kind: 'int', min: 64 }, default: 256, families: ALL, scan: true, doc: 'Smallest bucket side (min_bucket_reso).',
		sdScripts: { key: 'min_bucket_reso', in: 'dataset', value: (v: number, ctx) => (ctx.settings.enableBucket ? BigInt(v) : undefined) }, kohya: { key: 'min_bucket_reso', as: 'int' } },
	maxBucketReso: { rules: { kind: 'int', min: 64 }, default: 1024, families: ALL, scan: true, doc: 'Largest bucket side (max_bucket_reso).',
		sdScripts: { key: 'max_bucket_reso', in: 'dataset', value: (v: number, ctx) => (ctx.settings.enableBucket ? BigInt(v) : undefined) }, kohya: { key: 'max_bucket_reso', as: 'int' } },
	bucketResoSteps: { rules: { kind: 'int', min: 64 }, default: 64, families: ALL, scan: true, doc: 'Bucket size step; a multiple of 64 for SD1.5, of 32 for SDXL and Flux.1 (bucket_reso_steps).',
		sdScripts: { key: 'bucket_reso_steps', in: 'dataset', value: (v: number, ctx) => (ctx.settings.enableBucket ? BigInt(v) : undefined) }, kohya: { key: 'bucket_reso_steps', as: 'int' } },
	bucketNoUpscale: { rules: { kind: 'bool' }, default: false, families: ALL, scan: true, doc: 'Never upscale images into a bucket (bucket_no_upscale).',
		sdScripts: { key: 'bucket_no_upscale', in: 'dataset', value: (v: boolean, ctx) => (ctx.settings.enableBucket ? v : undefined) }, kohya: { key: 'bucket_no_upscale', as: 'bool' } },
	captionExtension: { rules: { kind: 'string', pattern: '^\\.?[^.\\s]', normalize: withDot }, default: '.txt', families: ALL, scan: true,
		doc: 'Caption file extension (caption_extension), e.g. .txt; a missing dot is added. Always written, since sd-scripts\' own default is .caption.',
		sdScripts: { key: 'caption_extension', in: 'general' }, kohya: { key: 'caption_extension', as: 'string' } },
	shuffleCaption: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Shuffle tags each step (shuffle_caption).',
		sdScripts: { key: 'shuffle_caption', in: 'general' }, kohya: { key: 'shuffle_caption', as: 'bool' } },
	keepTokens: { rules: { kind: 'int', min: 0 }, default: 0, families: ALL, doc: 'Leading tags kept in place when shuffling (keep_tokens).',
		sdScripts: { key: 'keep_tokens', in: 'general' }, kohya: { key: 'keep_tokens', as: 'int' } },
	captionDropoutRate: { rules: { kind: 'number', min: 0, max: 1 }, default: 0, families: ALL, doc: 'Share of steps trained without caption (caption_dropout_rate).',
		sdScripts: { key: 'caption_dropout_rate', in: 'general', value: (v: number) => (v > 0 ? v : undefined) }, kohya: { key: 'caption_dropout_rate', as: 'float' } },
	captionDropoutEveryNEpochs: { rules: { kind: 'int', min: 0 }, default: 0, families: ALL, doc: 'Drop all captions every N epochs (caption_dropout_every_n_epochs).',
		sdScripts: { key: 'caption_dropout_every_n_epochs', in: 'general', value: (v: number) => (v > 0 ? BigInt(v) : undefined) }, kohya: { key: 'caption_dropout_every_n_epochs', as: 'int' } },
	captionTagDropoutRate: { rules: { kind: 'number', min: 0, max: 1 }, default: 0, families: ALL, doc: 'Share of tags dropped per step (caption_tag_dropout_rate).',
		sdScripts: { key: 'caption_tag_dropout_rate', in: 'general', value: (v: number) => (v > 0 ? v : undefined) },
		kohya: none('a GUI caption_tag_dropout_rate is passed on as training.extra, as the GUI passes it') },
	flipAug: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Random horizontal flips (flip_aug). Off for faces that are not symmetric.',
		sdScripts: { key: 'flip_aug', in: 'general' }, kohya: { key: 'flip_aug', as: 'bool' } },
	colorAug: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Random hue changes (color_aug); cannot be used with cacheLatents.',
		sdScripts: { key: 'color_aug', in: 'general' }, kohya: { key: 'color_aug', as: 'bool' } },
	randomCrop: { rules: { kind: 'bool' }, default: false, families: ALL, scan: true, doc: 'Random crops (random_crop); cannot be used with cacheLatents.',
		sdScripts: { key: 'random_crop', in: 'general' }, kohya: { key: 'random_crop', as: 'bool' } },
	clipSkip: { rules: { kind: 'int', min: 1, nullable: true }, default: null, families: SD15, doc: 'CLIP skip (clip_skip); null: the model default.',
		sdScripts: { key: 'clip_skip', in: 'model', value: int }, kohya: { key: 'clip_skip', as: 'int', zeroIsNull: true } },
	maxTokenLength: { rules: { kind: 'int', nullable: true, enum: [150, 225] }, default: null, families: SD, doc: 'Longer captions: 150 or 225 tokens (max_token_length); null: 75.',
		sdScripts: { key: 'max_token_length', in: 'model', value: int }, kohya: none('the GUI\'s max_token_length is passed on as training.extra (75, its default, is kept for export)') },
	seed: { rules: { kind: 'int', min: 0, nullable: true }, default: null, families: ALL, doc: 'Random seed (seed); null: random.',
		sdScripts: { key: 'seed', in: 'training', value: int }, kohya: { key: 'seed', as: 'int', zeroIsNull: true } },
	noiseOffset: { rules: { kind: 'number', min: 0, nullable: true }, default: null, families: ALL, doc: 'Noise offset (noise_offset).',
		sdScripts: { key: 'noise_offset', in: 'training' }, kohya: { key: 'noise_offset', as: 'float', zeroIsNull: true } },
	minSnrGamma: { rules: { kind: 'number', min: 0, nullable: true }, default: null, families: ALL, doc: 'Min-SNR weighting gamma (min_snr_gamma), 5 is common.',
		sdScripts: { key: 'min_snr_gamma', in: 'training' }, kohya: { key: 'min_snr_gamma', as: 'float', zeroIsNull: true } },
	cacheLatents: { rules: { kind: 'bool' }, default: true, families: ALL, scan: true, doc: 'Cache VAE latents in memory (cache_latents).',
		sdScripts: { key: 'cache_latents', in: 'training' }, kohya: { key: 'cache_latents', as: 'bool' } },
	cacheLatentsToDisk: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Cache latents as .npz beside the images (cache_latents_to_disk).',
		sdScripts: { key: 'cache_latents_to_disk', in: 'training' }, kohya: { key: 'cache_latents_to_disk', as: 'bool' } },
	attention: { rules: { kind: 'string', enum: ['sdpa', 'xformers', 'none'] }, default: 'sdpa', families: ALL, doc: 'Memory-efficient attention: sdpa (PyTorch), xformers, or none.',
		sdScripts: [{ key: 'sdpa', in: 'model', value: (v: string) => v === 'sdpa' }, { key: 'xformers', in: 'model', value: (v: string) => v === 'xformers' }],
		kohya: { keys: ['xformers'], special: 'the GUI\'s xformers field holds xformers, sdpa or none (true/false in old files)' } },
	noHalfVae: { rules: { kind: 'bool' }, default: false, families: SD, doc: 'Keep the VAE in full precision (no_half_vae); fixes NaN latents with fp16.',
		sdScripts: { key: 'no_half_vae', in: 'model' }, kohya: { key: 'no_half_vae', as: 'bool' } },
	maxDataLoaderNWorkers: { rules: { kind: 'int', min: 0 }, default: 2, families: ALL, doc: 'Data loader worker processes (max_data_loader_n_workers).',
		sdScripts: { key: 'max_data_loader_n_workers', in: 'training' }, kohya: { key: 'max_data_loader_n_workers', as: 'int' } },
	persistentDataLoaderWorkers: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Keep data loader workers between epochs (persistent_data_loader_workers).',
		sdScripts: { key: 'persistent_data_loader_workers', in: 'training' }, kohya: { key: 'persistent_data_loader_workers', as: 'bool' } },
	priorLossWeight: { rules: { kind: 'number', min: 0 }, default: 1, families: ALL, doc: 'Weight of regularisation images (prior_loss_weight).',
		sdScripts: { key: 'prior_loss_weight', in: 'training', value: (v: number) => (v === 1 ? null : v) }, kohya: { key: 'prior_loss_weight', as: 'float' } },
	saveState: { rules: { kind: 'bool' }, default: false, families: ALL, doc: 'Save the training state (optimizer, step, epoch) beside each checkpoint as <name>-<epoch>-state/ (save_state), so a stopped run can resume.',
		sdScripts: { key: 'save_state', in: 'saving' }, kohya: { key: 'save_state', as: 'bool' } },
	resume: { rules: { kind: 'string' }, default: '', families: ALL, doc: 'Resume from this <name>-<epoch>-state folder (resume), relative to the training folder; empty: a fresh run. "Resume from This State" in the Checkpoints view sets it.',
		sdScripts: { key: 'resume', in: 'saving', value: (v: string) => v.trim() || null }, kohya: { key: 'resume', as: 'string' } },
	outputName: { rules: { kind: 'string' }, default: '', families: ALL, doc: 'Checkpoint file name without extension (output_name); empty: the trigger word.',
		sdScripts: { key: 'output_name', in: 'saving', value: (_v: string, ctx) => ctx.outputName }, kohya: { key: 'output_name', as: 'string' } },
	outputDir: { rules: { kind: 'string' }, default: 'model', families: ALL, doc: 'Folder for checkpoints and run files, relative to the training folder (output_dir). The guide uses model.',
		sdScripts: { key: 'output_dir', in: 'saving', value: (_v: string, ctx) => ctx.outputDir }, kohya: { key: 'output_dir', as: 'string' } },
	loggingDir: { rules: { kind: 'string' }, default: 'log', families: ALL, doc: 'TensorBoard logs, relative to the training folder (logging_dir). The guide uses log.',
		sdScripts: { key: 'logging_dir', in: 'logging', value: (_v: string, ctx) => ctx.logDir }, kohya: { key: 'logging_dir', as: 'string' } },
	trainingComment: { rules: { kind: 'string' }, default: '', families: ALL, doc: 'Comment stored in the checkpoint metadata (training_comment).',
		sdScripts: { key: 'training_comment', in: 'saving' }, kohya: { key: 'training_comment', as: 'string' } },
	sample: { rules: { kind: 'object' }, fields: SAMPLE_SETTINGS, families: ALL, doc: 'Sample images during training.',
		kohya: { keys: ['sample_prompts', 'sample_every_n_epochs', 'sample_sampler'], special: 'see the sample fields' } },
	launch: { rules: { kind: 'object' }, fields: LAUNCH_SETTINGS, families: ALL, doc: 'Multi-GPU and multi-node settings for accelerate launch.',
		kohya: { keys: ['num_machines', 'gpu_ids', 'dynamo_backend', '...'], special: 'see the launch fields' } },
	extra: { rules: { kind: 'map' }, default: {}, families: ALL, doc: 'More sd-scripts options by their own names (e.g. noise_offset_random_strength: true); each is checked against train_network.py\'s option list.',
		sdScripts: { passthrough: 'each key is a train_network.py option, written to [extra] (replacing a generated one)' },
		kohya: { keys: ['additional_parameters', '(GUI keys named as sd-scripts options)'], special: 'additional_parameters, and GUI keys that are sd-scripts options' } },
	kohyaKept: { rules: { kind: 'map' }, default: {}, families: ALL, doc: 'kohya_ss GUI keys with no sd-scripts meaning, kept from an import so that export gives them back.',
		sdScripts: none('kohya_ss GUI keys only'), kohya: { keys: ['(every GUI key without an sd-scripts meaning)'], special: 'kept as read, given back on export' } },
} satisfies DefsOf<TrainerSettings>;

/** Defaults are plain values, lists of texts and flat maps: a shallow copy makes them the caller's own. */
function copyOf(value: unknown): unknown {
	return Array.isArray(value) ? [...value] : value !== null && typeof value === 'object' ? { ...value } : value;
}

/** The defaults of a group of rows, as a fresh object (lists and maps copied). */
export function defaultsOf<T>(defs: DefsOf<T>): T {
	const out: Record<string, unknown> = {};
	for (const [key, def] of Object.entries(defs) as [string, AnyDef][]) {
		out[key] = isGroup(def) ? defaultsOf(def.fields as DefsOf<unknown>) : copyOf(def.default);
	}
	return out as T;
}

/** The rows as a list of [dotted name, row], groups' fields included (sample.width...). */
export function flatDefs(defs: DefsOf<unknown> = TRAINING_SETTINGS as DefsOf<unknown>, prefix = ''): [string, AnyDef][] {
	return (Object.entries(defs) as [string, AnyDef][]).flatMap(([key, def]) => {
		const name = prefix ? `${prefix}.${key}` : key;
		return isGroup(def) ? [[name, def] as [string, AnyDef], ...flatDefs(def.fields as DefsOf<unknown>, name)] : [[name, def] as [string, AnyDef]];
	});
}

/** The sd-scripts uses of a row, as a list. */
export function sdScriptsUses(def: LeafDef<unknown>): readonly SdScriptsUse[] {
	return Array.isArray(def.sdScripts) ? def.sdScripts : [def.sdScripts as SdScriptsUse];
}

/** The rows marked `scan`: the keys the dataset side reads (TrainingSettings in core/settings.ts). */
export type ScanKey = { [K in keyof typeof TRAINING_SETTINGS]: (typeof TRAINING_SETTINGS)[K] extends { scan: true } ? K : never }[keyof typeof TRAINING_SETTINGS];

/** The keys the dataset side reads (TrainingSettings in core/settings.ts). */
export const SCAN_KEYS = (Object.entries(TRAINING_SETTINGS) as [keyof TrainerSettings, AnyDef][])
	.filter(([, def]) => !isGroup(def) && (def as LeafDef<unknown>).scan).map(([key]) => key as ScanKey);

/** The guide's values for a person LoRA on SD1.5: the defaults of the table. */
export function guidePreset(): TrainerSettings {
	return defaultsOf(TRAINING_SETTINGS);
}

/** A family's preset: what differs from the table's defaults (the SD1.5 guide), from sd-scripts' own documentation. */
export interface FamilyPreset {
	id: string;
	label: string;
	/** Where the values come from, for the README and the hover. */
	source: string;
	values: Partial<Omit<TrainerSettings, 'sample'>> & { sample?: Partial<TrainerSettings['sample']> };
}

export const FAMILY_PRESETS: Readonly<Record<ModelFamily, FamilyPreset>> = {
	sd15: { id: GUIDE_PRESET_ID, label: GUIDE_PRESET_LABEL, source: 'the guide (SD1.5 person LoRA)', values: {} },
	// sd-scripts docs/sdxl_train_network.md, its example command: 1024 with buckets, networks.lora, dim 32 / alpha 16,
	// 1e-4 (unet_lr 1e-4), AdamW8bit, constant, bf16, gradient checkpointing, cached text-encoder outputs and latents;
	// caching the text encoders' outputs needs network_train_unet_only (sdxl_train_network.py assert_extra_args).
	sdxl: {
		id: 'sdxl-person', label: 'SDXL person (sd-scripts docs)', source: 'sd-scripts docs/sdxl_train_network.md',
		values: {
			model: 'sdxl', baseModel: 'stabilityai/stable-diffusion-xl-base-1.0', resolution: '1024,1024', enableBucket: true, maxBucketReso: 2048,
			networkDim: 32, networkAlpha: 16, unetLr: 1e-4, gradientCheckpointing: true, cacheTextEncoderOutputs: true, networkTrainUnetOnly: true,
			sample: { width: 1024, height: 1024 },
		},
	},
	// sd-scripts docs/flux_train_network.md: networks.lora_flux, dim 16 / alpha 1, 1e-4, AdamW8bit, constant, sdpa,
	// gradient checkpointing, cached text-encoder outputs and latents, fp8_base, and its "Recommended Settings":
	// timestep_sampling shift, discrete_flow_shift 3.1582, model_prediction_type raw, guidance_scale 1.0.
	flux1: {
		id: 'flux1-dev-person', label: 'Flux.1 dev person (sd-scripts docs)', source: 'sd-scripts docs/flux_train_network.md',
		values: {
			model: 'flux1', baseModel: '', networkModule: 'networks.lora_flux', resolution: '1024,1024', enableBucket: true, maxBucketReso: 2048,
			networkDim: 16, networkAlpha: 1, gradientCheckpointing: true, cacheTextEncoderOutputs: true, networkTrainUnetOnly: true, fp8Base: true,
			sample: { width: 1024, height: 1024, steps: 20, scale: 1, negativePrompt: '' },
		},
	},
};

/** The preset of a family: the table's defaults with the family's values over them (a fresh object). */
export function presetFor(family: ModelFamily): TrainerSettings {
	const preset = guidePreset();
	const { sample, ...values } = FAMILY_PRESETS[family].values;
	Object.assign(preset, structuredClone(values), { preset: FAMILY_PRESETS[family].id });
	Object.assign(preset.sample, sample ?? {});
	return preset;
}

/** Whether a row applies to a family (the writer leaves it out for the others). */
export function appliesTo(def: AnyDef, family: ModelFamily): boolean {
	return def.families.includes(family);
}
