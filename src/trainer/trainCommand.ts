import * as vscode from 'vscode';
import { basename, sep } from 'node:path';
import type { TrainingFolderService } from '../providers/trainingFolders';
import { Disposable } from '../util/dispose';
import { LoraTaskProvider } from './loraTaskProvider';
import { TrainerSetup } from './trainerSetup';
import { TrainingRun, TrainingRunService } from './trainingRun';

export interface PreflightResult {
	root: string;
	/** Problems that stop the training. */
	errors: string[];
	/** Things to confirm before training. */
	warnings: string[];
}

export interface TrainResult extends PreflightResult {
	started: boolean;
	run?: TrainingRun;
}

export interface TrainOptions {
	/** Start despite warnings without asking (tests, and "Train Anyway" already chosen). */
	skipConfirm?: boolean;
}

interface Services {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
	readonly trainingRuns: TrainingRunService;
	readonly trainerSetup: TrainerSetup;
	readonly loraTasks: LoraTaskProvider;
}

function isInside(path: string, root: string): boolean {
	return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * "LoRA: Train LoRA": checks everything that would waste a GPU hour (lint errors, missing captions, the step
 * total against the guide, the GPU, checkpoints that would be overwritten), shows one summary, then starts the
 * `lora` train task, which queues behind a running training.
 */
export class TrainCommand extends Disposable {
	constructor(private readonly services: Services) {
		super();
		this.register(vscode.commands.registerCommand('loraWorkbench.trainLora', (target?: unknown, options?: TrainOptions) => this.train(target, options)));
		this.register(vscode.commands.registerCommand('loraWorkbench.stopTraining', () => this.stop()));
	}

	public static register(services: Services): TrainCommand {
		return new TrainCommand(services);
	}

	private async pickRoot(target: unknown): Promise<string | undefined> {
		await this.services.trainingFolders.ready();
		if (typeof target === 'string') {
			return target;
		}
		if (target instanceof vscode.Uri) {
			return this.services.trainingFolders.folderOf(target)?.root;
		}
		if (target && typeof target === 'object' && typeof (target as { root?: unknown }).root === 'string') {
			return (target as { root: string }).root;
		}
		const editor = vscode.window.activeTextEditor?.document.uri;
		const fromEditor = editor && this.services.trainingFolders.folderOf(editor);
		if (fromEditor) {
			return fromEditor.root;
		}
		const folders = this.services.trainingFolders.folders();
		if (folders.length <= 1) {
			return folders[0]?.root;
		}
		const picked = await vscode.window.showQuickPick(folders.map((f) => ({ label: basename(f.root), description: f.trigger, detail: f.root, root: f.root })), { title: 'Train which training folder?' });
		return picked?.root;
	}

	public async preflight(root: string): Promise<PreflightResult> {
		const errors: string[] = [];
		const warnings: string[] = [];
		await this.services.trainingFolders.refresh(root);
		const prepared = await this.services.loraTasks.prepare(root);
		errors.push(...prepared.errors);
		const folder = this.services.trainingFolders.get(root);
		// Caption problems only: the training's own logs and outputs (trainer errors shown in Problems) are not lint.
		const trainerDirs = prepared.plan ? [prepared.plan.files.logDir, prepared.plan.files.outputDir] : [];
		const lintErrors = vscode.languages.getDiagnostics()
			.filter(([uri]) => uri.scheme === 'file' && isInside(uri.fsPath, root) && !trainerDirs.some((dir) => isInside(uri.fsPath, dir)))
			.flatMap(([uri, diagnostics]) => diagnostics
				.filter((d) => d.source === 'lora' && d.severity === vscode.DiagnosticSeverity.Error)
				.map((d) => `${uri.fsPath.slice(root.length + 1)}:${d.range.start.line + 1}: ${d.message}`));
		if (lintErrors.length) {
			errors.push(`${lintErrors.length} caption error(s) in Problems, e.g. ${lintErrors.slice(0, 3).join('; ')}`);
		}
		if (folder) {
			for (const problem of folder.warnings.filter((w) => w.severity === 'error')) {
				if (!errors.includes(problem.message)) {
					errors.push(problem.message);
				}
			}
			const uncaptioned = folder.subsets.filter((s) => !s.isReg).flatMap((s) => s.images.filter((i) => !i.hasCaption));
			if (uncaptioned.length) {
				warnings.push(`${uncaptioned.length} image(s) have no caption; sd-scripts trains them on the folder's class tokens only (e.g. ${uncaptioned.slice(0, 2).map((i) => i.name).join(', ')})`);
			}
			for (const check of folder.checks.filter((c) => c.code === 'total-steps' && !c.ok)) {
				warnings.push(check.message);
			}
		}
		if (prepared.plan) {
			for (const path of prepared.plan.overwrites) {
				warnings.push(`${path} exists and would be overwritten`);
			}
			for (const problem of prepared.plan.settingsProblems) {
				warnings.push(`lora-workbench.yaml: ${problem.message}`);
			}
		}
		const active = this.services.trainingRuns.active;
		if (active && errors.length === 0) {
			warnings.push(`${active.label} is training now; this one waits in the queue (${this.services.trainingRuns.queued.length} already waiting)`);
		}
		return { root, errors, warnings };
	}

	public async train(target?: unknown, options: TrainOptions = {}): Promise<TrainResult | undefined> {
		if (!vscode.workspace.isTrusted) {
			void vscode.window.showWarningMessage('Training is off in untrusted workspaces: trust this folder to train.');
			return undefined;
		}
		const root = await this.pickRoot(target);
		if (!root) {
			void vscode.window.showWarningMessage('No training folder to train: open a folder with images/<repeats>_<trigger> <class>/ or run "LoRA: New Training Folder".');
			return undefined;
		}
		const result = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Window, title: 'LoRA: checking before training' },
			() => this.preflight(root),
		);
		const name = basename(root);
		this.services.log.info(`Preflight for ${root}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)`);
		result.errors.forEach((e) => this.services.log.error(`  ${e}`));
		result.warnings.forEach((w) => this.services.log.warn(`  ${w}`));
		if (result.errors.length) {
			const actions = ['Show Details', 'Show Problems', 'Check Trainer Setup'];
			void vscode.window.showErrorMessage(`Cannot train ${name}: ${result.errors[0]}${result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : ''}`, ...actions).then((choice) => {
				if (choice === 'Show Details') { this.services.log.show(); }
				if (choice === 'Show Problems') { void vscode.commands.executeCommand('workbench.actions.view.problems'); }
				if (choice === 'Check Trainer Setup') { void vscode.commands.executeCommand('loraWorkbench.checkTrainerSetup'); }
			});
			return { ...result, started: false };
		}
		if (result.warnings.length && !options.skipConfirm) {
			const choice = await vscode.window.showWarningMessage(`Train ${name}?`, { modal: true, detail: result.warnings.map((w) => `• ${w}`).join('\n') }, 'Train Anyway');
			if (choice !== 'Train Anyway') {
				return { ...result, started: false };
			}
		}
		const run = await this.startTask(root);
		return { ...result, started: run !== undefined, run };
	}

	/** Starts the task and resolves with the run its terminal queued. */
	private async startTask(root: string): Promise<TrainingRun | undefined> {
		const started = new Promise<TrainingRun | undefined>((resolve) => {
			const timer = setTimeout(() => { listener.dispose(); resolve(undefined); }, 60_000);
			const listener = this.services.loraTasks.onDidStartTaskRun((run) => {
				if (run.folderRoot === root) {
					clearTimeout(timer);
					listener.dispose();
					resolve(run);
				}
			});
		});
		await vscode.tasks.executeTask(this.services.loraTasks.trainTask(root));
		return started;
	}

	private async stop(): Promise<void> {
		const runs = this.services.trainingRuns;
		const candidates = [runs.active, ...runs.queued].filter((r): r is TrainingRun => r !== undefined);
		if (candidates.length === 0) {
			void vscode.window.showInformationMessage('No training is running or waiting.');
			return;
		}
		const picked = candidates.length === 1 ? candidates[0] : (await vscode.window.showQuickPick(
			candidates.map((run) => ({ label: run.label, description: run === runs.active ? 'training now' : 'waiting', detail: run.folderRoot, run })),
			{ title: 'Stop which training?' },
		))?.run;
		await picked?.stop();
	}
}
