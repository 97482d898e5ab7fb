import * as vscode from 'vscode';
import { fatalError, formatDuration, progressParts } from '../core/trainerLog/progress';
import { Disposable } from '../util/dispose';
import type { RunHistory, WatchedRun } from './runHistory';

/** No output for this long while training: the status bar says the run looks stalled (the trainer's setting). */
function stallMs(): number {
	return vscode.workspace.getConfiguration('loraWorkbench').get<number>('trainerStallSeconds', 180) * 1000;
}
/** A finished or failed run stays on the status bar this long, then the item hides (idle). */
const LINGER_MS = 10 * 60 * 1000;
const TICK_MS = 15 * 1000;

/** The status-bar text for a run: `$(sync~spin) 3mm4w4ts0n · epoch 3/10 · 540/1500 · loss 0.102 · 5:12 left`. */
export function statusText(run: WatchedRun, now = Date.now(), stallAfterMs = stallMs()): string {
	const name = run.run.outputName;
	const parts = progressParts(run.progress);
	switch (run.status) {
		case 'running': {
			const quiet = now - run.lastOutputAt;
			if (quiet >= stallAfterMs) {
				return [`$(warning) ${name}`, `no output for ${formatDuration(quiet / 1000)}`, ...parts.filter((p) => !p.endsWith(' left'))].join(' · ');
			}
			return [`$(sync~spin) ${name}`, ...(parts.length > 0 ? parts : ['starting…'])].join(' · ');
		}
		case 'finished':
			return [`$(check) ${name}`, 'finished', ...parts].join(' · ');
		case 'stopped':
			return [`$(debug-stop) ${name}`, 'stopped', ...parts].join(' · ');
		default: {
			const error = fatalError(run.progress);
			const why = error ? shortReason(error.code, error.message) : run.exit ? `exit code ${run.exit.code}` : 'failed';
			return [`$(error) ${name}`, `failed: ${why}`, ...parts.filter((p) => !p.endsWith(' left'))].join(' · ');
		}
	}
}

function shortReason(code: string, message: string): string {
	switch (code) {
		case 'cuda-oom': return 'CUDA out of memory';
		case 'no-data': return 'no data found';
		case 'nan-loss': return 'loss is NaN';
		default: return message.length > 60 ? `${message.slice(0, 57)}…` : message;
	}
}

/** The training status bar item: follows the newest run, opens the loss panel on click, hidden when idle. */
export class TrainingStatusItem extends Disposable {
	private readonly item = this.register(vscode.window.createStatusBarItem('loraWorkbench.training', vscode.StatusBarAlignment.Left, 50));
	private current: WatchedRun | undefined;
	private endedAt: number | undefined;
	private readonly tick: NodeJS.Timeout;

	public static register(history: RunHistory): TrainingStatusItem {
		return new TrainingStatusItem(history);
	}

	private constructor(history: RunHistory) {
		super();
		this.item.name = 'LoRA Training';
		this.item.command = 'loraWorkbench.showLossPanel';
		this.register(history.onDidUpdate(({ run, source }) => {
			if (source === 'tensorboard') {
				return; // chart points only; a late read after the exit must not bring back a run the queue moved past
			}
			this.current = run;
			this.endedAt = run.status === 'running' ? undefined : (this.endedAt ?? Date.now());
			this.render();
		}));
		this.tick = setInterval(() => this.render(), TICK_MS);
		this.register({ dispose: () => clearInterval(this.tick) });
	}

	/** For tests: what the item shows now, or undefined when hidden. */
	public get visibleText(): string | undefined {
		return this.current && !this.lingeredOut() ? this.item.text : undefined;
	}

	private lingeredOut(): boolean {
		return this.endedAt !== undefined && Date.now() - this.endedAt > LINGER_MS;
	}

	private render(): void {
		const run = this.current;
		if (!run || this.lingeredOut()) {
			this.item.hide();
			return;
		}
		this.item.text = statusText(run);
		const error = fatalError(run.progress);
		this.item.tooltip = new vscode.MarkdownString(`**${run.label}**\n\n${error ? `${error.message}\n\n${error.advice}\n\n` : ''}Click to show the loss curves.`);
		this.item.backgroundColor = run.status === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground')
			: run.status === 'running' && Date.now() - run.lastOutputAt >= stallMs() ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
		this.item.show();
	}
}
