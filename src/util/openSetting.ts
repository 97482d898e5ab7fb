import * as vscode from 'vscode';
import { openSettingsCommand, settingsTabFor } from './settingsScope';

const EXTENSION_ID = 'lora-workbench.lora-workbench';

/** The `scope` package.json gives a setting (machine-overridable settings live in the Remote tab of a remote window). */
function isMachineScoped(key: string): boolean {
	const properties = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON?.contributes?.configuration?.properties as Record<string, { scope?: string }> | undefined;
	const scope = properties?.[`loraWorkbench.${key}`]?.scope;
	return scope === 'machine' || scope === 'machine-overridable';
}

/** Opens the Settings tab where `loraWorkbench.<key>` takes its value (folder, workspace, Remote or User). */
export async function openSetting(key: string): Promise<void> {
	const inspected = vscode.workspace.getConfiguration('loraWorkbench').inspect(key);
	const tab = settingsTabFor(inspected, vscode.env.remoteName, isMachineScoped(key));
	await vscode.commands.executeCommand(openSettingsCommand(tab), { query: `loraWorkbench.${key}` });
}
