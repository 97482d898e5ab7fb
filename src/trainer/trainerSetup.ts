import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { SetupReport, checkSetup, installCommands } from '../core/training/setup';
import { Disposable } from '../util/dispose';

/**
 * "LoRA: Check Trainer Setup" and the cached setup report the training commands use. The probe starts Python
 * and imports torch, so the report is kept until the settings change or the user checks again.
 */
export class TrainerSetup extends Disposable {
	private cached: Promise<SetupReport> | undefined;

	constructor(private readonly log: vscode.LogOutputChannel) {
		super();
		this.register(vscode.workspace.onDidChangeConfiguration((e) => {
			if (e.affectsConfiguration('loraWorkbench.sdScriptsPath') || e.affectsConfiguration('loraWorkbench.pythonPath')) {
				this.cached = undefined;
			}
		}));
	}

	public static register(services: { log: vscode.LogOutputChannel }): TrainerSetup {
		const setup = new TrainerSetup(services.log);
		setup.register(vscode.commands.registerCommand('loraWorkbench.checkTrainerSetup', () => setup.showReport()));
		setup.register(vscode.commands.registerCommand('loraWorkbench.installSdScripts', () => setup.guidedInstall()));
		return setup;
	}

	/** The setup report (cached); `fresh` runs the probe again. */
	public report(fresh = false): Promise<SetupReport> {
		if (fresh || !this.cached) {
			const config = vscode.workspace.getConfiguration('loraWorkbench');
			this.cached = checkSetup({
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
		if (!vscode.workspace.isTrusted) {
			void vscode.window.showWarningMessage('Training is off in untrusted workspaces: trust this folder to check and use the trainer.');
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
			void vscode.window.showErrorMessage(`Trainer setup: ${missing.length} problem(s). ${first.id}: ${first.fix ?? first.detail}`, ...actions).then((choice) => {
				if (choice === 'Show Details') { this.log.show(); }
				if (choice === 'Guided Install') { void this.guidedInstall(); }
				if (choice === 'Open Settings') { void vscode.commands.executeCommand('workbench.action.openSettings', 'loraWorkbench.'); }
			});
		}
		return report;
	}

	/**
	 * Opens a terminal in a folder the user picks and runs the install commands there, visibly, one after
	 * another (fixed text; the folder is the terminal's cwd, so no user text goes into a command line).
	 */
	public async guidedInstall(): Promise<void> {
		if (!vscode.workspace.isTrusted) {
			void vscode.window.showWarningMessage('Installing the trainer is off in untrusted workspaces.');
			return;
		}
		const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Install sd-scripts here', title: 'Folder to hold sd-scripts' });
		if (!picked?.[0]) {
			return;
		}
		const commands = installCommands();
		const terminal = vscode.window.createTerminal({ name: 'LoRA: install sd-scripts', cwd: picked[0] });
		terminal.show();
		for (const command of commands) {
			terminal.sendText(command, true);
		}
		void vscode.window.showInformationMessage('The install commands were typed into the terminal. When they are done, set loraWorkbench.sdScriptsPath and run "LoRA: Check Trainer Setup".', 'Open Settings').then((choice) => {
			if (choice) { void vscode.commands.executeCommand('workbench.action.openSettings', 'loraWorkbench.sdScriptsPath'); }
		});
	}
}
