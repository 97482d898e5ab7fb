import * as vscode from 'vscode';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { TrainingFolderService } from '../providers/trainingFolders';
import { scanTrainingFolder } from '../core/dataset';
import { TrainingPlan, planTraining } from '../core/training/plan';
import { Disposable } from '../util/dispose';
import { TrainerSetup } from './trainerSetup';
import { TrainingRun, TrainingRunService } from './trainingRun';
import { TrainingTerminal } from './trainingTerminal';

export const LORA_TASK_TYPE = 'lora';

/** A `lora` task in tasks.json: `{ "type": "lora", "action": "train" | "lint", "folder": "<training folder>" }`. */
export interface LoraTaskDefinition extends vscode.TaskDefinition {
	action: 'train' | 'lint' | string;
	/** The training folder, absolute or relative to the workspace folder; empty = the workspace folder itself. */
	folder?: string;
}

/** Another action on the `lora` task type (the lint task): one task type can have only one provider. */
export interface LoraTaskAction {
	provide(token: vscode.CancellationToken): vscode.ProviderResult<vscode.Task[]>;
	resolve(task: vscode.Task, token: vscode.CancellationToken): vscode.ProviderResult<vscode.Task>;
}

export interface TrainTaskServices {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
	readonly trainingRuns: TrainingRunService;
	readonly trainerSetup: TrainerSetup;
}

/**
 * The single TaskProvider of type `lora`. It builds `train` tasks itself (a CustomExecution whose pseudoterminal
 * queues and mirrors the training) and hands other actions (`lint`) to the handler registered for them.
 */
export class LoraTaskProvider extends Disposable implements vscode.TaskProvider {
	private static readonly actions = new Map<string, LoraTaskAction>();
	/** The run each train task started, newest last (for tests and the train command). */
	private readonly startedRuns = new vscode.EventEmitter<TrainingRun>();
	public readonly onDidStartTaskRun = this.startedRuns.event;

	/** Lets the lint feature (or any other) plug its action into the `lora` task type. */
	public static registerAction(action: string, handler: LoraTaskAction): vscode.Disposable {
		LoraTaskProvider.actions.set(action, handler);
		return { dispose: () => { if (LoraTaskProvider.actions.get(action) === handler) { LoraTaskProvider.actions.delete(action); } } };
	}

	constructor(private readonly services: TrainTaskServices) {
		super();
		this.register(this.startedRuns);
		this.register(vscode.tasks.registerTaskProvider(LORA_TASK_TYPE, this));
	}

	public static register(services: TrainTaskServices): LoraTaskProvider {
		return new LoraTaskProvider(services);
	}

	public async provideTasks(token: vscode.CancellationToken): Promise<vscode.Task[]> {
		const tasks: vscode.Task[] = [];
		if (vscode.workspace.isTrusted) {
			for (const folder of this.services.trainingFolders.folders()) {
				tasks.push(this.trainTask(folder.root));
			}
		}
		for (const handler of LoraTaskProvider.actions.values()) {
			tasks.push(...((await handler.provide(token)) ?? []));
		}
		return tasks;
	}

	public resolveTask(task: vscode.Task, token: vscode.CancellationToken): vscode.ProviderResult<vscode.Task> {
		const definition = task.definition as LoraTaskDefinition;
		if (definition.action === 'train') {
			const scope = task.scope && typeof task.scope === 'object' ? task.scope : undefined;
			return this.trainTask(this.folderPath(definition.folder, scope), definition, task.scope);
		}
		return LoraTaskProvider.actions.get(definition.action)?.resolve(task, token);
	}

	private folderPath(folder: string | undefined, scope: vscode.WorkspaceFolder | undefined): string {
		const base = scope?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
		if (!folder) {
			return base;
		}
		return isAbsolute(folder) ? folder : resolve(base, folder);
	}

	/** A task that trains the folder at `root`. */
	public trainTask(root: string, definition?: LoraTaskDefinition, scope?: vscode.TaskScope | vscode.WorkspaceFolder): vscode.Task {
		const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
		const def: LoraTaskDefinition = definition ?? {
			type: LORA_TASK_TYPE,
			action: 'train',
			folder: workspaceFolder ? relative(workspaceFolder.uri.fsPath, root) || '.' : root,
		};
		const execution = new vscode.CustomExecution(async () => new TrainingTerminal(
			this.services.trainingRuns,
			() => this.prepare(root),
			(run) => this.startedRuns.fire(run),
		));
		const task = new vscode.Task(def, scope ?? workspaceFolder ?? vscode.TaskScope.Workspace, `train ${basename(root)}`, 'LoRA', execution, []);
		task.detail = `accelerate launch sd-scripts train_network.py for ${root}`;
		task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
		task.isBackground = false;
		return task;
	}

	/** Builds the run plan from the folder, its settings and the trainer setup; errors say what to fix. */
	public async prepare(root: string): Promise<{ plan?: TrainingPlan; errors: string[] }> {
		if (!vscode.workspace.isTrusted) {
			return { errors: ['training is off in untrusted workspaces: trust this folder first (Manage Workspace Trust)'] };
		}
		const setup = await this.services.trainerSetup.report();
		if (!setup.ready || !setup.sdScriptsDir || !setup.launcher) {
			return { errors: setup.items.filter((i) => !i.ok && i.blocking).map((i) => `${i.id}: ${i.fix ?? i.detail}`) };
		}
		await this.services.trainingFolders.ready();
		const folder = this.services.trainingFolders.get(root) ?? await scanTrainingFolder(root);
		const missing = folder.warnings.find((w) => w.code === 'folder-missing');
		if (missing) {
			return { errors: [missing.message] };
		}
		const plan = planTraining(folder, { gpu: { bf16: setup.bf16 }, sdScriptsDir: setup.sdScriptsDir, launcher: setup.launcher });
		return { plan, errors: plan.errors };
	}
}
