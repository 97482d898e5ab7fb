import * as vscode from 'vscode';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import { Disposable } from '../util/dispose';
import type { TrainingPlan } from '../core/training/plan';
import { LoraTaskProvider } from './loraTaskProvider';
import { DecideOptions, PreflightResult, TrainingPreflight } from './trainingPreflight';
import { TrainingRun, TrainingRunService } from './trainingRun';
import { workspaceTrusted } from '../services/workspaceTrust';

export type { PreflightResult } from './trainingPreflight';

export interface TrainResult extends PreflightResult {
	started: boolean;
	run?: TrainingRun;
}

export type TrainOptions = Pick<DecideOptions, 'skipConfirm' | 'applyOffers'>;

interface Services {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
	readonly trainingRuns: TrainingRunService;
	readonly preflight: TrainingPreflight;
	readonly loraTasks: LoraTaskProvider;
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

	/** A root named by the target is trained even when the watcher has not found it yet (the preflight checks it). */
	private async pickRoot(target: unknown): Promise<string | undefined> {
		const folder = await pickTrainingFolder(this.services.trainingFolders, target, { title: 'Train which training folder?', fromActiveEditor: true, scanUnknown: true });
		return folder?.root;
	}

	public preflight(root: string): Promise<PreflightResult> {
		return this.services.preflight.check(root);
	}

	public async train(target?: unknown, options: TrainOptions = {}): Promise<TrainResult | undefined> {
		if (!workspaceTrusted('Training')) {
			return undefined;
		}
		const root = await this.pickRoot(target);
		if (!root) {
			return undefined;
		}
		const { result, go } = await this.services.preflight.decide(root, {
			...options,
			check: () => vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'LoRA: checking before training' }, () => this.preflight(root)),
		});
		if (!go || !result.plan) {
			return { ...result, started: false };
		}
		const run = await this.startTask({ ...result, plan: result.plan });
		return { ...result, started: run !== undefined, run };
	}

	/** Starts the task and resolves with the run its terminal queued. */
	private async startTask(confirmed: PreflightResult & { plan: TrainingPlan }): Promise<TrainingRun | undefined> {
		const root = confirmed.root;
		const started = new Promise<TrainingRun | undefined>((resolve) => {
			// Generous: on a machine busy with other work VS Code has been seen to take over a minute to start a task.
			const timer = setTimeout(() => {
				listener.dispose();
				void vscode.window.showWarningMessage(`The training task for ${root} did not start within 5 minutes; see the Terminal panel, or run "LoRA: Train LoRA" again.`);
				resolve(undefined);
			}, 300_000);
			const listener = this.services.loraTasks.onDidStartTaskRun((run) => {
				if (run.plan === confirmed.plan) {
					clearTimeout(timer);
					listener.dispose();
					resolve(run);
				}
			});
		});
		await vscode.tasks.executeTask(this.services.loraTasks.trainTask(root, { confirmed }));
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
