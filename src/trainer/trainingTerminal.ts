import * as vscode from 'vscode';
import { formatCommandLines } from '../core/training/launch';
import type { PreflightResult } from './trainingPreflight';
import { TrainingRun, TrainingRunService } from './trainingRun';
import { countOf } from '../core/plural';

/** Terminal line ends: the trainer prints `\n`, a terminal needs `\r\n`; tqdm's lone `\r` redraws stay as they are. */
export function toTerminalText(text: string): string {
	return text.replace(/\r?\n/g, '\r\n');
}

/**
 * The task terminal of one training: queues the run, mirrors its output as printed, and stops it (interrupt,
 * then terminate the process tree) when the task is terminated, the terminal closed, or Ctrl+C pressed.
 */
export class TrainingTerminal implements vscode.Pseudoterminal {
	private readonly writeEmitter = new vscode.EventEmitter<string>();
	public readonly onDidWrite = this.writeEmitter.event;
	private readonly closeEmitter = new vscode.EventEmitter<number>();
	public readonly onDidClose = this.closeEmitter.event;
	private run: TrainingRun | undefined;
	private readonly subscriptions: vscode.Disposable[] = [];
	/** What LoRA Workbench itself printed (not the trainer's output): tests read how a run was reported. */
	public notices = '';

	constructor(
		private readonly runs: TrainingRunService,
		/** The preflight and the user's answer (or the plan the train command already checked). */
		private readonly decide: () => Promise<{ result: Omit<PreflightResult, 'root'>; go: boolean }>,
		private readonly onRun?: (run: TrainingRun, terminal: TrainingTerminal) => void,
	) {}

	private print(text: string): void {
		this.notices += text.replace(/\x1b\[[0-9;]*m/g, '');
		this.writeEmitter.fire(toTerminalText(text));
	}

	public async open(): Promise<void> {
		let checked: Omit<PreflightResult, 'root'>;
		let go = false;
		try {
			({ result: checked, go } = await this.decide());
		} catch (err) {
			checked = { errors: [err instanceof Error ? err.message : String(err)], warnings: [], notes: [] };
		}
		if (!checked.plan || checked.errors.length) {
			this.print(`\x1b[31mLoRA Workbench: the training cannot start:\x1b[0m\n${checked.errors.map((e) => `  - ${e}`).join('\n')}\n`);
			this.closeEmitter.fire(1);
			return;
		}
		const plan = checked.plan;
		if (checked.warnings.length) {
			this.print(`\x1b[33mLoRA Workbench: before training:\x1b[0m\n${checked.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
		}
		for (const note of checked.notes) {
			this.print(`\x1b[2mLoRA Workbench: ${note}\x1b[0m\n`);
		}
		if (!go) {
			this.print('LoRA Workbench: not started.\n');
			this.closeEmitter.fire(1);
			return;
		}
		const run = this.runs.enqueue(plan);
		this.run = run;
		this.onRun?.(run, this);
		this.print(`\x1b[2mLoRA Workbench: training ${plan.files.outputName} from ${plan.root}\n${formatCommandLines(plan.command.command, plan.command.args).split('\n').map((l) => `  ${l}`).join('\n')}\x1b[0m\n`);
		const position = this.runs.positionOf(run);
		if (run.state === 'queued' && position) {
			this.print(`Waiting in the queue: ${countOf(position, 'training')} ahead of this one. Terminate the task to leave the queue.\n`);
		}
		this.subscriptions.push(
			run.onDidOutput((text) => this.writeEmitter.fire(toTerminalText(text))),
			run.onDidChangeStalled((stalled) => {
				if (stalled) {
					this.print(`\n\x1b[33mLoRA Workbench: no output from the trainer for ${Math.round((Date.now() - run.lastOutputAt) / 1000)} s; it may be stalled (stop it with Ctrl+C or Terminate Task).\x1b[0m\n`);
				}
			}),
			run.onDidExit((exit) => {
				const why = run.failure ? `: ${run.failure.message}` : '';
				const how = run.state === 'stopped' ? 'stopped' : run.state === 'cancelled' ? 'left the queue' : run.state === 'finished' ? 'finished' : `failed (exit code ${exit.code ?? '-'}${exit.signal ? `, ${exit.signal}` : ''})${why}`;
				const colour = run.state === 'failed' ? '\x1b[31m' : '\x1b[2m';
				this.print(`\n${colour}LoRA Workbench: training ${how}. Console log: ${run.logFile}\x1b[0m\n`);
				// The task's tick or cross follows the run's state: "No data found" exits 0 and is still a failure.
				const code = run.state === 'finished' ? 0 : run.state === 'failed' ? (exit.code || 1) : (exit.code || 130);
				this.closeEmitter.fire(code);
				this.dispose();
			}),
		);
	}

	public handleInput(data: string): void {
		if (data === '\x03') {
			this.print('^C\nLoRA Workbench: stopping the training...\n');
			void this.run?.stop();
		}
	}

	public close(): void {
		void this.run?.stop();
	}

	private dispose(): void {
		this.subscriptions.forEach((s) => s.dispose());
		this.subscriptions.length = 0;
	}
}
