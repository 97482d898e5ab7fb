import * as vscode from 'vscode';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { clipVocabularyOption } from '../services/clipVocabulary';
import { LORA_TASK_TYPE, LoraTaskAction, LoraTaskDefinition, LoraTaskProvider } from './loraTaskProvider';

export const LINT_PROBLEM_MATCHER = '$lora-lint';

/**
 * The `lint` action of the `lora` task type: `{ "type": "lora", "action": "lint", "folder": "<training folder>" }`.
 * It runs the CLI as a process (`node bin/lora-workbench.js lint <folder> --wait-for-terminal`) in the workspace
 * folder, and the contributed `$lora-lint` matcher reads its lines into the Problems panel. VS Code stops reading
 * a task's output about 200 ms after its process ends, so the CLI waits until the terminal has taken in every
 * line, and the matcher resolves paths relative to the workspace folder rather than `autoDetect`, which asks
 * the file system about each line in turn (the lines still waiting were lost). The `train` action lives in
 * loraTaskProvider.ts; this file plugs into it, since a task type has a single provider.
 */
export class LintTask extends Disposable implements LoraTaskAction {
	static register(services: WorkbenchServices): LintTask {
		return new LintTask(services);
	}

	private constructor(private readonly services: WorkbenchServices) {
		super();
		this.register(LoraTaskProvider.registerAction('lint', this));
	}

	public async provide(): Promise<vscode.Task[]> {
		await this.services.trainingFolders.ready();
		return this.services.trainingFolders.folders().flatMap((folder) => {
			const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder.root));
			if (!workspaceFolder) {
				return [];
			}
			const definition: LoraTaskDefinition = { type: LORA_TASK_TYPE, action: 'lint', folder: relative(workspaceFolder.uri.fsPath, folder.root) || '.' };
			return [this.task(definition, workspaceFolder)];
		});
	}

	public resolve(task: vscode.Task): vscode.Task | undefined {
		const scope = task.scope && typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
		return scope ? this.task(task.definition as LoraTaskDefinition, scope) : undefined;
	}

	/** A lint task for one training folder; paths print relative to the workspace folder, where the matcher resolves them. */
	public task(definition: LoraTaskDefinition, workspaceFolder: vscode.WorkspaceFolder): vscode.Task {
		const base = workspaceFolder.uri.fsPath;
		const folder = definition.folder ? (isAbsolute(definition.folder) ? definition.folder : resolve(base, definition.folder)) : base;
		const cli = vscode.Uri.joinPath(this.services.extensionUri, 'bin', 'lora-workbench.js').fsPath;
		const vocabulary = clipVocabularyOption();
		const args = [cli, 'lint', relative(base, folder) || '.', '--wait-for-terminal', ...(vocabulary.path ? ['--clip-vocab', vocabulary.path] : [])];
		// The extension host's own runtime runs the CLI: Node under code-server, Electron-as-Node in the desktop app.
		const execution = new vscode.ProcessExecution(process.execPath, args, { cwd: base, env: { ELECTRON_RUN_AS_NODE: '1' } });
		const task = new vscode.Task(definition, workspaceFolder, `lint ${basename(folder)}`, 'LoRA', execution, LINT_PROBLEM_MATCHER);
		task.group = vscode.TaskGroup.Test;
		task.detail = `check the captions of ${folder}`;
		task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
		return task;
	}
}
