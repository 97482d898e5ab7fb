import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ErrorEvent } from '../core/trainerLog/events';
import { Disposable } from '../util/dispose';
import { RunHistory, WatchedRun, stoppedByUser } from './runHistory';

export const SETTINGS_FILE = 'lora-workbench.yaml';

/**
 * Training errors in Problems (source `lora`) and as a notification. They sit on the run's console log when it
 * keeps one (at the line that says it), else on the training folder's settings file, where the fix goes.
 */
export class TrainingProblems extends Disposable {
	private readonly collection = this.register(vscode.languages.createDiagnosticCollection('loraTraining'));
	private readonly byRun = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
	/** For tests: the notifications shown, newest last. */
	public readonly notifications: string[] = [];

	public static register(history: RunHistory): TrainingProblems {
		return new TrainingProblems(history);
	}

	private constructor(history: RunHistory) {
		super();
		this.register(history.onDidStartWatching((run) => this.clearFolder(run)));
		this.register(history.onDidUpdate(({ run, events }) => {
			const errors = events.filter((e): e is ErrorEvent => e.type === 'error');
			if (errors.length > 0 && !stoppedByUser(run.run)) {
				void this.report(run, errors);
			}
		}));
	}

	/** A new run in a folder replaces the previous run's problems there. */
	private clearFolder(run: WatchedRun): void {
		for (const [id, entry] of this.byRun) {
			if (entry.uri.fsPath === this.targetOf(run).fsPath || entry.uri.fsPath.startsWith(run.run.folderRoot)) {
				this.collection.delete(entry.uri);
				this.byRun.delete(id);
			}
		}
	}

	private targetOf(run: WatchedRun): vscode.Uri {
		return vscode.Uri.file(run.run.logFile ?? join(run.run.folderRoot, SETTINGS_FILE));
	}

	private async report(run: WatchedRun, errors: ErrorEvent[]): Promise<void> {
		const uri = this.targetOf(run);
		const entry = this.byRun.get(run.id) ?? { uri, diagnostics: [] };
		this.byRun.set(run.id, entry);
		const logLines = run.run.logFile ? await readLines(run.run.logFile) : undefined;
		for (const error of errors) {
			// accelerate's wrapper repeats an error already listed: one entry, with the exit status added
			const same = entry.diagnostics.find((d) => d.message.startsWith(error.message));
			if (same) {
				continue;
			}
			const line = logLines ? findLine(logLines, error.message) : 0;
			const range = new vscode.Range(line, 0, line, logLines?.[line]?.length ?? 0);
			const text = `${error.message}\n${error.advice}${error.step !== undefined ? ` (step ${error.step}${error.epoch !== undefined ? `, epoch ${error.epoch}` : ''})` : ''}`;
			const diagnostic = new vscode.Diagnostic(range, text, error.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
			diagnostic.source = 'lora';
			diagnostic.code = `training/${error.code}`;
			entry.diagnostics.push(diagnostic);
			this.notify(run, error);
		}
		this.collection.set(uri, entry.diagnostics);
	}

	private notify(run: WatchedRun, error: ErrorEvent): void {
		const text = `Training ${run.run.outputName}: ${error.message} ${error.advice}`;
		this.notifications.push(text);
		const show = error.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
		void show(text, 'Show Problems', 'Show Loss Curves').then((choice) => {
			if (choice === 'Show Problems') {
				void vscode.commands.executeCommand('workbench.actions.view.problems');
			} else if (choice === 'Show Loss Curves') {
				void vscode.commands.executeCommand('loraWorkbench.showLossPanel');
			}
		});
	}
}

async function readLines(file: string): Promise<string[] | undefined> {
	try {
		return (await fs.readFile(file, 'utf8')).split(/\r\n|\r|\n/);
	} catch {
		return undefined;
	}
}

/** The last line that contains the start of the message (the log may repeat it; the last one is this run's). */
function findLine(lines: string[], message: string): number {
	const needle = message.slice(0, 60);
	for (let i = lines.length - 1; i >= 0; i--) {
		if (lines[i].includes(needle)) {
			return i;
		}
	}
	return Math.max(0, lines.length - 1);
}
