import type { EpochMark, LossRunStatus, LossSeries } from '../protocol/lossPanel';
import type { ScalarPoint } from '../tensorboard/events';
import type { TrainerEvent } from './events';

/**
 * A run's history on disk: JSON lines in the training folder's `log/`, one file per run. The first line
 * describes the run; then one line per event the parser produced (steps trimmed to what the chart needs);
 * the last line says how the process ended. Append-only, so a crash loses at most the unflushed tail, and a
 * half-written last line is skipped when reading.
 */
export interface HistoryHeader {
	type: 'run';
	version: 1;
	id: string;
	outputName: string;
	folderRoot: string;
	outputDir?: string;
	/** Milliseconds since the epoch. */
	startedAt: number;
}

export interface HistoryExit {
	type: 'exit';
	code: number | null;
	signal: string | null;
	at: number;
}

/** The run's TensorBoard folder (`<logging_dir>/<prefix><stamp>`), once it appeared: its lr/* curves belong to the run. */
export interface HistoryTensorBoard {
	type: 'tensorboard';
	dir: string;
}

export type HistoryRecord = HistoryHeader | HistoryExit | HistoryTensorBoard | TrainerEvent;

export function historyTensorBoardDirs(records: readonly HistoryRecord[]): string[] {
	return [...new Set(records.filter((r): r is HistoryTensorBoard => r.type === 'tensorboard' && typeof (r as HistoryTensorBoard).dir === 'string').map((r) => r.dir))];
}

export const HISTORY_SUFFIX = '.history.jsonl';

/** `3mm4w4ts0n-20260216-121314`: sorts by time within a name, safe in file names. */
export function historyRunId(outputName: string, startedAt: Date): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	const stamp = `${startedAt.getFullYear()}${pad(startedAt.getMonth() + 1)}${pad(startedAt.getDate())}-${pad(startedAt.getHours())}${pad(startedAt.getMinutes())}${pad(startedAt.getSeconds())}`;
	const safe = outputName.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'run';
	return `${safe}-${stamp}`;
}

/** The record to store for an event, or undefined for events the history does not keep. */
export function historyRecord(event: TrainerEvent): TrainerEvent | undefined {
	if (event.type === 'step') {
		const compact: TrainerEvent = { type: 'step', step: event.step, total: event.total };
		if (event.epoch !== undefined) { compact.epoch = event.epoch; }
		if (event.avrLoss !== undefined) { compact.avrLoss = event.avrLoss; }
		if (event.loss !== undefined) { compact.loss = event.loss; }
		return compact;
	}
	return event;
}

/** JSON with NaN/Infinity kept as strings (JSON has no NaN; a NaN loss is worth remembering). */
export function encodeHistoryLine(record: HistoryRecord): string {
	return `${JSON.stringify(record, (_key, value) => typeof value === 'number' && !Number.isFinite(value) ? String(value) : value)}\n`;
}

export interface ParsedHistory {
	header?: HistoryHeader;
	records: HistoryRecord[];
	/** Lines that were not valid JSON records (a half-written tail after a crash), by line number. */
	badLines: number[];
}

export function parseHistory(text: string): ParsedHistory {
	const parsed: ParsedHistory = { records: [], badLines: [] };
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i].trim();
		if (line.length === 0) {
			continue;
		}
		let record: HistoryRecord;
		try {
			record = JSON.parse(line, (_key, value) => value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value);
		} catch {
			parsed.badLines.push(i + 1);
			continue;
		}
		if (typeof record !== 'object' || record === null || typeof (record as { type?: unknown }).type !== 'string') {
			parsed.badLines.push(i + 1);
			continue;
		}
		if (record.type === 'run' && !parsed.header) {
			parsed.header = record;
		}
		parsed.records.push(record);
	}
	return parsed;
}

/** How the run ended, from its records (`running` is decided by the caller, who knows live runs). */
export function historyStatus(records: readonly HistoryRecord[]): LossRunStatus {
	const exit = records.find((r): r is HistoryExit => r.type === 'exit');
	const fatal = records.some((r) => r.type === 'error' && r.severity === 'error');
	if (!exit) {
		return fatal ? 'failed' : 'unknown';
	}
	if (exit.signal) {
		return 'stopped';
	}
	return exit.code === 0 && !fatal ? 'finished' : 'failed';
}

/** Accumulates points by step (the last value at a step wins) and builds the aligned arrays the chart draws. */
export class SeriesBuilder {
	private readonly byStep = new Map<number, { loss: number | null; avrLoss: number | null; lr: number | null; valLoss: number | null }>();
	private readonly epochs: EpochMark[] = [];
	private lastStep = 0;
	lrTag?: string;
	readonly warnings: string[] = [];

