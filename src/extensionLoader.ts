/**
 * dist/extension.js, what VS Code loads: runs the extension's bundle (dist/extensionMain.js, built from
 * src/extension.ts) through V8's code cache in dist/code-cache/ (codeCachedBundle.ts). Compiling the bundle is most of
 * the time VS Code counts as this extension's activation; with the cache a window after the first one deserialises
 * the compiled code instead.
 */
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type * as main from './extension';
import { loadCodeCachedBundle } from './util/codeCachedBundle';

// The bundle's require is this file's: dist/ resolves the same, and VS Code hands this extension's API for 'vscode'.
const loaded = loadCodeCachedBundle<typeof main>(join(__dirname, 'extensionMain.js'), join(__dirname, 'code-cache'), require);

export function activate(context: vscode.ExtensionContext): main.WorkbenchApi {
	const api = loaded.exports.activate(context);
	setTimeout(() => loaded.writeCache(), 2000).unref();
	return { ...api, codeCache: loaded.codeCache };
}

export function deactivate(): void {
	loaded.exports.deactivate();
}
