import * as vscode from 'vscode';

/**
 * Composition root: builds the services and registers every feature. No feature logic lives here.
 * Each feature exposes `register(context, services): vscode.Disposable`.
 */
export interface WorkbenchServices {
	readonly extensionUri: vscode.Uri;
	readonly log: vscode.LogOutputChannel;
}

export interface WorkbenchApi {
	/** For integration tests: the services the features were built from. */
	readonly services: WorkbenchServices;
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
	const log = vscode.window.createOutputChannel('LoRA Workbench', { log: true });
	context.subscriptions.push(log);
	const services: WorkbenchServices = { extensionUri: context.extensionUri, log };

	context.subscriptions.push(
		vscode.commands.registerCommand('loraWorkbench.showOutput', () => log.show()),
	);

	log.info(`LoRA Workbench activated (VS Code ${vscode.version})`);
	return { services };
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
