import * as vscode from 'vscode';
import { join } from 'node:path';
import { SETTINGS_FILE_NAME, SettingsEdit, applySettingsEdits } from '../core/settings';

/**
 * Changes `lora-workbench.yaml` through a WorkspaceEdit (one undo, open editors stay in step) and saves it.
 * Comments and key order survive because the text goes through the yaml Document API.
 */
export async function editSettingsFile(root: string, edits: readonly SettingsEdit[], label: string): Promise<void> {
	const uri = vscode.Uri.file(join(root, SETTINGS_FILE_NAME));
	let document: vscode.TextDocument | undefined;
	try {
		document = await vscode.workspace.openTextDocument(uri);
	} catch {
		document = undefined; // the file does not exist yet: it is created below
	}
	const next = applySettingsEdits(document?.getText() ?? '', edits);
	const edit = new vscode.WorkspaceEdit();
	if (document) {
		edit.replace(uri, new vscode.Range(0, 0, document.lineCount, 0), next, { label, needsConfirmation: false });
	} else {
		edit.createFile(uri, { ignoreIfExists: true, contents: Buffer.from(next, 'utf8') }, { label, needsConfirmation: false });
	}
	if (!(await vscode.workspace.applyEdit(edit))) {
		throw new Error(`${uri.fsPath} could not be changed.`);
	}
	if (document) {
		await (await vscode.workspace.openTextDocument(uri)).save();
	}
}
