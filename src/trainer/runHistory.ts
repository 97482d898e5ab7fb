import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EpochMark, LossPoint, LossRunStatus } from '../core/protocol/lossPanel';
import type { ScalarPoint } from '../core/tensorboard/events';
import { addPoints } from '../core/tensorboard/files';
import { TensorBoardRunFollower } from '../core/tensorboard/runFollower';
import type { TrainerEvent } from '../core/trainerLog/events';
import { historyRecord, historyRunId, SeriesBuilder, VALIDATION_TAG } from '../core/trainerLog/history';
import { TrainerLogParser } from '../core/trainerLog/parser';
import { applyEvent, emptyProgress, fatalError, RunProgress } from '../core/trainerLog/progress';
import { Disposable } from '../util/dispose';
import { HistoryWriter, historyLabel } from './runHistoryStore';

/**
 * What this feature needs of a training run (src/trainer/trainingRun.ts provides it as `services.trainingRuns`).
 * Kept structural so tests can drive a run-like object and the two sides can evolve separately.
 */
export interface WatchableRun {
	readonly folderRoot: string;
	readonly outputDir: string;
	readonly logDir: string;
	readonly outputName: string;
	/** The console log the run writes, when it keeps one: errors are put on it in Problems. */
	readonly logFile?: string;
	readonly onDidOutput: vscode.Event<string>;
	readonly onDidExit: vscode.Event<{ code: number | null; signal: string | null }>;
	/** The trainer's own state: 'stopping'/'stopped' when the user stopped it (its KeyboardInterrupt is no error). */
	readonly state?: string;
	/** Where sd-scripts writes this run's TensorBoard events (logging_dir, log_prefix), when logging is on. */
	readonly tensorBoard?: { readonly dir: string; readonly prefix: string };
}

/** True when the user stopped the run: what it prints while dying (KeyboardInterrupt, exit 1) is not a failure. */
export function stoppedByUser(run: WatchableRun): boolean {
	return run.state === 'stopping' || run.state === 'stopped' || run.state === 'cancelled';
}

export interface WatchableRuns {
	readonly onDidStartRun: vscode.Event<WatchableRun>;
}

export interface WatchedRun {
	readonly id: string;
	readonly label: string;
	readonly run: WatchableRun;
	readonly startedAt: number;
	readonly progress: RunProgress;
	readonly series: SeriesBuilder;
	readonly historyFile: string;
	status: LossRunStatus;
	lastOutputAt: number;
	exit?: { code: number | null; signal: string | null };
}

export interface RunUpdate {
	run: WatchedRun;
	/** Parsed events since the previous update (empty for status-only updates such as the exit). */
	events: TrainerEvent[];
	/** Chart points among those events. */
	points: LossPoint[];
	/** Epoch boundaries among those events, at the step each began after. */
	marks: EpochMark[];
	/** 'tensorboard': points read from the run's event file (learning rate, step loss), no console events. */
	source?: 'console' | 'tensorboard';
}

/** How often a live run's TensorBoard file is read; sd-scripts' writer flushes every 10 events or 2 minutes anyway. */
const TENSORBOARD_POLL_MS = 500;

/**
 * Follows every training run: parses its console output, keeps its progress, appends its history to
 * `<log dir>/<id>.history.jsonl`, and tells the status bar, Problems and the loss panel what changed.
 */
export class RunHistory extends Disposable {
	private readonly updateEmitter = this.register(new vscode.EventEmitter<RunUpdate>());
	public readonly onDidUpdate = this.updateEmitter.event;
	private readonly startEmitter = this.register(new vscode.EventEmitter<WatchedRun>());
	public readonly onDidStartWatching = this.startEmitter.event;
	private readonly runs: WatchedRun[] = [];
	private readonly written = new Map<string, Promise<void>>();

	constructor(private readonly log: vscode.LogOutputChannel) {
		super();
	}

	/** Subscribes to the trainer's runs (called once `services.trainingRuns` exists). */
	public follow(source: WatchableRuns): void {
		this.register(source.onDidStartRun((run) => this.watch(run)));
	}

	public get all(): readonly WatchedRun[] {
		return this.runs;
	}

	/** The newest run, live or finished. */
	public get latest(): WatchedRun | undefined {
		return this.runs[this.runs.length - 1];
	}

	/**
	 * Drops a finished run from memory, as a window reload does: from then on it is only on disk. Used by the
	 * tests to check that the history file alone brings the chart back.
	 */
	public forget(id: string): void {
		const index = this.runs.findIndex((r) => r.id === id && r.status !== 'running');
		if (index !== -1) {
			this.runs.splice(index, 1);
		}
	}

	/** Resolves when the run's history is on disk (after its exit). */
	public whenWritten(id: string): Promise<void> {
		return this.written.get(id) ?? Promise.resolve();
	}

