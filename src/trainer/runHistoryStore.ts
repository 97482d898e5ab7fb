import { promises as fs } from 'node:fs';
import { basename, join, sep } from 'node:path';
import type { LossRunInfo, LossSeries } from '../core/protocol/lossPanel';
import { findTensorBoardRuns, readTensorBoardRun, tensorBoardRunLabel } from '../core/tensorboard/files';
import type { ScalarPoint } from '../core/tensorboard/events';
import { encodeHistoryLine, HISTORY_SUFFIX, HistoryRecord, historyStatus, historyTensorBoardDirs, parseHistory, SeriesBuilder, seriesFromHistory } from '../core/trainerLog/history';

/**
 * Run histories on disk: `<training folder>/log/<run id>.history.jsonl`, appended while a run trains.
 * Appends are batched (one write per flush interval) so a fast tqdm stream does not mean a write per step.
 */
export class HistoryWriter {
	private buffer = '';
	private writing: Promise<void> = Promise.resolve();
	private timer: NodeJS.Timeout | undefined;
	private failed = false;

	constructor(readonly file: string, private readonly onError: (message: string) => void, private readonly flushMs = 1000) {}

	append(record: HistoryRecord): void {
		this.buffer += encodeHistoryLine(record);
		this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, this.flushMs);
	}

	/** Writes what is buffered; resolves when every earlier append is on disk. */
	flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		const text = this.buffer;
		this.buffer = '';
		if (text.length > 0 && !this.failed) {
			this.writing = this.writing.then(() => fs.appendFile(this.file, text, 'utf8')).catch((err: NodeJS.ErrnoException) => {
				this.failed = true;
				this.onError(`The loss history ${this.file} cannot be written (${err.code ?? err.message}); the chart will not survive a reload.`);
			});
		}
		return this.writing;
	}
}

export interface StoredRun {
	info: LossRunInfo;
	/** The history file, or the TensorBoard folder. */
	path: string;
	/** For history runs: TensorBoard folders under the run's log dir started during the run (their lr curves). */
	tensorBoardDirs?: string[];
	/** For history runs: the output name its checkpoints and samples carry (the likeness overlay finds its samples). */
	outputName?: string;
}

export function historyRunIdOf(file: string): string {
	return basename(file).slice(0, -HISTORY_SUFFIX.length);
}

/** Every stored run under the given log folders: our histories, and TensorBoard runs sd-scripts wrote there. */
export async function listStoredRuns(logDirs: readonly string[]): Promise<StoredRun[]> {
	const runs: StoredRun[] = [];
	for (const dir of logDirs) {
		let names: string[];
		try {
			names = await fs.readdir(dir);
		} catch {
			continue;
		}
		for (const name of names.filter((n) => n.endsWith(HISTORY_SUFFIX)).sort()) {
			const file = join(dir, name);
			const run = await describeHistory(file);
			if (run) {
				runs.push(run);
			}
		}
		// A run started in VS Code has its history; its TensorBoard folder is part of it, not a run of its own.
		const claimed = runs.flatMap((r) => r.tensorBoardDirs ?? []);
		for (const tbDir of await findTensorBoardRuns(dir)) {
			if (!claimed.some((c) => tbDir === c || tbDir.startsWith(c + sep))) {
				runs.push(tensorBoardRun(tbDir, dir));
			}
		}
	}
	return runs;
}

export function tensorBoardRun(dir: string, root?: string): StoredRun {
	return { path: dir, info: { id: `tb:${dir}`, label: `${tensorBoardRunLabel(dir, root)} (TensorBoard)`, source: 'tensorboard', location: dir, status: 'unknown' } };
}

/** A history file as last read: what the run list needs, and its curves while the file is among the newest read. */
interface ReadHistory {
	mtimeMs: number;
	size: number;
	/** The curves of the history alone (no TensorBoard scalars yet): never changed, copied when handed out. */
	series?: LossSeries;
	run: StoredRun;
}

/** Run descriptions of every history seen (small), keyed by path; unchanged files (same mtime and size) are not read again. */
const described = new Map<string, ReadHistory>();
/** How many histories' curves are kept: the loss panel overlays at most 8 runs; 100k steps are ~4 MB of curves. */
const SERIES_KEPT = 8;

