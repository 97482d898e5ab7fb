import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';

export const CAPTION_EDITOR_VIEW_TYPE = 'loraWorkbench.captionEditor';

/** The caption editor's tab of this caption in a group, if it has one. */
function captionEditorTab(group: vscode.TabGroup | undefined, captionUri: vscode.Uri): vscode.Tab | undefined {
	const key = captionUri.toString();
	return group?.tabs.find((tab) => tab.input instanceof vscode.TabInputCustom && tab.input.viewType === CAPTION_EDITOR_VIEW_TYPE && tab.input.uri.toString() === key);
}

/**
 * Opens a caption as text, in place of the caption editor: when that group (the active one unless `column` says
 * otherwise) shows the caption in the caption editor, that tab is reopened as a text editor (VS Code's "Reopen
 * Editor With Text Editor", which keeps unsaved changes: both edit the same TextDocument) instead of a second tab
 * beside it. A caption that does not exist yet opens as an unsaved file at its path.
 */
export async function openCaptionAsText(captionUri: vscode.Uri, column?: vscode.ViewColumn): Promise<void> {
	const exists = await fs.stat(captionUri.fsPath).then(() => true, () => false);
	const groupOf = () => column === undefined ? vscode.window.tabGroups.activeTabGroup : vscode.window.tabGroups.all.find((g) => g.viewColumn === column);
	const group = groupOf();
	const tab = captionEditorTab(group, captionUri);
	if (tab && group && exists) {
		if (!tab.isActive || !group.isActive) {
			await vscode.commands.executeCommand('vscode.openWith', captionUri, CAPTION_EDITOR_VIEW_TYPE, { viewColumn: group.viewColumn, preserveFocus: false });
		}
		await vscode.commands.executeCommand('workbench.action.reopenTextEditor');
		if (!captionEditorTab(groupOf(), captionUri)) {
			return;
		}
	}
	const uri = exists ? captionUri : captionUri.with({ scheme: 'untitled' });
	await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: !tab, viewColumn: column });
	// Tabs are snapshots: look again. A dirty one stays (closing it would ask to save or lose the changes).
	const left = captionEditorTab(groupOf(), captionUri);
	if (left && !left.isDirty) {
		await vscode.window.tabGroups.close(left, true);
	}
}