	public watch(run: WatchableRun): WatchedRun {
		const started = new Date();
		let id = historyRunId(run.outputName, started);
		if (this.runs.some((r) => r.id === id)) {
			id = `${id}-${this.runs.length}`;
		}
		const historyFile = join(run.logDir, `${id}.history.jsonl`);
		const watched: WatchedRun = {
			id,
			label: historyLabel(run.outputName, started.getTime()),
			run,
			startedAt: started.getTime(),
			progress: emptyProgress(),
			series: new SeriesBuilder(id),
			historyFile,
			status: 'running',
			lastOutputAt: Date.now(),
		};
		this.runs.push(watched);
		const writer = new HistoryWriter(historyFile, (message) => this.log.warn(message));
		const ready = fs.mkdir(run.logDir, { recursive: true }).catch(() => undefined);
		void ready.then(() => writer.append({ type: 'run', version: 1, id, outputName: run.outputName, folderRoot: run.folderRoot, outputDir: run.outputDir, startedAt: watched.startedAt }));
		const parser = new TrainerLogParser();
		const handle = (events: TrainerEvent[]) => {
			const points: LossPoint[] = [];
			const marks: EpochMark[] = [];
			for (const event of events) {
				applyEvent(watched.progress, event);
				if (event.type === 'epoch') {
					marks.push({ epoch: event.epoch, step: watched.progress.step ?? 0 });
					watched.series.epoch(event.epoch, watched.progress.step ?? 0);
				} else if (event.type === 'step') {
					watched.series.addEvent(event);
					points.push({ step: event.step, avrLoss: finite(event.avrLoss), loss: finite(event.loss) });
				} else if (event.type === 'validation') {
					const step = event.step ?? watched.progress.step ?? 0;
					watched.series.point(step, { valLoss: event.loss });
					points.push({ step, valLoss: finite(event.loss) });
				}
				const record = historyRecord(event);
				if (record) {
					void ready.then(() => writer.append(record));
				}
			}
			if (events.length > 0) {
				this.updateEmitter.fire({ run: watched, events, points, marks });
			}
		};
		const output = run.onDidOutput((chunk) => {
			watched.lastOutputAt = Date.now();
			handle(parser.feed(chunk));
		});
		const tensorBoard = run.tensorBoard ? this.followTensorBoard(watched, run.tensorBoard, started, (record) => void ready.then(() => writer.append(record))) : undefined;
		const exit = run.onDidExit((result) => {
			handle(parser.end());
			const lastRead = tensorBoard?.stop() ?? Promise.resolve();
			watched.exit = result;
			watched.status = result.signal || stoppedByUser(watched.run) ? 'stopped' : result.code === 0 && !fatalError(watched.progress) ? 'finished' : 'failed';
			this.written.set(id, ready.then(() => lastRead).then(() => {
				writer.append({ type: 'exit', code: result.code, signal: result.signal, at: Date.now() });
				return writer.flush();
			}));
			output.dispose();
			exit.dispose();
			this.updateEmitter.fire({ run: watched, events: [], points: [], marks: [] });
		});
		this.register(output);
		this.register(exit);
		if (tensorBoard) {
			this.register({ dispose: () => void tensorBoard.stop() });
		}
		this.log.info(`Watching training run ${id}; loss history in ${historyFile}`);
		this.startEmitter.fire(watched);
		this.updateEmitter.fire({ run: watched, events: [], points: [], marks: [] });
		return watched;
	}

	/**
	 * Reads the run's TensorBoard event file while it trains: the learning rate (and the step loss, validation loss)
	 * exist only there, the console bar shows avr_loss alone. The run folder is noted in the history for reloads.
	 */
	private followTensorBoard(watched: WatchedRun, target: { dir: string; prefix: string }, started: Date, note: (record: { type: 'tensorboard'; dir: string }) => void): TensorBoardFollowing {
		const follower = new TensorBoardRunFollower(target.dir, target.prefix, started);
		const noted = new Set<string>();
		let reading: Promise<void> = Promise.resolve();
		let stopped = false;
		const read = () => {
			reading = reading.then(async () => {
				const points = await follower.poll();
				for (const dir of follower.dirs.filter((d) => !noted.has(d))) {
					noted.add(dir);
					note({ type: 'tensorboard', dir });
					this.log.info(`Training run ${watched.id}: following TensorBoard events in ${dir}`);
				}
				if (points.length > 0) {
					this.updateEmitter.fire({ run: watched, events: [], points: this.tensorBoardPoints(watched, points), marks: [], source: 'tensorboard' });
				}
			}).catch((err) => this.log.warn(`Training run ${watched.id}: TensorBoard events could not be read (${err instanceof Error ? err.message : String(err)})`));
			return reading;
		};
		const timer = setInterval(() => void read(), TENSORBOARD_POLL_MS);
		return {
			stop: () => {
				if (stopped) {
					return reading;
				}
				stopped = true;
				clearInterval(timer);
				return read().then(() => {
					for (const warning of follower.warnings) {
						this.log.warn(warning);
					}
				});
			},
		};
	}

	private tensorBoardPoints(watched: WatchedRun, points: ScalarPoint[]): LossPoint[] {
		const scalars = new Map<string, ScalarPoint[]>();
		addPoints(scalars, points);
		watched.series.addTensorBoard(scalars, { avrLoss: false });
		const byStep = new Map<number, LossPoint>();
		const at = (step: number) => byStep.get(step) ?? byStep.set(step, { step }).get(step)!;
		for (const p of scalars.get('loss/current') ?? []) { at(p.step).loss = finite(p.value); }
		for (const p of scalars.get(VALIDATION_TAG) ?? []) { at(p.step).valLoss = finite(p.value); }
		for (const p of watched.series.lrTag ? scalars.get(watched.series.lrTag) ?? [] : []) { at(p.step).lr = finite(p.value); }
		return [...byStep.values()].sort((a, b) => a.step - b.step);
	}
}

interface TensorBoardFollowing {
	/** Resolves after the last read (the run ended or the extension is going away). */
	stop(): Promise<void>;
}

function finite(value: number | undefined): number | null | undefined {
	return value === undefined ? undefined : Number.isFinite(value) ? value : null;
}
