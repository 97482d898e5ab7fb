import * as vscode from 'vscode';
import { ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs, WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chosenName } from '../core/checkpoints/checkpointRuns';
import { SETTINGS_FILE_NAME } from '../core/settings';
import type { ErrorEvent, TrainerEvent } from '../core/trainerLog/events';
import type { TrainerConsoleParser } from '../core/training/backend';
import { TrainingPlan, runInputs } from '../core/training/plan';
import { ArchivedRun, archivePreviousRun } from '../core/training/runArchive';
import { TensorBoardTarget, tensorBoardTarget, timestamp, writeRunFiles } from '../core/training/runFiles';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';
import { spawnTree, stopTree } from './processTree';
import { countOf } from '../core/plural';

export type RunState = 'queued' | 'running' | 'stopping' | 'finished' | 'failed' | 'stopped' | 'cancelled';

export interface RunExit {
	code: number | null;
	signal: string | null;
}

/**
 * One training: waits in the queue, writes its run files, runs the plan's command (`accelerate launch ... <script>`) as a
 * process tree, and reports its output exactly as printed. Consumed by the task terminal, the status bar and
 * the loss panel (src/trainer/runHistory.ts reads it as a WatchableRun).
 */
export class TrainingRun extends Disposable {
	private static nextId = 1;
	public readonly id = TrainingRun.nextId++;
	public readonly folderRoot: string;
	public readonly outputDir: string;
	public readonly logDir: string;
	public readonly outputName: string;
	/** The console log, as printed, kept beside the TensorBoard logs. */
	public readonly logFile: string;
	/** Where sd-scripts writes the TensorBoard events (the loss panel reads the learning rate there). */
	public readonly tensorBoard: TensorBoardTarget | undefined;
	public readonly label: string;

	private readonly outputEmitter = this.register(new vscode.EventEmitter<string>());
	/** Text chunks exactly as the trainer printed them (stdout and stderr interleaved, `\r` kept). */
	public readonly onDidOutput = this.outputEmitter.event;
	private readonly exitEmitter = this.register(new vscode.EventEmitter<RunExit>());
	public readonly onDidExit = this.exitEmitter.event;
	private readonly stateEmitter = this.register(new vscode.EventEmitter<RunState>());
	public readonly onDidChangeState = this.stateEmitter.event;
	private readonly stallEmitter = this.register(new vscode.EventEmitter<boolean>());
	/** True when the trainer has printed nothing for the stall time (shown as stalled, not as progress). */
	public readonly onDidChangeStalled = this.stallEmitter.event;

	private currentState: RunState = 'queued';
	private child: ChildProcess | undefined;
	private logStream: WriteStream | undefined;
	private stallTimer: NodeJS.Timeout | undefined;
	private stalledNow = false;
	private exitInfo: RunExit | undefined;
	private readonly exited: Promise<RunExit>;
	private resolveExit!: (exit: RunExit) => void;
	/** Reads the output as it comes for failures the exit code hides ("No data found" exits with 0); the plan's backend parses it. */
	private readonly parser: TrainerConsoleParser;
	private fatalError: ErrorEvent | undefined;
	/** Where the files of the run before this one went when this one started (undefined: there were none). */
	public archived: ArchivedRun | undefined;
	public lastOutputAt = 0;
	public startedAt: number | undefined;

	constructor(public readonly plan: TrainingPlan, private readonly stallSeconds: () => number) {
		super();
		this.folderRoot = plan.root;
		this.outputDir = plan.files.outputDir;
		this.logDir = plan.files.logDir;
		this.outputName = plan.files.outputName;
		this.tensorBoard = tensorBoardTarget(plan.files);
		this.logFile = join(plan.files.logDir, `${plan.files.outputName}-${timestamp(new Date())}-${this.id}.console.log`);
		this.label = plan.files.outputName;
		this.parser = plan.backend.createParser();
		this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
	}

	public get state(): RunState {
		return this.currentState;
	}

	public get stalled(): boolean {
		return this.stalledNow;
	}

	public get exit(): RunExit | undefined {
		return this.exitInfo;
	}

	/** The error that ended the run, as the trainer printed it; set even when the process exited with 0. */
	public get failure(): ErrorEvent | undefined {
		return this.fatalError;
	}

	public get pid(): number | undefined {
		return this.child?.pid;
	}

	/** Resolves when the run is over (finished, failed, stopped, or cancelled while queued). */
	public whenExited(): Promise<RunExit> {
		return this.exited;
	}

