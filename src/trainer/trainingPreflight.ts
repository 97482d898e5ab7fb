import * as vscode from 'vscode';
import { basename, sep } from 'node:path';
import { scanTrainingFolder } from '../core/dataset';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { TrainingPlan, planTraining, runInputs } from '../core/training/plan';
import { PreflightOffer, captionErrorsFinding, preflightFindings } from '../core/training/preflight';
import type { TrainerEnvironment } from '../core/training/preflightTrainer';
import { leftFiles } from '../core/training/runArchive';
import type { TrainingFolderService } from '../services/trainingFolders';
import { editSettingsFile } from '../util/settingsFile';
import { TrainerSetup } from './trainerSetup';
import { TrainingRunService } from './trainingRun';
import { countOf } from '../core/plural';

export interface PreflightResult {
	root: string;
	/** Problems that stop the training. */
	errors: string[];
	/** Things to confirm before training. */
	warnings: string[];
	/** What will happen that the user should know, without asking (shown in the terminal and beside warnings). */
	notes: string[];
	/** Fixes offered beside the warnings (a button in the dialog). */
	offers?: PreflightOffer[];
	/** The plan these checks were made on; it is the one that runs when the user goes ahead. */
	plan?: TrainingPlan;
}

export interface PreflightServices {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
	readonly trainingRuns: TrainingRunService;
	readonly trainerSetup: TrainerSetup;
}

