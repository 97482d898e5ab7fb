import type { ErrorEvent, SummaryEvent, TrainerEvent } from './events';

/** Where a run stands, folded from its events: what the status bar and the CLI summary show. */
export interface RunProgress {
	summary?: SummaryEvent;
	epoch?: number;
	epochs?: number;
	step?: number;
	total?: number;
	avrLoss?: number;
	loss?: number;
	remaining?: number;
	itPerSecond?: number;
	checkpoints: string[];
	errors: ErrorEvent[];
	finished: boolean;
}

export function emptyProgress(): RunProgress {
	return { checkpoints: [], errors: [], finished: false };
}

/** Applies one event (mutates and returns `progress`). */
export function applyEvent(progress: RunProgress, event: TrainerEvent): RunProgress {
	switch (event.type) {
		case 'summary':
			progress.summary = event;
			progress.epochs ??= event.epochs;
			progress.total ??= event.total;
			break;
		case 'epoch':
			progress.epoch = event.epoch;
			progress.epochs = event.epochs;
			break;
		case 'step':
			progress.step = event.step;
			progress.total = event.total;
			progress.remaining = event.remaining;
			progress.itPerSecond = event.itPerSecond;
			if (event.avrLoss !== undefined) { progress.avrLoss = event.avrLoss; }
			if (event.loss !== undefined) { progress.loss = event.loss; }
			break;
		case 'checkpoint':
			progress.checkpoints.push(event.path);
			break;
		case 'error':
			progress.errors.push(event);
			break;
		case 'finished':
			progress.finished = true;
			break;
		default:
			break;
	}
	return progress;
}

/** The first error that ends the run (warnings do not), if any. */
export function fatalError(progress: RunProgress): ErrorEvent | undefined {
	return progress.errors.find((e) => e.severity === 'error');
}

/** `5:12`, `1:05:12`: minutes and seconds, hours when needed. */
export function formatDuration(seconds: number): string {
	const total = Math.max(0, Math.round(seconds));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A loss with three significant digits, as tqdm prints it (`0.102`, `0.0912`, `nan`). */
export function formatLoss(value: number): string {
	if (Number.isNaN(value)) {
		return 'nan';
	}
	if (!Number.isFinite(value)) {
		return value > 0 ? 'inf' : '-inf';
	}
	return String(Number(value.toPrecision(3)));
}

/** The parts after the run's name in the status bar: `epoch 3/10 · 540/1500 · loss 0.102 · 5:12 left`. */
export function progressParts(progress: RunProgress): string[] {
	const parts: string[] = [];
	if (progress.epoch !== undefined && progress.epochs !== undefined) {
		parts.push(`epoch ${progress.epoch}/${progress.epochs}`);
	}
	if (progress.step !== undefined && progress.total !== undefined) {
		parts.push(`${progress.step}/${progress.total}`);
	}
	// avr_loss, like sd-scripts' own bar: a single step's loss jumps around too much to read at a glance.
	const loss = progress.avrLoss ?? progress.loss;
	if (loss !== undefined) {
		parts.push(`loss ${formatLoss(loss)}`);
	}
	if (progress.remaining !== undefined && !progress.finished) {
		parts.push(`${formatDuration(progress.remaining)} left`);
	}
	return parts;
}
