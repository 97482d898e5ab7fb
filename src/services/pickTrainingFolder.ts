import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import type { TrainingFolderService } from './trainingFolders';

/**
 * The training folder a command is about: from its argument (a root path, a URI inside it, a tree node with a
 * `folder`, or `{ root }`), else the only one, else the user's pick.
 */
export async function pickTrainingFolder(trainingFolders: TrainingFolderService, arg?: unknown): Promise<TrainingFolder | undefined> {
	await trainingFolders.ready();
	const fromArg = typeof arg === 'string' ? trainingFolders.get(arg)
		: arg instanceof vscode.Uri ? trainingFolders.folderOf(arg)
			: typeof arg === 'object' && arg !== null && 'folder' in arg ? (arg as { folder: TrainingFolder }).folder
				: typeof arg === 'object' && arg !== null && 'root' in arg ? trainingFolders.get((arg as { root: string }).root) : undefined;
	if (fromArg) {
		return fromArg;
	}
	const folders = trainingFolders.folders();
	if (folders.length <= 1) {
		if (!folders.length) {
			void vscode.window.showWarningMessage('No training folder is open. Open a folder with images/<repeats>_<trigger> <class>/ subsets, or run "LoRA: New Training Folder".');
		}
		return folders[0];
	}
	const picked = await vscode.window.showQuickPick(folders.map((f) => ({ label: basename(f.root), description: f.root, folder: f })), { placeHolder: 'Training folder' });
	return picked?.folder;
}
