/**
 * Where a setting's value comes from, so "Open Settings" opens that tab: a folder or workspace value wins; in a
 * remote window a machine(-overridable) setting lives in the Remote tab (the User tab does not list it there).
 * No vscode import: it decides from `WorkspaceConfiguration.inspect()` and `env.remoteName`.
 */
export type SettingsTab = 'folder' | 'workspace' | 'remote' | 'user';

export interface InspectedSetting {
	workspaceFolderValue?: unknown;
	workspaceValue?: unknown;
}

export function settingsTabFor(inspected: InspectedSetting | undefined, remoteName: string | undefined, machineScoped: boolean): SettingsTab {
	if (inspected?.workspaceFolderValue !== undefined) {
		return 'folder';
	}
	if (inspected?.workspaceValue !== undefined) {
		return 'workspace';
	}
	return remoteName && machineScoped ? 'remote' : 'user';
}

/** The command that opens that tab, with the setting searched for. */
export function openSettingsCommand(tab: SettingsTab): string {
	switch (tab) {
		case 'folder': return 'workbench.action.openFolderSettings';
		case 'workspace': return 'workbench.action.openWorkspaceSettings';
		case 'remote': return 'workbench.action.openRemoteSettings';
		case 'user': return 'workbench.action.openSettings';
	}
}
