import type { EpochMark, LossRunStatus, LossSeries } from '../protocol/lossPanel';
import type { ScalarPoint } from '../tensorboard/events';
import { lowerBound } from './chartData';
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

/** Undoes encodeHistoryLine's strings for non-finite numbers. */
function reviveNonFinite(_key: string, value: unknown): unknown {
	return value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value;
}

export function parseHistory(text: string): ParsedHistory {
	const parsed: ParsedHistory = { records: [], badLines: [] };
	let lineNumber = 0;
	for (let start = 0; start < text.length;) {
		let end = text.indexOf('\n', start);
		if (end === -1) { end = text.length; }
		const line = text.slice(start, end).trim();
		start = end + 1;
		lineNumber++;
		if (line.length === 0) {
			continue;
		}
		let record: HistoryRecord;
		try {
			// A reviver makes JSON.parse several times slower: only lines holding a non-finite number get one.
			record = line.includes('"NaN"') || line.includes('Infinity"') ? JSON.parse(line, reviveNonFinite) : JSON.parse(line);
		} catch {
			parsed.badLines.push(lineNumber);
			continue;
		}
		if (typeof record !== 'object' || record === null || typeof (record as { type?: unknown }).type !== 'string') {
			parsed.badLines.push(lineNumber);
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

type PointValues = { loss?: number | null; avrLoss?: number | null; lr?: number | null; valLoss?: number | null };

/**
 * Accumulates points by step (the last value at a step wins) and builds the aligned arrays the chart draws.
 * Steps nearly always come in order: they are appended to the columns; a step seen before is found by binary
 * search, and the rare new step before the last waits in `late` until build() merges it in.
 */
export class SeriesBuilder {
	private readonly steps: number[] = [];
	private readonly columns = { loss: [] as (number | null)[], avrLoss: [] as (number | null)[], lr: [] as (number | null)[], valLoss: [] as (number | null)[] };
	private readonly late = new Map<number, PointValues>();
	private readonly epochs: EpochMark[] = [];
	private lastStep = 0;
	lrTag?: string;
	readonly warnings: string[] = [];

	constructor(readonly id: string) {}

	/** A builder holding a built series' points, epochs and warnings, to add more to (a history's TensorBoard scalars). */
	static continuing(id: string, series: LossSeries): SeriesBuilder {
		const builder = new SeriesBuilder(id);
		// A loop, not push(...values): a spread of 100k arguments can overflow the stack.
		for (let i = 0; i < series.steps.length; i++) {
			builder.steps.push(series.steps[i]);
			builder.columns.loss.push(series.loss[i]);
			builder.columns.avrLoss.push(series.avrLoss[i]);
			builder.columns.lr.push(series.lr[i]);
			builder.columns.valLoss.push(series.valLoss[i]);
		}
		builder.epochs.push(...series.epochs.map((e) => ({ ...e })));
		builder.warnings.push(...series.warnings);
		builder.lastStep = series.steps.length > 0 ? series.steps[series.steps.length - 1] : 0;
		if (series.lrTag) { builder.lrTag = series.lrTag; }
		return builder;
	}

	point(step: number, values: PointValues): void {
		const steps = this.steps;
		let index = steps.length;
		if (index > 0 && step <= steps[index - 1]) {
			index = lowerBound(steps, step);
			if (steps[index] !== step) {
				const entry = this.late.get(step) ?? {};
				this.late.set(step, Object.assign(entry, definedOf(values)));
				return;
			}
		}
		const { loss, avrLoss, lr, valLoss } = this.columns;
		if (index === steps.length) {
			steps.push(step);
			loss.push(null);
			avrLoss.push(null);
			lr.push(null);
			valLoss.push(null);
		}
		if (values.loss !== undefined) { loss[index] = finiteOrNull(values.loss); }
		if (values.avrLoss !== undefined) { avrLoss[index] = finiteOrNull(values.avrLoss); }
		if (values.lr !== undefined) { lr[index] = finiteOrNull(values.lr); }
		if (values.valLoss !== undefined) { valLoss[index] = finiteOrNull(values.valLoss); }
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
		const { loss, avrLoss, lr, valLoss } = this.columns;
		const series: LossSeries = { id: this.id, steps: this.steps.slice(), loss: loss.slice(), avrLoss: avrLoss.slice(), lr: lr.slice(), valLoss: valLoss.slice(), epochs: [...this.epochs].sort((a, b) => a.epoch - b.epoch), warnings: [...this.warnings] };
		if (this.late.size > 0) {
			mergeLate(series, this.late);
		}
		if (this.lrTag) {
			series.lrTag = this.lrTag;
		}
		return series;
	}
}

function definedOf(values: PointValues): PointValues {
	const out: PointValues = {};
	for (const key of ['loss', 'avrLoss', 'lr', 'valLoss'] as const) {
		if (values[key] !== undefined) { out[key] = finiteOrNull(values[key]); }
	}
	return out;
}

/** Inserts the steps that came out of order (in place, one pass). */
function mergeLate(series: LossSeries, late: Map<number, PointValues>): void {
	const lateSteps = [...late.keys()].sort((a, b) => a - b);
	const keys = ['loss', 'avrLoss', 'lr', 'valLoss'] as const;
	const merged: LossSeries = { ...series, steps: [], loss: [], avrLoss: [], lr: [], valLoss: [] };
	let j = 0;
	for (let i = 0; i <= series.steps.length; i++) {
		const next = i < series.steps.length ? series.steps[i] : Infinity;
		for (; j < lateSteps.length && lateSteps[j] < next; j++) {
			const values = late.get(lateSteps[j])!;
			merged.steps.push(lateSteps[j]);
			for (const key of keys) { merged[key].push(values[key] ?? null); }
		}
		if (i < series.steps.length) {
			merged.steps.push(next);
			for (const key of keys) { merged[key].push(series[key][i]); }
		}
	}
	Object.assign(series, merged);
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
