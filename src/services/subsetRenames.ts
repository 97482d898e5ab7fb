import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import { FolderRename, SUBSET_RECORD_DIRS } from '../core/coverage/renamePlan';

/** Folders of a training folder whose children are named after a subset: the subsets and their records. */
const SUBSET_PARENTS = new Set<string>(['images', 'reg', ...SUBSET_RECORD_DIRS]);

/** A rename of a subset folder (or of its originals/excluded folder), not of a file inside one. */
function isSubsetFolderRename(rename: FolderRename): boolean {
	// An excluded image moves from images/<subset>/ to excluded/<subset>/: its parents are subsets, not these.
	return SUBSET_PARENTS.has(basename(dirname(rename.from))) && SUBSET_PARENTS.has(basename(dirname(rename.to)));
}

/**
 * Subset folder renames, in the order they happened, whoever did them: Balance Repeats, its undo (Ctrl+Z replays
 * the WorkspaceEdit's renames backwards), the Explorer. Records kept in memory by path (the last bulk edit's and
 * exclusion's undo, the gallery's selection) follow them with followRenames().
 */
export function onDidRenameSubsetFolders(listener: (renames: FolderRename[]) => void): vscode.Disposable {
	return vscode.workspace.onDidRenameFiles((event) => {
		const renames = event.files
			.filter((f) => f.oldUri.scheme === 'file' && f.newUri.scheme === 'file')
			.map((f) => ({ from: f.oldUri.fsPath, to: f.newUri.fsPath }))
			.filter(isSubsetFolderRename);
		if (renames.length > 0) {
			listener(renames);
		}
	});
}
