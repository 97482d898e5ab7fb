/** Messages between the loss panel webview (webview/lossPanel) and its host (src/trainer/lossPanel.ts). */

export type LossRunStatus = 'running' | 'finished' | 'failed' | 'stopped' | 'unknown';

export interface LossRunInfo {
	id: string;
	label: string;
	source: 'history' | 'tensorboard';
	/** The training folder (or TensorBoard folder) it belongs to, for the tooltip. */
	location: string;
	/** Milliseconds since the epoch, when known. */
	startedAt?: number;
	status: LossRunStatus;
}

export interface EpochMark {
	epoch: number;
	/** The last step before the epoch began (0 for the first). */
	step: number;
}

/** One run's curves, aligned on `steps` (null where a curve has no value at that step). */
export interface LossSeries {
	id: string;
	steps: number[];
	loss: (number | null)[];
	avrLoss: (number | null)[];
	lr: (number | null)[];
	/** Validation loss (`val_avg_loss` / `val_epoch_avg_loss`, TensorBoard `loss/validation/step_average`), sparse. */
	valLoss: (number | null)[];
	/** Which `lr/*` tag `lr` came from, when it came from TensorBoard. */
	lrTag?: string;
	epochs: EpochMark[];
	/** Sentences about data that could not be read (corrupt event file, damaged history line). */
	warnings: string[];
	/** Set on a first paint's few steps of a long run (chartData.ts decimateSeries): the run's step count. */
	decimatedFrom?: number;
}

/** A series as posted: columns as Float64Arrays (NaN where LossSeries has null), sent as binary, not JSON. */
export interface PackedSeries extends Omit<LossSeries, 'steps' | 'loss' | 'avrLoss' | 'lr' | 'valLoss'> {
	steps: Float64Array;
	loss: Float64Array;
	avrLoss: Float64Array;
	lr: Float64Array;
	valLoss: Float64Array;
}

export interface LossPoint {
	step: number;
	loss?: number | null;
	avrLoss?: number | null;
	lr?: number | null;
	valLoss?: number | null;
}

/** One epoch's sample likeness at the step the epoch ended (face distance to the person: lower is more alike). */
export interface LikenessOverlayPoint {
	/** 'e3' or 's500', as Compare Epochs keys its columns. */
	key: string;
	label: string;
	step: number;
	median: number;
	q1: number;
	q3: number;
}

/** A run's likeness curve for the overlay, or why it has none (said for the user). */
export interface LikenessOverlay {
	runId: string;
	points: LikenessOverlayPoint[];
	/** The recommended epoch's key, marked on the curve. */
	recommended?: string;
	/** Distances under this are the person (a dashed line on the likeness axis). */
	alikeBelow?: number;
	/** Why there is no curve, or what was left out. */
	note?: string;
}

export type LossPanelHostMessage =
	/** A long run's series in it is decimated (`decimatedFrom`) so the first chart paints at once; `series` follows. */
	| { type: 'init'; runs: LossRunInfo[]; selected: string[]; series: LossSeries[]; liveRunId?: string }
	| { type: 'runs'; runs: LossRunInfo[]; liveRunId?: string }
	/** A run's whole series: a newly ticked run, or the steps a decimated first paint left out. */
	| { type: 'series'; series: PackedSeries }
	| { type: 'points'; runId: string; points: LossPoint[] }
	| { type: 'epoch'; runId: string; mark: EpochMark }
	| { type: 'selected'; selected: string[] }
	/** A run's likeness overlay: after the toggle is turned on, or at once when the report was already made. */
	| { type: 'likeness'; overlay: LikenessOverlay };

/**
 * What the webview keeps with `setState` besides its toggles; VS Code hands it to the panel serializer after a
 * window reload, so the same runs come back.
 */
export interface LossPanelSavedState {
	selected?: string[];
	/** The likeness overlay toggle: on after a reload too, and asked for again with `showLikeness`. */
	showLikeness?: boolean;
}

/** The run ids of a saved state, validated (the state comes from the webview, like its messages). */
export function savedSelection(state: unknown): string[] {
	const selected = (state as LossPanelSavedState | undefined)?.selected;
	return Array.isArray(selected) ? selected.filter((id): id is string => typeof id === 'string' && id.length < 4096).slice(0, 64) : [];
}

export type LossPanelWebviewMessage =
	| { type: 'ready' }
	| { type: 'select'; ids: string[] }
	| { type: 'openTensorBoard' }
	| { type: 'refresh' }
	/** The likeness overlay toggle: on asks the host for the selected runs' curves (computed only then). */
	| { type: 'showLikeness'; on: boolean }
	/** Sent once per page, after the first chart (or its empty message) is on screen; `points` is what it drew. */
	| { type: 'painted'; points: number };

export function isLossPanelWebviewMessage(value: unknown): value is LossPanelWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; ids?: unknown; points?: unknown; on?: unknown };
	switch (message.type) {
		case 'ready':
		case 'openTensorBoard':
		case 'refresh':
			return true;
		case 'showLikeness':
			return typeof message.on === 'boolean';
		case 'painted':
			return typeof message.points === 'number' && Number.isInteger(message.points) && message.points >= 0;
		case 'select':
			return Array.isArray(message.ids) && message.ids.length <= 64 && message.ids.every((id) => typeof id === 'string' && id.length < 4096);
		default:
			return false;
	}
}
