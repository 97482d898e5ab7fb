import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EpochMark, LossPoint, LossRunStatus } from '../core/protocol/lossPanel';
import type { TrainerEvent } from '../core/trainerLog/events';
import { historyRecord, historyRunId, SeriesBuilder } from '../core/trainerLog/history';
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
}

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
		const exit = run.onDidExit((result) => {
			handle(parser.end());
			watched.exit = result;
			watched.status = result.signal || stoppedByUser(watched.run) ? 'stopped' : result.code === 0 && !fatalError(watched.progress) ? 'finished' : 'failed';
			this.written.set(id, ready.then(() => {
				writer.append({ type: 'exit', code: result.code, signal: result.signal, at: Date.now() });
				return writer.flush();
			}));
			output.dispose();
			exit.dispose();
			this.updateEmitter.fire({ run: watched, events: [], points: [], marks: [] });
		});
		this.register(output);
		this.register(exit);
		this.log.info(`Watching training run ${id}; loss history in ${historyFile}`);
		this.startEmitter.fire(watched);
		this.updateEmitter.fire({ run: watched, events: [], points: [], marks: [] });
		return watched;
	}
}

function finite(value: number | undefined): number | null | undefined {
	return value === undefined ? undefined : Number.isFinite(value) ? value : null;
}
