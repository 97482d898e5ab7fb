import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import { TrainingFolder, scanTrainingFolder } from '../core/dataset';
import { SETTINGS_FILE_NAME } from '../core/settings';
import type { TrainingFolderService } from './trainingFolders';

/** The one message every command shows when there is no training folder to work on. */
export const NO_TRAINING_FOLDER_MESSAGE = 'No training folder is open. Open a folder with images/<repeats>_<trigger> <class>/ subsets, or run "LoRA: New Training Folder".';

export interface PickTrainingFolderOptions {
	/** Title of the quick pick shown when several training folders are open. */
	readonly title?: string;
	/** Without an argument, take the training folder of the file in the active editor before asking. */
	readonly fromActiveEditor?: boolean;
	/**
	 * A folder the argument names that is no known training folder is scanned as one (kohya import/export,
	 * training a folder the watcher has not found yet); otherwise such an argument counts as none.
	 */
	readonly scanUnknown?: boolean;
}

/** The path a command argument names: a path, a URI, `{ root }`, a tree node's `resourceUri`; a settings file stands for its folder. */
function argumentPath(arg: unknown): string | undefined {
	const object = typeof arg === 'object' && arg !== null ? arg as { root?: unknown; resourceUri?: unknown } : undefined;
	const path = typeof arg === 'string' ? arg
		: arg instanceof vscode.Uri ? arg.fsPath
			: typeof object?.root === 'string' ? object.root
				: object?.resourceUri instanceof vscode.Uri ? object.resourceUri.fsPath : undefined;
	return path && basename(path) === SETTINGS_FILE_NAME ? dirname(path) : path;
}

/**
 * The training folder a command is about, the one picker every command uses: from its argument (a tree node with
 * a `folder`, a root path, a path or URI inside a folder, `{ root }`), else (when asked) the active editor's folder,
 * else the only one, else the user's pick. Undefined when there is none (the user is told) or the pick was cancelled.
 */
export async function pickTrainingFolder(trainingFolders: TrainingFolderService, arg?: unknown, options: PickTrainingFolderOptions = {}): Promise<TrainingFolder | undefined> {
	await trainingFolders.ready();
	if (typeof arg === 'object' && arg !== null && 'folder' in arg && (arg as { folder?: unknown }).folder) {
		return (arg as { folder: TrainingFolder }).folder;
	}
	const path = argumentPath(arg);
	if (path) {
		const known = trainingFolders.get(path) ?? trainingFolders.folderOf(path);
		if (known) {
			return known;
		}
		if (options.scanUnknown) {
			return scanTrainingFolder(path, { readCaptions: false });
		}
	}
	const editor = options.fromActiveEditor ? vscode.window.activeTextEditor?.document.uri : undefined;
	const fromEditor = editor?.scheme === 'file' ? trainingFolders.folderOf(editor) : undefined;
	if (fromEditor) {
		return fromEditor;
	}
	const folders = trainingFolders.folders();
	if (folders.length <= 1) {
		if (!folders.length) {
			void vscode.window.showWarningMessage(NO_TRAINING_FOLDER_MESSAGE);
		}
		return folders[0];
	}
	const picked = await vscode.window.showQuickPick(
		folders.map((f) => ({ label: basename(f.root), description: f.trigger, detail: f.root, folder: f })),
		{ title: options.title ?? 'Which training folder?' },
	);
	return picked?.folder;
}
