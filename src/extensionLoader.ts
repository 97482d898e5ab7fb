/**
 * dist/extension.js, what VS Code loads: runs the extension's bundle (dist/extensionMain.js, built from
 * src/extension.ts) through V8's code cache. Compiling the bundle is most of the time VS Code counts as this
 * extension's activation; with the cache a window after the first one deserialises the compiled code instead.
 * The cache is keyed by the bundle's content, kept beside the bundle (dist/code-cache/), and never needed: without it
 * (first run, a new build, a rejected cache, a read-only install) the bundle is compiled as `require` would.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as vscode from 'vscode';
import type * as main from './extension';

const bundle = join(__dirname, 'extensionMain.js');
const source = readFileSync(bundle, 'utf8');
// Beside the bundle, in this user's own extension folder: a cache in the shared temp folder could be planted by another
// user of the machine (its name is predictable), and V8 would run the bytecode in it.
const cacheFile = join(__dirname, 'code-cache', `${createHash('sha256').update(source).update(process.version).digest('hex').slice(0, 32)}.bin`);

function readCache(): Buffer | undefined {
	try {
		return readFileSync(cacheFile);
	} catch {
		return undefined;
	}
}

const cachedData = readCache();
const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
const loaded = { exports: {} as typeof main };
// The bundle's require is this file's: dist/ resolves the same, and VS Code hands this extension's API for 'vscode'.
(script.runInThisContext() as (...args: unknown[]) => void)(loaded.exports, require, loaded, bundle, __dirname);

/** Written once activate() has run, so the functions it compiled are in the cache too; atomically (temp + rename). */
function writeCache(): void {
	if (cachedData && !script.cachedDataRejected) {
		return;
	}
	try {
		const dir = dirname(cacheFile);
		mkdirSync(dir, { recursive: true });
		// Other builds' caches are dead weight (a few hundred KB each): one build's is kept.
		for (const name of readdirSync(dir)) {
			rmSync(join(dir, name), { force: true });
		}
		const temp = `${cacheFile}.${process.pid}.tmp`;
		writeFileSync(temp, script.createCachedData());
		renameSync(temp, cacheFile);
	} catch {
		// No cache: the next window compiles the bundle again, as without one.
	}
}

const codeCache: main.WorkbenchApi['codeCache'] = !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';

export function activate(context: vscode.ExtensionContext): main.WorkbenchApi {
	const api = loaded.exports.activate(context);
	setTimeout(writeCache, 2000).unref();
	return { ...api, codeCache };
}

export function deactivate(): void {
	loaded.exports.deactivate();
}
