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
	/** Which `lr/*` tag `lr` came from, when it came from TensorBoard. */
	lrTag?: string;
	epochs: EpochMark[];
	/** Sentences about data that could not be read (corrupt event file, damaged history line). */
	warnings: string[];
}

export interface LossPoint {
	step: number;
	loss?: number | null;
	avrLoss?: number | null;
	lr?: number | null;
}

export type LossPanelHostMessage =
	| { type: 'init'; runs: LossRunInfo[]; selected: string[]; series: LossSeries[]; liveRunId?: string }
	| { type: 'runs'; runs: LossRunInfo[]; liveRunId?: string }
	| { type: 'series'; series: LossSeries }
	| { type: 'points'; runId: string; points: LossPoint[] }
	| { type: 'epoch'; runId: string; mark: EpochMark }
	| { type: 'selected'; selected: string[] };

export type LossPanelWebviewMessage =
	| { type: 'ready' }
	| { type: 'select'; ids: string[] }
	| { type: 'openTensorBoard' }
	| { type: 'refresh' };

export function isLossPanelWebviewMessage(value: unknown): value is LossPanelWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; ids?: unknown };
	switch (message.type) {
		case 'ready':
		case 'openTensorBoard':
		case 'refresh':
			return true;
		case 'select':
			return Array.isArray(message.ids) && message.ids.length <= 64 && message.ids.every((id) => typeof id === 'string' && id.length < 4096);
		default:
			return false;
	}
}