	constructor(readonly id: string) {}

	point(step: number, values: { loss?: number | null; avrLoss?: number | null; lr?: number | null; valLoss?: number | null }): void {
		let entry = this.byStep.get(step);
		if (!entry) {
			entry = { loss: null, avrLoss: null, lr: null, valLoss: null };
			this.byStep.set(step, entry);
		}
		if (values.loss !== undefined) { entry.loss = finiteOrNull(values.loss); }
		if (values.avrLoss !== undefined) { entry.avrLoss = finiteOrNull(values.avrLoss); }
		if (values.lr !== undefined) { entry.lr = finiteOrNull(values.lr); }
		if (values.valLoss !== undefined) { entry.valLoss = finiteOrNull(values.valLoss); }
		this.lastStep = Math.max(this.lastStep, step);
	}

	epoch(epoch: number, step = this.lastStep): void {
		if (!this.epochs.some((e) => e.epoch === epoch)) {
			this.epochs.push({ epoch, step });
		}
	}

	addEvent(event: TrainerEvent | HistoryRecord): void {
		if (event.type === 'step') {
			this.point(event.step, { avrLoss: event.avrLoss, loss: event.loss });
		} else if (event.type === 'epoch') {
			this.epoch(event.epoch);
		} else if (event.type === 'validation') {
			// At the step it was printed after (an epoch's validation: the epoch's last step).
			this.point(event.step ?? this.lastStep, { valLoss: event.loss });
		}
	}

	/**
	 * TensorBoard scalars: `loss/current`, `loss/average`, one `lr/*` curve (the U-Net's when there are several) and
	 * `loss/validation/step_average` (the epoch average is logged against the epoch number, not a step: left out).
	 */
	addTensorBoard(scalars: Map<string, ScalarPoint[]>, include: { avrLoss?: boolean } = {}): void {
		for (const p of scalars.get('loss/current') ?? []) { this.point(p.step, { loss: p.value }); }
		if (include.avrLoss !== false) {
			for (const p of scalars.get('loss/average') ?? []) { this.point(p.step, { avrLoss: p.value }); }
		}
		for (const p of scalars.get(VALIDATION_TAG) ?? []) { this.point(p.step, { valLoss: p.value }); }
		const lrTag = this.lrTag ?? pickLrTag([...scalars.keys()]);
		if (lrTag && scalars.has(lrTag)) {
			this.lrTag = lrTag;
			for (const p of scalars.get(lrTag)!) { this.point(p.step, { lr: p.value }); }
		}
	}

	build(): LossSeries {
		const steps = [...this.byStep.keys()].sort((a, b) => a - b);
		const series: LossSeries = { id: this.id, steps, loss: [], avrLoss: [], lr: [], valLoss: [], epochs: [...this.epochs].sort((a, b) => a.epoch - b.epoch), warnings: [...this.warnings] };
		for (const step of steps) {
			const entry = this.byStep.get(step)!;
			series.loss.push(entry.loss);
			series.avrLoss.push(entry.avrLoss);
			series.lr.push(entry.lr);
			series.valLoss.push(entry.valLoss);
		}
		if (this.lrTag) {
			series.lrTag = this.lrTag;
		}
		return series;
	}
}

export const VALIDATION_TAG = 'loss/validation/step_average';

export function pickLrTag(tags: string[]): string | undefined {
	const lr = tags.filter((t) => t.startsWith('lr/') && !t.startsWith('lr/d*lr'));
	return lr.find((t) => t === 'lr/unet') ?? lr.find((t) => t.startsWith('lr/unet')) ?? lr.sort()[0];
}

function finiteOrNull(value: number | null): number | null {
	return value !== null && Number.isFinite(value) ? value : null;
}

/** The series of a stored history (plus its TensorBoard scalars, when the run wrote any). */
export function seriesFromHistory(id: string, parsed: ParsedHistory, scalars?: Map<string, ScalarPoint[]>, include?: { avrLoss?: boolean }): LossSeries {
	const builder = new SeriesBuilder(id);
	for (const record of parsed.records) {
		builder.addEvent(record);
	}
	if (scalars) {
		builder.addTensorBoard(scalars, include);
	}
	if (parsed.badLines.length > 0) {
		builder.warnings.push(`${parsed.badLines.length} damaged line(s) in the run history were skipped (line ${parsed.badLines.slice(0, 5).join(', ')}).`);
	}
	return builder.build();
}
