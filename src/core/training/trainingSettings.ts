
/**
 * The `training:` section of lora-workbench.yaml: what the user chooses for a run. Field names are camelCase
 * versions of sd-scripts' own option names where one exists, so users coming from kohya_ss recognise them.
 * Values the issue calls "auto" (precision, optimizer) are resolved against the GPU at run time.
 */

/**
 * The model family a training folder trains (`training.model`): each has its sd-scripts script, its option list
 * and its preset (settingsTable.ts FAMILY_PRESETS). `sd15` covers SD 1.x and 2.x (train_network.py).
 */
export type ModelFamily = 'sd15' | 'sdxl' | 'flux1';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['sd15', 'sdxl', 'flux1'];

export type MixedPrecision = 'auto' | 'bf16' | 'fp16' | 'no';
export type Attention = 'sdpa' | 'xformers' | 'none';

export interface SampleSettings {
	/** Sampling costs time per epoch; the guide leaves it off, the Compare Epochs grid wants it on. */
	enabled: boolean;
	everyNEpochs: number;
	sampler: string;
	/** Prompt lines in sd-scripts' `.txt` syntax; `{trigger}` and `{class}` are replaced. */
	prompts: string[];
	negativePrompt: string;
	width: number;
	height: number;
	steps: number;
	scale: number;
	seed: number;
}

/** How `accelerate launch` spreads the run: several GPUs on one machine, or several machines. */
export interface LaunchSettings {
	/** GPU ids on this machine, e.g. "0,1"; empty means all that accelerate sees. */
	gpuIds: string;
	numMachines: number;
	machineRank: number;
	mainProcessIp: string;
	mainProcessPort: number;
	numCpuThreadsPerProcess: number;
	/** accelerate's torch.compile backend (`no` = off) and mode; the GUI's Accelerate launch panel has the same. */
	dynamoBackend: string;
	dynamoMode: string;
	dynamoUseFullgraph: boolean;
	dynamoUseDynamic: boolean;
	/** More `accelerate launch` arguments, placed before the script. */
	extraArgs: string[];
}

export interface TrainerSettings {
	/** The preset the defaults came from (informational). */
	preset: string;
	/** The model family: sd15 (train_network.py), sdxl (sdxl_train_network.py) or flux1 (flux_train_network.py). */
	model: ModelFamily;
	baseModel: string;
	/** Flux.1's other model files (flux_train_network.py --clip_l, --t5xxl, --ae): paths to .safetensors files. */
	clipL: string;
	t5xxl: string;
	ae: string;
	/** Flux.1 training parameters (flux_train_utils.py): sd-scripts' recommended values for a LoRA are the preset. */
	guidanceScale: number;
	timestepSampling: string;
	modelPredictionType: string;
	discreteFlowShift: number;
	/** Base model weights in fp8 (fp8_base): Flux.1 on GPUs under 24 GB. */
	fp8Base: boolean;
	/** Flux.1 transformer blocks swapped to the CPU (blocks_to_swap); null: none. */
	blocksToSwap: number | null;
	/** Cache the text encoders' outputs (cache_text_encoder_outputs, SDXL and Flux.1); needs networkTrainUnetOnly on SDXL. */
	cacheTextEncoderOutputs: boolean;
	/** Train the U-Net / transformer only, no text-encoder LoRA (network_train_unet_only). */
	networkTrainUnetOnly: boolean;
	vae: string;
	v2: boolean;
	vParameterization: boolean;
	networkModule: string;
	networkDim: number;
	networkAlpha: number;
	/** `key=value` items handed to the network module (conv_dim, algo, ...). */
	networkArgs: string[];
	networkDropout: number | null;
	learningRate: number;
	unetLr: number | null;
	textEncoderLr: number | null;
	/** `auto` = AdamW8bit where the GPU does bf16, AdamW otherwise. */
	optimizer: string;
	optimizerArgs: string[];
	lrScheduler: string;
	/** An integer >= 1 is steps, a number below 1 a share of all steps (sd-scripts' int_or_float). */
	lrWarmupSteps: number;
	lrSchedulerNumCycles: number | null;
	lrSchedulerPower: number | null;
	batchSize: number;
	epochs: number;
	/** GPUs (accelerate processes) in total, across all machines; the dataset's step math reads the same key. */
	gpus: number;
	gradientAccumulationSteps: number;
	gradientCheckpointing: boolean;
	saveEveryNEpochs: number;
	saveLastNEpochs: number | null;
	saveModelAs: 'safetensors' | 'ckpt' | 'pt';
	/** `auto` = same as the mixed precision. */
	savePrecision: 'auto' | 'float' | 'fp16' | 'bf16';
	mixedPrecision: MixedPrecision;
	fullFp16: boolean;
	fullBf16: boolean;
	/** `width,height` or one number, as sd-scripts writes it. */
	resolution: string;
	enableBucket: boolean;
	minBucketReso: number;
	maxBucketReso: number;
	bucketResoSteps: number;
	bucketNoUpscale: boolean;
	captionExtension: string;
	shuffleCaption: boolean;
	keepTokens: number;
	captionDropoutRate: number;
	captionDropoutEveryNEpochs: number;
	captionTagDropoutRate: number;
	flipAug: boolean;
	colorAug: boolean;
	randomCrop: boolean;
	clipSkip: number | null;
	maxTokenLength: number | null;
	seed: number | null;
	noiseOffset: number | null;
	minSnrGamma: number | null;
	cacheLatents: boolean;
	cacheLatentsToDisk: boolean;
	attention: Attention;
	noHalfVae: boolean;
	maxDataLoaderNWorkers: number;
	persistentDataLoaderWorkers: boolean;
	priorLossWeight: number;
	/** Save accelerate's training state beside each checkpoint (save_state), so a run can resume from it. */
	saveState: boolean;
	/** A `<name>-<epoch>-state` folder to resume from (resume), relative to the training folder; empty: a fresh run. */
	resume: string;
	/** Empty = the trigger word. */
	outputName: string;
	/** Relative to the training folder. */
	outputDir: string;
	loggingDir: string;
	trainingComment: string;
	sample: SampleSettings;
	launch: LaunchSettings;
	/** Further sd-scripts options by their own names (checked against the option list), e.g. from a kohya import. */
	extra: Record<string, unknown>;
	/** kohya_ss GUI keys with no sd-scripts meaning, kept so that export gives them back unchanged. */
	kohyaKept: Record<string, unknown>;
}

/** What the GPU decides: bf16 (and the 8-bit optimizer) where the card supports it. */
export interface GpuCapabilities {
	bf16: boolean;
}

export interface ResolvedPrecision {
	mixedPrecision: 'bf16' | 'fp16' | 'no';
	savePrecision: 'float' | 'fp16' | 'bf16';
	optimizer: string;
}

export function resolvePrecision(settings: TrainerSettings, gpu: GpuCapabilities): ResolvedPrecision {
	const mixedPrecision = settings.mixedPrecision === 'auto' ? (gpu.bf16 ? 'bf16' : 'fp16') : settings.mixedPrecision;
	const savePrecision = settings.savePrecision === 'auto' ? (mixedPrecision === 'no' ? 'float' : mixedPrecision) : settings.savePrecision;
	const optimizer = settings.optimizer === 'auto' ? (gpu.bf16 ? 'AdamW8bit' : 'AdamW') : settings.optimizer;
	return { mixedPrecision, savePrecision, optimizer };
}

/** The output name sd-scripts will use: the setting, else the trigger word. */
export function effectiveOutputName(settings: TrainerSettings, trigger: string): string {
	return settings.outputName.trim() || trigger.trim() || 'lora';
}
