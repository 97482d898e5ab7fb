import * as vscode from 'vscode';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { TrainingFolderService } from '../services/trainingFolders';
import { TrainingPlan } from '../core/training/plan';
import { DEFAULT_BACKEND } from '../core/training/sdScriptsBackend';
import { Disposable } from '../util/dispose';
import { PreflightResult, TrainingPreflight } from './trainingPreflight';
import { TrainingRun, TrainingRunService } from './trainingRun';
import { TrainingTerminal } from './trainingTerminal';

export const LORA_TASK_TYPE = 'lora';

/** A `lora` task in tasks.json: `{ "type": "lora", "action": "train" | "lint", "folder": "<training folder>" }`. */
export interface LoraTaskDefinition extends vscode.TaskDefinition {
	action: 'train' | 'lint' | string;
	/** The training folder, absolute or relative to the workspace folder; empty = the workspace folder itself. */
	folder?: string;
	/** Set by the train command: which of its trainings this is (never written in tasks.json). */
	run?: number;
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
	readonly preflight: TrainingPreflight;
}

/** How the train command hands its confirmed plan to the task it starts. */
export interface TrainTaskOptions {
	definition?: LoraTaskDefinition;
	scope?: vscode.TaskScope | vscode.WorkspaceFolder;
	/** The checks (and plan) the user already confirmed; without them the task runs the preflight when it starts. */
	confirmed?: PreflightResult & { plan: TrainingPlan };
}

/**
 * The single TaskProvider of type `lora`. It builds `train` tasks itself (a CustomExecution whose pseudoterminal
 * queues and mirrors the training) and hands other actions (`lint`) to the handler registered for them.
 */
export class LoraTaskProvider extends Disposable implements vscode.TaskProvider {
	private static readonly actions = new Map<string, LoraTaskAction>();
	/** Numbers the trainings the command starts, so each is a task of its own. */
	private static commandRuns = 0;
	/** The run each train task started, newest last (for tests and the train command). */
	private readonly startedRuns = new vscode.EventEmitter<TrainingRun>();
	public readonly onDidStartTaskRun = this.startedRuns.event;
	private readonly terminals = new WeakMap<TrainingRun, TrainingTerminal>();

	/** What the task terminal of a run printed of its own (for tests: "training failed", the queue notice...). */
	public terminalNotices(run: TrainingRun): string | undefined {
		return this.terminals.get(run)?.notices;
	}

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
			return this.trainTask(this.folderPath(definition.folder, scope), { definition, scope: task.scope });
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

	/**
	 * A task that trains the folder at `root`. Started from the Tasks menu it runs the preflight (and asks) when it
	 * starts; started by the train command it carries the plan the user confirmed, under a definition of its own
	 * (`run`) so that VS Code treats each training as a separate task: a second one of the same folder waits in
	 * our queue instead of meeting VS Code's "already active" / terminate prompts.
	 */
	public trainTask(root: string, options: TrainTaskOptions = {}): vscode.Task {
		const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
		const def: LoraTaskDefinition = options.definition ? { ...options.definition } : {
			type: LORA_TASK_TYPE,
			action: 'train',
			folder: workspaceFolder ? relative(workspaceFolder.uri.fsPath, root) || '.' : root,
		};
		const confirmed = options.confirmed;
		if (confirmed) {
			LoraTaskProvider.commandRuns++;
			def.run = LoraTaskProvider.commandRuns;
		}
		const execution = new vscode.CustomExecution(async () => new TrainingTerminal(
			this.services.trainingRuns,
			confirmed ? async () => ({ result: confirmed, go: true }) : () => this.services.preflight.decide(root),
			(run, terminal) => {
				this.terminals.set(run, terminal);
				this.startedRuns.fire(run);
			},
		));
		const name = `train ${basename(root)}${confirmed && def.run !== undefined ? ` (run ${def.run})` : ''}`;
		const task = new vscode.Task(def, options.scope ?? workspaceFolder ?? vscode.TaskScope.Workspace, name, 'LoRA', execution, []);
		// The plan's backend when there is a plan; a task from the Tasks menu plans when it starts.
		const backend = confirmed?.plan.backend ?? DEFAULT_BACKEND;
		task.detail = `accelerate launch ${backend.id} ${backend.script(confirmed?.plan.family ?? backend.families[0])} for ${root}`;
		task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
		task.isBackground = false;
		return task;
	}
}
