/** Typed events read from sd-scripts' console output (`../shared/reference/sd-scripts.md` §6). */

/** The "running training / 学習開始" block: the numbers the run was planned with. */
export interface SummaryEvent {
	type: 'summary';
	trainImages?: number;
	validationImages?: number;
	regImages?: number;
	batchesPerEpoch?: number;
	epochs?: number;
	/** One per dataset (comma-joined in the log). */
	batchSizes?: number[];
	gradientAccumulationSteps?: number;
	/** "total optimization steps": the step count the progress bar runs to. */
	total?: number;
}

/** The `epoch {n}/{N}` header printed when an epoch begins (1-based). */
export interface EpochEvent {
	type: 'epoch';
	epoch: number;
	epochs: number;
}

/** One redraw of the `steps` progress bar. */
export interface StepEvent {
	type: 'step';
	step: number;
	total: number;
	epoch?: number;
	epochs?: number;
	/** Seconds since the bar started, as tqdm printed it. */
	elapsed?: number;
	/** tqdm's estimate of the seconds left; undefined while it prints `?`. */
	remaining?: number;
	/** Steps per second; tqdm prints `s/it` below one step a second, converted here. */
	itPerSecond?: number;
	/** `avr_loss`: the moving average sd-scripts shows (NaN when the loss went NaN). */
	avrLoss?: number;
	/** The loss of this step, when the output has it (a `loss=` postfix); sd-scripts' own bar only has avr_loss. */
	loss?: number;
	/**
	 * Steps done before this process started (a resume with `initial_step`): sd-scripts' bar counts only the
	 * remaining `total optimization steps − initial_step`, so `step` and `total` here have it added back.
	 */
	initialStep?: number;
}

export interface CheckpointEvent {
	type: 'checkpoint';
	/** As printed: `{output_dir}/{file}`. */
	path: string;
	step?: number;
	epoch?: number;
}

/** A sample image being generated for one prompt (`prompt: ...` after `generating sample images at step`). */
export interface SampleEvent {
	type: 'sample';
	/** The global step the samples were triggered at. */
	step: number;
	epoch?: number;
	/** 0-based position of the prompt in this round. */
	index: number;
	prompt: string;
}

/** A finished validation pass (the `validation steps` / `epoch validation steps` bars). */
export interface ValidationEvent {
	type: 'validation';
	kind: 'step' | 'epoch';
	loss: number;
	step?: number;
	epoch?: number;
}

export type ErrorCode =
	| 'cuda-oom'
	| 'no-data'
	| 'nan-loss'
	| 'nan-latents'
	| 'fp16-needs-gpu'
	| 'empty-caption'
	| 'process-failed'
	| 'exception';

export interface ErrorEvent {
	type: 'error';
	code: ErrorCode;
	/** `error` ends the run (even with exit code 0, as `No data found` does); `warning` is worth knowing. */
	severity: 'error' | 'warning';
	/** The line that says what went wrong, as printed (for accelerate's wrapper: the real error above it). */
	message: string;
	/** What to change, in the user's words. */
	advice: string;
	step?: number;
	epoch?: number;
	/** The Python traceback's last lines, when there was one. */
	details?: string[];
	/** For `process-failed`: the exit status accelerate reported. */
	exitStatus?: number;
}

/** `model saved.`: the end of a successful run. */
export interface FinishedEvent {
	type: 'finished';
	step?: number;
	epoch?: number;
}

export type TrainerEvent = SummaryEvent | EpochEvent | StepEvent | CheckpointEvent | SampleEvent | ValidationEvent | ErrorEvent | FinishedEvent;
export type TrainerEventType = TrainerEvent['type'];
