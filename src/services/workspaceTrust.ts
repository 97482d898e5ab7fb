import * as vscode from 'vscode';

export const MANAGE_WORKSPACE_TRUST = 'Manage Workspace Trust';

/**
 * The one check for features that run programs or models (training, the trainer check and install, auto-tagging).
 * In Restricted Mode the commands stay in the palette and menus and say why they do nothing, with a button to
 * VS Code's Workspace Trust editor: a command that silently vanished left users searching for it.
 */
export function workspaceTrusted(feature: string): boolean {
	if (vscode.workspace.isTrusted) {
		return true;
	}
	void vscode.window.showWarningMessage(
		`${feature} is off in Restricted Mode: it runs programs or models, so it needs Workspace Trust. Trust this folder to use it.`,
		MANAGE_WORKSPACE_TRUST,
	).then((choice) => {
		if (choice === MANAGE_WORKSPACE_TRUST) {
			void vscode.commands.executeCommand('workbench.trust.manage');
		}
	});
	return false;
}
