/**
 * Finds training folders under a workspace folder: the folder itself, or folders up to two levels below,
 * that hold `lora-workbench.yaml` or an `images/` folder with a `<repeats>_<class>` sub-folder.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseSubsetName } from './datasetParse';
import { SETTINGS_FILE_NAME } from './settings';

const SKIPPED = new Set(['node_modules', 'images', 'reg', 'model', 'log', 'venv', '.venv', '__pycache__']);

async function subdirectories(dir: string): Promise<string[]> {
	try {
		const entries = await fs.readdir(dir, { withFileTypes: true });
		return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIPPED.has(e.name)).map((e) => e.name);
	} catch {
		return [];
	}
}

export async function isTrainingFolder(dir: string): Promise<boolean> {
	if (await fs.stat(join(dir, SETTINGS_FILE_NAME)).then((s) => s.isFile(), () => false)) {
		return true;
	}
	try {
		const entries = await fs.readdir(join(dir, 'images'), { withFileTypes: true });
		return entries.some((e) => (e.isDirectory() || e.isSymbolicLink()) && parseSubsetName(e.name).kind !== 'no-repeats');
	} catch {
		return false;
	}
}

/** How far below a workspace folder a training folder is looked for: `dir/*\/*`. */
export const DISCOVERY_DEPTH = 2;

/** Training folders at `dir`, `dir/*` and `dir/*\/*`, sorted. A training folder's own children are not searched. */
export async function findTrainingFolders(dir: string, depth = DISCOVERY_DEPTH): Promise<string[]> {
	if (await isTrainingFolder(dir)) {
		return [dir];
	}
	if (depth === 0) {
		return [];
	}
	const found = await Promise.all((await subdirectories(dir)).map((name) => findTrainingFolders(join(dir, name), depth - 1)));
	return found.flat().sort();
}