	private setState(state: RunState): void {
		this.currentState = state;
		this.stateEmitter.fire(state);
	}

	/** Called by the service when it is this run's turn. Resolves when the process has exited. */
	public async start(): Promise<void> {
		if (this.currentState !== 'queued') {
			return;
		}
		this.setState('running');
		this.startedAt = Date.now();
		let archived: ArchivedRun | undefined;
		try {
			// Only now, when it is this run's turn: a run of the same folder queued before it has written its files.
			archived = await archivePreviousRun(this.outputDir, this.outputName, this.plan.files.runFilesDir, runInputs(this.plan));
			await writeRunFiles(this.plan.files);
			await fs.mkdir(this.logDir, { recursive: true });
			await fs.mkdir(this.outputDir, { recursive: true });
		} catch (err) {
			this.emitText(`LoRA Workbench: the run could not be prepared: ${err instanceof Error ? err.message : String(err)}. Move or delete the files named there and train again.\n`);
			this.finish({ code: 1, signal: null });
			return;
		}
		this.archived = archived;
		this.logStream = createWriteStream(this.logFile, { flags: 'a' });
		if (archived) {
			this.emitText(`LoRA Workbench: the previous run's checkpoints, state folders and samples named ${this.outputName} (${countOf(archived.moved.length, 'file or folder', 'files and folders')}) moved to ${archived.dir}\n`);
			await this.followChosen(archived);
		}
		const { command, args } = this.plan.command;
		const child = spawnTree(command, args, {
			cwd: this.plan.root,
			stdio: ['ignore', 'pipe', 'pipe'],
			// Unbuffered UTF-8 so progress arrives as printed; wide columns so rich does not wrap log lines.
			env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', COLUMNS: '200' },
		});
		this.child = child;
		const stdout = new TextDecoder('utf-8');
		const stderr = new TextDecoder('utf-8');
		child.stdout?.on('data', (chunk: Buffer) => this.emitText(stdout.decode(chunk, { stream: true })));
		child.stderr?.on('data', (chunk: Buffer) => this.emitText(stderr.decode(chunk, { stream: true })));
		this.armStallTimer();
		await new Promise<void>((resolve) => {
			child.on('error', (err) => {
				this.emitText(`LoRA Workbench: ${command} could not be started (${err.message}). Run "LoRA: Check Trainer Setup".\n`);
				this.finish({ code: 1, signal: null });
				resolve();
			});
			child.on('close', (code, signal) => {
				this.emitText(stdout.decode() + stderr.decode());
				this.finish({ code, signal });
				resolve();
			});
		});
	}

	/** `checkpoints.chosen` names a file of the previous run: it now names that file in its run folder. */
	private async followChosen(archived: ArchivedRun): Promise<void> {
		const modelDir = this.outputDir;
		let chosen: unknown;
		try {
			chosen = (parseYaml(await fs.readFile(join(this.folderRoot, SETTINGS_FILE_NAME), 'utf8')) as { checkpoints?: { chosen?: unknown } } | null)?.checkpoints?.chosen;
		} catch {
			return; // no settings file, or one the user is fixing: nothing recorded to follow
		}
		const moved = archived.moved.find((path) => typeof chosen === 'string' && chosenName(modelDir, join(modelDir, basename(path))) === chosen);
		if (!moved) {
			return;
		}
		try {
			await editSettingsFile(this.folderRoot, [{ path: ['checkpoints', 'chosen'], value: chosenName(modelDir, moved) }], 'Follow the chosen epoch into its run folder');
			this.emitText(`LoRA Workbench: checkpoints.chosen now names ${chosenName(modelDir, moved)}\n`);
		} catch (err) {
			this.emitText(`LoRA Workbench: checkpoints.chosen in ${SETTINGS_FILE_NAME} still names ${String(chosen)}, which is now ${moved} (${err instanceof Error ? err.message : String(err)}); choose it again in the Checkpoints view.\n`);
		}
	}

	private emitText(text: string): void {
		if (!text) {
			return;
		}
		this.lastOutputAt = Date.now();
		if (this.stalledNow) {
			this.stalledNow = false;
			this.stallEmitter.fire(false);
		}
		this.armStallTimer();
		this.logStream?.write(text);
		this.noteErrors(this.parser.feed(text));
		this.outputEmitter.fire(text);
	}

