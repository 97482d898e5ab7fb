import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
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

/**
 * Writes a file as another program would and resolves once VS Code's file watcher has reported it. On a busy
 * machine the watcher of a just-opened folder may not be listening yet; the write is then repeated, so the test
 * goes on from the event it depends on rather than from a guess at how long the watcher needs.
 */
export async function writeOutsideVscode(path: string, text: string, timeoutMs = 120_000): Promise<void> {
	const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
	let seen = false;
	const noticed = () => { seen = true; };
	watcher.onDidChange(noticed);
	watcher.onDidCreate(noticed);
	try {
		for (let waited = 0; !seen; waited += 10_000) {
			await fs.writeFile(path, text);
			await waitFor(`VS Code to notice ${basename(path)} changed on disk`, () => seen, 10_000).catch((err: unknown) => {
				if (waited + 10_000 >= timeoutMs) { throw err; }
			});
		}
	} finally {
		watcher.dispose();
	}
}

/**
 * Creates `dir` inside the test workspace one folder at a time, each after VS Code's file watcher has reported the
 * one above it. VS Code's recursive watcher (@parcel/watcher's inotify backend) does not watch folders that
 * `mkdir -p` creates below a new folder before it has added a watch for that folder (parcel-bundler/watcher#97), so
 * a test that expects VS Code to notice a change to a file in them would wait forever.
 */
export async function mkdirSeenByVscode(workspace: string, dir: string): Promise<void> {
	let current = workspace;
	for (const part of relative(workspace, dir).split(sep).filter(Boolean)) {
		const next = join(current, part);
		if (!(await fs.stat(next).catch(() => undefined))) {
			await createSeen(current, part);
		}
		current = next;
	}
}

async function createSeen(parent: string, name: string): Promise<void> {
	const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(parent), name));
	let seen = false;
	watcher.onDidCreate(() => { seen = true; });
	try {
		// The workspace watcher of a just-opened window may not be listening yet: then the folder is made again.
		for (let attempt = 1; !seen; attempt++) {
			await fs.rm(join(parent, name), { recursive: true, force: true });
			await fs.mkdir(join(parent, name));
			await waitFor(`VS Code to notice the new folder ${join(parent, name)}`, () => seen, 10_000).catch((err: unknown) => {
				if (attempt >= 12) { throw err; }
			});
		}
	} finally {
		watcher.dispose();
	}
}