/**
 * Reads and parses a history once per change: listing the runs and charting one use the same read. Returns
 * the error when the file cannot be read.
 */
async function readHistory(file: string): Promise<ReadHistory | NodeJS.ErrnoException> {
	let text: string;
	let stat: { mtimeMs: number; size: number };
	try {
		stat = await fs.stat(file);
		const known = described.get(file);
		if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size && known.series) {
			return known;
		}
		text = await fs.readFile(file, 'utf8');
	} catch (err) {
		described.delete(file);
		return err as NodeJS.ErrnoException;
	}
	const parsed = parseHistory(text);
	const id = parsed.header?.id ?? historyRunIdOf(file);
	const run: StoredRun = {
		path: file,
		tensorBoardDirs: historyTensorBoardDirs(parsed.records),
		outputName: parsed.header?.outputName,
		info: {
			id,
			label: historyLabel(parsed.header?.outputName ?? id, parsed.header?.startedAt),
			source: 'history',
			location: parsed.header?.folderRoot ?? file,
			startedAt: parsed.header?.startedAt,
			status: historyStatus(parsed.records),
		},
	};
	const read: ReadHistory = { mtimeMs: stat.mtimeMs, size: stat.size, series: seriesFromHistory(id, parsed), run };
	described.delete(file); // re-inserted last: the map's order is the order of reading
	described.set(file, read);
	const withSeries = [...described.values()].filter((r) => r.series);
	for (const old of withSeries.slice(0, Math.max(0, withSeries.length - SERIES_KEPT))) {
		old.series = undefined;
	}
	return read;
}

async function describeHistory(file: string): Promise<StoredRun | undefined> {
	const known = described.get(file);
	if (known) {
		try {
			const stat = await fs.stat(file);
			if (stat.mtimeMs === known.mtimeMs && stat.size === known.size) {
				return known.run;
			}
		} catch {
			described.delete(file);
			return undefined;
		}
	}
	const read = await readHistory(file);
	return 'run' in read ? read.run : undefined;
}

export function historyLabel(outputName: string, startedAt?: number): string {
	if (startedAt === undefined) {
		return outputName;
	}
	const d = new Date(startedAt);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${outputName} · ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Reads the curves of a stored run (history + any TensorBoard scalars, or TensorBoard alone). */
export async function readStoredSeries(run: StoredRun): Promise<LossSeries> {
	if (run.info.source === 'tensorboard') {
		const tb = await readTensorBoardRun(run.path);
		const series = seriesFromHistory(run.info.id, { records: [], badLines: [] }, tb.scalars);
		series.warnings.push(...tb.warnings);
		if (series.steps.length === 0) {
			series.warnings.push(`${run.path}: no loss/current, loss/average or lr/* scalars in these event files.`);
		}
		return series;
	}
	const read = await readHistory(run.path);
	if (!('run' in read)) {
		return { id: run.info.id, steps: [], loss: [], avrLoss: [], lr: [], valLoss: [], epochs: [], warnings: [`${run.path} cannot be read (${read.code ?? String(read)}).`] };
	}
	const scalars = new Map<string, ScalarPoint[]>();
	const warnings: string[] = [];
	for (const dir of read.run.tensorBoardDirs ?? []) {
		for (const eventDir of await findTensorBoardRuns(dir, 2)) {
			const tb = await readTensorBoardRun(eventDir);
			warnings.push(...tb.warnings);
			for (const [tag, points] of tb.scalars) {
				scalars.set(tag, [...(scalars.get(tag) ?? []), ...points]);
			}
		}
	}
	const history = read.series!;
	if (scalars.size === 0) {
		return { ...history, id: run.info.id, epochs: history.epochs.map((e) => ({ ...e })), warnings: [...history.warnings, ...warnings] };
	}
	// The console gave avr_loss already; TensorBoard adds the step loss, the learning rate and validation.
	const builder = SeriesBuilder.continuing(run.info.id, history);
	builder.addTensorBoard(scalars, { avrLoss: false });
	const series = builder.build();
	series.warnings.push(...warnings);
	return series;
}
