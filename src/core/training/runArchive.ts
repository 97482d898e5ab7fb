import { promises as fs } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseCheckpointName, parseSampleName } from '../checkpoints/checkpointNames';
import { parseStateFolder } from '../checkpoints/checkpointRuns';
import { timestamp } from './runFiles';

/**
 * Keeping runs apart. sd-scripts writes every run of one output name into the same `model/` (and `model/sample/`)
 * under the same names, so a second run would replace the first one's epochs one by one and mix with the rest.
 * Before a run starts, the files an earlier run left there move into that run's own folder, `model/runs/<run>/`,
 * where its run files (config.toml, dataset.toml, sample-prompts.txt) already are; `model/` then only ever holds
 * the files of the latest run.
 */

/** `model/runs/<outputName>-YYYYmmdd-HHMMSS[-n]`: the folder `buildRunFiles` gives each run. */
export function isRunFolderOf(folderName: string, outputName: string): boolean {
	if (!folderName.startsWith(`${outputName}-`)) {
		return false;
	}
	return /^\d{8}-\d{6}(-\d+)?(-earlier)?$/.test(folderName.slice(outputName.length + 1));
}

/** The output name of a `{name}-{epoch:06d}-state`, `{name}-step{step:08d}-state` or `{name}-state` folder. */
export function stateFolderOutputName(folderName: string): string | undefined {
	return parseStateFolder(folderName)?.outputName;
}

/** Files of one output name that a run left in the output folder: checkpoints, state folders, samples. */
export interface LeftFiles {
	/** Checkpoint files and state folders directly in the output folder. */
	outputs: string[];
	/** Sample images in `<output>/sample/`. */
	samples: string[];
}

async function names(dir: string): Promise<string[]> {
	try {
		return await fs.readdir(dir);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
			return [];
		}
		throw err;
	}
}

export async function leftFiles(outputDir: string, outputName: string, keep: readonly string[] = []): Promise<LeftFiles> {
	const kept = new Set(keep.map((path) => resolve(path)));
	const outputs = (await names(outputDir))
		.filter((name) => parseCheckpointName(name)?.outputName === outputName || stateFolderOutputName(name) === outputName)
		.map((name) => join(outputDir, name))
		.filter((path) => !kept.has(resolve(path)));
	const sampleDir = join(outputDir, 'sample');
	const samples = (await names(sampleDir))
		.filter((name) => parseSampleName(name)?.outputName === outputName)
		.map((name) => join(sampleDir, name));
	return { outputs, samples };
}

/** The run folder the left files belong to: the newest run folder of this output name other than the new run's. */
async function previousRunFolder(outputDir: string, outputName: string, newRunDir: string, newest: Date): Promise<string> {
	const runsDir = join(outputDir, 'runs');
	const candidates = (await names(runsDir))
		.filter((name) => isRunFolderOf(name, outputName) && resolve(runsDir, name) !== resolve(newRunDir))
		.sort((a, b) => runFolderOrder(a).localeCompare(runFolderOrder(b)));
	const last = candidates.at(-1);
	if (last) {
		const holds = await names(join(runsDir, last));
		// A run folder that already holds checkpoints was archived before: these files are from a run it does not describe.
		if (!holds.some((name) => parseCheckpointName(name) !== undefined)) {
			return join(runsDir, last);
		}
	}
	// Files from a run without a run folder (the kohya_ss GUI, an older workbench): a folder named after the newest file.
	return join(runsDir, `${outputName}-${timestamp(newest)}-earlier`);
}

/** `name-20261130-063000-2` sorts after `name-20261130-063000`. */
function runFolderOrder(name: string): string {
	const match = /-(\d{8}-\d{6})(?:-(\d+))?(-earlier)?$/.exec(name);
	return match ? `${match[1]}-${(match[2] ?? '1').padStart(4, '0')}` : name;
}

export interface ArchivedRun {
	/** Where the earlier run's files went. */
	dir: string;
	moved: string[];
}

/**
 * Moves what an earlier run of `outputName` left in `outputDir` into that run's folder under `outputDir/runs/`.
 * `keep`: paths that stay (the state folder this run resumes from). Undefined when nothing was left.
 */
export async function archivePreviousRun(outputDir: string, outputName: string, newRunDir: string, keep: readonly string[] = []): Promise<ArchivedRun | undefined> {
	const left = await leftFiles(outputDir, outputName, keep);
	const all = [...left.outputs, ...left.samples];
	if (all.length === 0) {
		return undefined;
	}
	const stats = await Promise.all(all.map((path) => fs.stat(path).catch(() => undefined)));
	const newest = new Date(Math.max(0, ...stats.map((s) => s?.mtimeMs ?? 0)));
	const dir = await previousRunFolder(outputDir, outputName, newRunDir, newest);
	await fs.mkdir(dir, { recursive: true });
	const moved: string[] = [];
	for (const path of left.outputs) {
		moved.push(await moveInto(path, dir));
	}
	if (left.samples.length) {
		await fs.mkdir(join(dir, 'sample'), { recursive: true });
		for (const path of left.samples) {
			moved.push(await moveInto(path, join(dir, 'sample')));
		}
	}
	return { dir, moved };
}

/** A rename within one folder tree: the same file system, so it is atomic and instant even for a 150 MB LoRA. */
async function moveInto(path: string, dir: string): Promise<string> {
	const target = join(dir, basename(path));
	await fs.rename(path, target);
	return target;
}