function isInside(path: string, root: string): boolean {
	return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The checks before a training, shared by every way in (command, tree button, task): builds the one plan,
 * runs the core checks on it (the CLI runs the same ones), adds what only the editor knows (lint errors in
 * Problems, the queue), and asks the user once.
 */
export class TrainingPreflight {
	/** For tests: how many times the checks ran, per folder. */
	public readonly checkCounts = new Map<string, number>();

	constructor(private readonly services: PreflightServices) {}

	/** Builds the run plan from the folder, its settings and the trainer setup; errors say what to fix. */
	private async prepare(root: string): Promise<{ plan?: TrainingPlan; errors: string[]; environment?: TrainerEnvironment }> {
		if (!vscode.workspace.isTrusted) {
			return { errors: ['training is off in untrusted workspaces: trust this folder first (Manage Workspace Trust)'] };
		}
		const setup = await this.services.trainerSetup.report();
		if (!setup.ready || !setup.sdScriptsDir || !setup.launcher) {
			return { errors: setup.items.filter((i) => !i.ok && i.blocking).map((i) => `${i.id}: ${i.fix ?? i.detail}`) };
		}
		const plan = planTraining(await this.folder(root), { gpu: { bf16: setup.bf16 }, sdScriptsDir: setup.sdScriptsDir, launcher: setup.launcher });
		const gpus = setup.probe?.gpus ?? [];
		// The smallest GPU decides: every process holds a whole copy of the model.
		const memory = gpus.length ? Math.min(...gpus.map((g) => g.memoryMiB)) : undefined;
		return { plan, errors: [], environment: {
			gpuCount: gpus.length, gpuNames: gpus.map((g) => g.name), packages: setup.probe?.packages,
			sdScriptsDir: setup.sdScriptsDir, sdScriptsVersion: setup.version, gpuMemoryMiB: memory,
		} };
	}

	private async folder(root: string) {
		await this.services.trainingFolders.ready();
		return this.services.trainingFolders.get(root) ?? await scanTrainingFolder(root);
	}

	public async check(root: string): Promise<PreflightResult> {
		this.checkCounts.set(root, (this.checkCounts.get(root) ?? 0) + 1);
		await this.services.trainingFolders.refresh(root);
		const folder = await this.folder(root);
		const missing = folder.warnings.find((w) => w.code === 'folder-missing');
		if (missing) {
			return { root, errors: [missing.message], warnings: [], notes: [], offers: [] };
		}
		const prepared = await this.prepare(root);
		const errors = [...prepared.errors];
		// Caption problems only: the training's own logs and outputs (trainer errors shown in Problems) are not lint.
		const trainerDirs = prepared.plan ? [prepared.plan.files.logDir, prepared.plan.files.outputDir] : [];
		const lintErrors = vscode.languages.getDiagnostics()
			// lora-workbench.yaml's own problems are settings: the checks below list them as warnings.
			.filter(([uri]) => uri.scheme === 'file' && isInside(uri.fsPath, root) && !trainerDirs.some((dir) => isInside(uri.fsPath, dir)) && basename(uri.fsPath) !== SETTINGS_FILE_NAME)
			.flatMap(([uri, diagnostics]) => diagnostics
				.filter((d) => d.source === 'lora' && d.severity === vscode.DiagnosticSeverity.Error)
				.map((d) => ({ path: uri.fsPath.slice(root.length + 1), line: d.range.start.line + 1, message: d.message })));
		const lintFinding = captionErrorsFinding(lintErrors, 'in Problems');
		if (lintFinding) {
			errors.push(lintFinding);
		}
		const findings = await preflightFindings(folder, prepared.plan, { archivesPreviousRun: true, environment: prepared.environment });
		const notes = [...findings.notes];
		if (prepared.plan) {
			const { outputDir, outputName } = prepared.plan.files;
			const left = await leftFiles(outputDir, outputName, runInputs(prepared.plan));
			if (left.outputs.length || left.samples.length) {
				notes.push(`${countOf(left.outputs.length, 'checkpoint or state folder', 'checkpoints or state folders')} and ${countOf(left.samples.length, 'sample')} of the previous run named ${outputName} in ${basename(outputDir)}/ move into that run's folder under ${basename(outputDir)}/runs/ when this run starts, so the runs never mix`);
			}
		}
		for (const error of findings.errors) {
			if (!errors.includes(error)) {
				errors.push(error);
			}
		}
		const warnings = [...findings.warnings];
		const runs = this.services.trainingRuns;
		const busy = [runs.active, ...runs.queued].filter((r) => r !== undefined);
		if (busy.length && errors.length === 0) {
			const same = busy.some((r) => r.folderRoot === root);
			warnings.push(`${runs.active?.label ?? busy[0].label} is training now; this one waits in the queue behind ${countOf(busy.length, 'training')}${same ? ' (this folder is among them; each run keeps its own checkpoints)' : ''}`);
		}
		const result: PreflightResult = { root, errors, warnings, notes, offers: findings.offers, plan: errors.length ? undefined : prepared.plan };
		this.services.log.info(`Preflight for ${root}: ${countOf(errors.length, 'error')}, ${countOf(warnings.length, 'warning')}`);
		errors.forEach((e) => this.services.log.error(`  ${e}`));
		warnings.forEach((w) => this.services.log.warn(`  ${w}`));
		notes.forEach((n) => this.services.log.info(`  ${n}`));
		return result;
	}

	/**
	 * Says what the checks found: errors in a notification (the training does not start), warnings in one modal
	 * dialog with the fixes on offer as buttons. 'train' when the training goes ahead, or the offer picked.
	 */
	public async confirm(result: PreflightResult, skipConfirm = false): Promise<'train' | 'cancel' | PreflightOffer> {
		const name = basename(result.root);
		if (result.errors.length || !result.plan) {
			const actions = ['Show Details', 'Show Problems', 'Check Trainer Setup'];
			void vscode.window.showErrorMessage(`Cannot train ${name}: ${result.errors[0] ?? 'no run plan'}${result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : ''}`, ...actions).then((choice) => {
				if (choice === 'Show Details') { this.services.log.show(); }
				if (choice === 'Show Problems') { void vscode.commands.executeCommand('workbench.actions.view.problems'); }
				if (choice === 'Check Trainer Setup') { void vscode.commands.executeCommand('loraWorkbench.checkTrainerSetup'); }
			});
			return 'cancel';
		}
		if (result.warnings.length && !skipConfirm) {
			const offers: { title: string; offer: PreflightOffer | 'train' }[] = (result.offers ?? []).map((offer) => ({ title: OFFER_TITLES[offer], offer }));
			const choice = await vscode.window.showWarningMessage<{ title: string; offer: PreflightOffer | 'train' }>(`Train ${name}?`, { modal: true, detail: [...result.warnings, ...result.notes].map((w) => `• ${w}`).join('\n') },
				...offers, { title: 'Train Anyway', offer: 'train' });
			return choice?.offer ?? 'cancel';
		}
		return 'train';
	}

	/**
	 * Check, ask, and when the user takes a fix (turn buckets on), apply it and check again: the plan that comes
	 * back with `go` is the one the user saw last.
	 */
	public async decide(root: string, options: DecideOptions = {}): Promise<{ result: PreflightResult; go: boolean }> {
		const check = options.check ?? (() => this.check(root));
		const applied = new Set<PreflightOffer>();
		for (;;) {
			const result = await check();
			const pending = options.applyOffers?.find((o) => result.offers?.includes(o) && !applied.has(o));
			const answer = pending ?? await this.confirm(result, options.skipConfirm);
			if (answer === 'train' || answer === 'cancel' || applied.has(answer)) {
				return { result, go: answer === 'train' };
			}
			applied.add(answer);
			await this.apply(root, answer);
		}
	}

	private async apply(root: string, offer: PreflightOffer): Promise<void> {
		if (offer === 'enable-buckets') {
			await editSettingsFile(root, [{ path: ['training', 'enableBucket'], value: true }], 'Turn on buckets');
			this.services.log.info(`${root}: training.enableBucket set to true (from the preflight)`);
		}
		await this.services.trainingFolders.refresh(root);
	}
}

const OFFER_TITLES: Record<PreflightOffer, string> = {
	'enable-buckets': 'Turn On Buckets and Train',
};

export interface DecideOptions {
	/** Start despite warnings without asking (tests, and "Train Anyway" already chosen). */
	skipConfirm?: boolean;
	/** Fixes to apply as if the user had picked them (tests). */
	applyOffers?: PreflightOffer[];
	/** The checks, wrapped (e.g. in a progress indicator). */
	check?: () => PromiseLike<PreflightResult>;
}
