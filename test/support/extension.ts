import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../src/extension';

export const EXTENSION_ID = 'lora-workbench.lora-workbench';

/** Activates the extension under test and returns its API. */
export async function activateExtension(): Promise<WorkbenchApi> {
	const extension = vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID);
	if (!extension) {
		throw new Error(`extension ${EXTENSION_ID} is not loaded`);
	}
	return extension.isActive ? extension.exports : extension.activate();
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) {
			return value;
		}
		if (Date.now() > end) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
