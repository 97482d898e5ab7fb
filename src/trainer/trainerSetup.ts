import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { DEFAULT_BACKEND } from '../core/training/sdScriptsBackend';
import { SetupReport, installCommandLine, installShell } from '../core/training/setup';
import type { TrainingFolderService } from '../services/trainingFolders';
import { Disposable } from '../util/dispose';
import { openSetting } from '../util/openSetting';
import { workspaceTrusted } from '../services/workspaceTrust';
import { countOf } from '../core/plural';

/**
 * "LoRA: Check Trainer Setup" and the cached setup report the training commands use. The probe starts Python
 * and imports torch, so the report is kept until the settings change or the user checks again.
 */
export class TrainerSetup extends Disposable {
	private cached: Promise<SetupReport> | undefined;

	/** For tests: the command line the last guided install typed, and where. */
	public lastInstall: { folder: string; commandLine: string } | undefined;

	constructor(private readonly log: vscode.LogOutputChannel, private readonly trainingFolders?: TrainingFolderService) {
		super();
		this.register(vscode.workspace.onDidChangeConfiguration((e) => {
			if (e.affectsConfiguration('loraWorkbench.sdScriptsPath') || e.affectsConfiguration('loraWorkbench.pythonPath')) {
				this.cached = undefined;
			}
		}));
	}

	public static register(services: { log: vscode.LogOutputChannel; trainingFolders?: TrainingFolderService }): TrainerSetup {
		const setup = new TrainerSetup(services.log, services.trainingFolders);
		setup.register(vscode.commands.registerCommand('loraWorkbench.checkTrainerSetup', () => setup.showReport()));
		// The folder argument lets tests skip the folder dialog.
		setup.register(vscode.commands.registerCommand('loraWorkbench.installSdScripts', (folder?: unknown) => setup.guidedInstall(typeof folder === 'string' ? folder : undefined)));
		return setup;
	}

	/** The setup report (cached); `fresh` runs the probe again. */
	public report(fresh = false): Promise<SetupReport> {
		if (fresh || !this.cached) {
			const config = vscode.workspace.getConfiguration('loraWorkbench');
			// The one trainer today; with several, the backend of the folder's model family (sdScriptsBackend.ts backendFor).
			this.cached = DEFAULT_BACKEND.checkSetup({
				sdScriptsPath: config.get<string>('sdScriptsPath', ''),
				pythonPath: config.get<string>('pythonPath', ''),
				home: homedir(),
			});
			void this.cached.then((r) => this.log.info(`Trainer setup: ${r.items.map((i) => `${i.id} ${i.ok ? 'ok' : 'MISSING'} (${i.detail})`).join('; ')}`));
		}
		return this.cached;
	}

	/** Runs the check and shows it: a summary notification, and the details in the log. */
	public async showReport(): Promise<SetupReport | undefined> {
		if (!workspaceTrusted('Check Trainer Setup')) {
			return undefined;
		}
		const report = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Notification, title: 'LoRA: checking the trainer setup (sd-scripts, Python, torch, GPU)...' },
			() => this.report(true),
		);
		this.log.info('--- Trainer setup ---');
		for (const item of report.items) {
			this.log.info(`${item.ok ? '✓' : '✗'} ${item.id}: ${item.detail}${item.fix ? `\n    fix: ${item.fix}` : ''}`);
		}
		const missing = report.items.filter((i) => !i.ok && i.blocking);
		if (missing.length === 0) {
			const gpu = report.items.find((i) => i.id === 'gpu')?.detail ?? '';
			void vscode.window.showInformationMessage(`Trainer ready: sd-scripts ${report.version ?? ''} with ${gpu}.`, 'Show Details').then((choice) => {
				if (choice) { this.log.show(); }
			});
		} else {
			const first = missing[0];
			const actions = ['Show Details', ...(missing.some((m) => m.id === 'sd-scripts') ? ['Guided Install', 'Open Settings'] : ['Open Settings'])];
			void vscode.window.showErrorMessage(`Trainer setup: ${countOf(missing.length, 'problem')}. ${first.id}: ${first.fix ?? first.detail}`, ...actions).then((choice) => {
				if (choice === 'Show Details') { this.log.show(); }
				if (choice === 'Guided Install') { void this.guidedInstall(); }
				if (choice === 'Open Settings') { void openSetting(missing.some((m) => m.id === 'python') && !missing.some((m) => m.id === 'sd-scripts') ? 'pythonPath' : 'sdScriptsPath'); }
			});
		}
		return report;
	}

	/**
	 * Opens a terminal in a folder the user picks and types the install as one command line that stops at the first
	 * step that fails (fixed text; the folder is the terminal's cwd, so no user text goes into a command line).
	 * Never into a training folder (the clone and the venv would land among the images) nor over an sd-scripts there.
	 */
	public async guidedInstall(folder?: string): Promise<boolean> {
		if (!workspaceTrusted('Installing sd-scripts')) {
			return false;
		}
		const target = folder ?? (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Install sd-scripts here', title: 'Folder to hold sd-scripts (not a training folder)' }))?.[0]?.fsPath;
		if (!target) {
			return false;
		}
		const problem = this.installProblem(target);
		if (problem) {
			void vscode.window.showErrorMessage(problem);
			return false;
		}
		const commandLine = installCommandLine();
		const terminal = vscode.window.createTerminal({ name: 'LoRA: install sd-scripts', cwd: target, shellPath: installShell() });
		terminal.show();
		terminal.sendText(commandLine, true);
		this.lastInstall = { folder: target, commandLine };
		this.log.info(`Guided install in ${target}: ${commandLine}`);
		void vscode.window.showInformationMessage(`The install runs in the terminal in ${target} and stops at the first step that fails. When it is done, set loraWorkbench.sdScriptsPath to ${join(target, 'sd-scripts')} and run "LoRA: Check Trainer Setup".`, 'Open Settings').then((choice) => {
			if (choice) { void openSetting('sdScriptsPath'); }
		});
		return true;
	}

	private installProblem(target: string): string | undefined {
		const training = this.trainingFolders?.folderOf(vscode.Uri.file(target)) ?? this.trainingFolders?.get(target);
		if (training || existsSync(join(target, SETTINGS_FILE_NAME)) || existsSync(join(target, 'images'))) {
			return `${target} is ${training && training.root !== target ? `inside the training folder ${training.root}` : 'a training folder'}: sd-scripts and its Python environment would land among your images. Pick a folder outside it, e.g. your home folder.`;
		}
		if (existsSync(join(target, 'sd-scripts'))) {
			return `${join(target, 'sd-scripts')} exists already: set loraWorkbench.sdScriptsPath to it and run "LoRA: Check Trainer Setup", or pick another folder for a fresh install.`;
		}
		return undefined;
	}
}