	private noteErrors(events: readonly TrainerEvent[]): void {
		this.fatalError ??= events.find((e): e is ErrorEvent => e.type === 'error' && e.severity === 'error');
	}

	private armStallTimer(): void {
		clearTimeout(this.stallTimer);
		if (this.currentState !== 'running') {
			return;
		}
		this.stallTimer = setTimeout(() => {
			if (this.currentState === 'running') {
				this.stalledNow = true;
				this.stallEmitter.fire(true);
			}
		}, this.stallSeconds() * 1000);
	}

	private finish(exit: RunExit): void {
		if (this.exitInfo) {
			return;
		}
		clearTimeout(this.stallTimer);
		this.exitInfo = exit;
		this.logStream?.end();
		this.noteErrors(this.parser.end());
		// sd-scripts returns normally (exit 0) after "No data found": the printed error decides, not the code.
		const state: RunState = this.currentState === 'stopping' ? 'stopped' : this.currentState === 'queued' ? 'cancelled' : exit.code === 0 && !this.fatalError ? 'finished' : 'failed';
		this.setState(state);
		this.exitEmitter.fire(exit);
		this.resolveExit(exit);
	}

	/** Interrupt, then terminate the whole process tree; a queued run just leaves the queue. */
	public async stop(): Promise<void> {
		if (this.currentState === 'queued') {
			this.finish({ code: null, signal: null });
			return;
		}
		if (this.currentState !== 'running' || !this.child) {
			await this.exited;
			return;
		}
		this.setState('stopping');
		await stopTree(this.child);
		await this.exited;
	}
}

/** `services.trainingRuns`: the queue of trainings; one runs at a time, the rest wait their turn. */
export class TrainingRunService extends Disposable {
	private readonly startEmitter = this.register(new vscode.EventEmitter<TrainingRun>());
	/** Fires when a run's process starts (not when it is queued). */
	public readonly onDidStartRun = this.startEmitter.event;
	private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
	/** Fires when the queue or a run's state changes. */
	public readonly onDidChange = this.changeEmitter.event;
	private readonly waiting: TrainingRun[] = [];
	private current: TrainingRun | undefined;
	private readonly history: TrainingRun[] = [];

	constructor(private readonly log: vscode.LogOutputChannel) {
		super();
		this.register({ dispose: () => { void this.stopAll(); } });
	}

	public get active(): TrainingRun | undefined {
		return this.current;
	}

	public get queued(): readonly TrainingRun[] {
		return this.waiting;
	}

	public get all(): readonly TrainingRun[] {
		return this.history;
	}

	/** Adds a training to the queue; it starts when the runs before it are done. */
	public enqueue(plan: TrainingPlan): TrainingRun {
		const run = new TrainingRun(plan, () => vscode.workspace.getConfiguration('loraWorkbench').get<number>('trainerStallSeconds', 180));
		this.history.push(run);
		this.waiting.push(run);
		run.onDidChangeState((state) => {
			if (state === 'cancelled') {
				const index = this.waiting.indexOf(run);
				if (index !== -1) {
					this.waiting.splice(index, 1);
				}
			}
			this.changeEmitter.fire();
		});
		this.log.info(`Training queued: ${plan.files.outputName} in ${plan.root} (${this.waiting.length} waiting)`);
		this.changeEmitter.fire();
		void this.pump();
		return run;
	}

	/** Position in the queue: 0 = running now, n = n runs ahead of it; undefined when not waiting. */
	public positionOf(run: TrainingRun): number | undefined {
		if (run === this.current) {
			return 0;
		}
		const index = this.waiting.indexOf(run);
		return index === -1 ? undefined : index + (this.current ? 1 : 0);
	}

	private async pump(): Promise<void> {
		if (this.current) {
			return;
		}
		const next = this.waiting.shift();
		if (!next) {
			return;
		}
		this.current = next;
		this.log.info(`Training started: ${next.plan.command.command} ${next.plan.command.args.map((a) => JSON.stringify(a)).join(' ')}`);
		const started = next.start();
		this.startEmitter.fire(next);
		await started;
		this.log.info(`Training ${next.label} ended: ${next.state} (code ${next.exit?.code ?? '-'}, signal ${next.exit?.signal ?? '-'})`);
		this.current = undefined;
		this.changeEmitter.fire();
		void this.pump();
	}

	public async stopAll(): Promise<void> {
		for (const run of [...this.waiting]) {
			await run.stop();
		}
		await this.current?.stop();
	}
}
