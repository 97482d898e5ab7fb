import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CheckpointFile, listCheckpoints } from './checkpointList';

/**
 * The checkpoints of a training folder grouped by the run that wrote them. The latest run of each output name
 * is what sd-scripts left in `model/`; each earlier run was moved into its own `model/runs/<run>/` before the
 * next one started (src/core/training/runArchive.ts), its samples into `model/runs/<run>/sample/`.
 */
export interface CheckpointRun {
	/** Stable id: the folder relative to the model folder (`.` for model/ itself) plus the output name. */
	key: string;
	outputName: string;
	/** Where its checkpoints are. */
	dir: string;
	/** Where its samples are (`<dir>/sample`). */
	sampleDir: string;
	/** The run folder's name for earlier runs; undefined for the latest run (in model/ itself). */
	runFolder?: string;
	latest: boolean;
	/** Newest first. */
	checkpoints: CheckpointFile[];
}

function byOutputName(files: CheckpointFile[]): Map<string, CheckpointFile[]> {
	const groups = new Map<string, CheckpointFile[]>();
	for (const file of files) {
		groups.set(file.outputName, [...(groups.get(file.outputName) ?? []), file]);
	}
	return groups;
}

/** Latest runs first (newest file first), then earlier runs, newest run folder first. */
export async function listCheckpointRuns(modelDir: string): Promise<CheckpointRun[]> {
	const runs: CheckpointRun[] = [];
	for (const [outputName, checkpoints] of byOutputName(await listCheckpoints(modelDir))) {
		runs.push({ key: `.:${outputName}`, outputName, dir: modelDir, sampleDir: join(modelDir, 'sample'), latest: true, checkpoints });
	}
	let folders: string[] = [];
	try {
		folders = (await fs.readdir(join(modelDir, 'runs'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw err;
		}
	}
	const earlier: CheckpointRun[] = [];
	for (const runFolder of folders) {
		const dir = join(modelDir, 'runs', runFolder);
		for (const [outputName, checkpoints] of byOutputName(await listCheckpoints(dir))) {
			earlier.push({ key: `runs/${runFolder}:${outputName}`, outputName, dir, sampleDir: join(dir, 'sample'), runFolder, latest: false, checkpoints });
		}
	}
	const stamp = (run: CheckpointRun): string => /(\d{8}-\d{6}(?:-\d+)?)/.exec(run.runFolder ?? '')?.[1] ?? '';
	earlier.sort((a, b) => stamp(b).localeCompare(stamp(a)) || (b.runFolder ?? '').localeCompare(a.runFolder ?? ''));
	return [...runs, ...earlier];
}

/**
 * How `checkpoints.chosen` in lora-workbench.yaml names a checkpoint: the file name for the latest run (what
 * users and older versions wrote), the path below the model folder for an earlier run (`runs/<run>/<file>`).
 */
export function chosenName(modelDir: string, path: string): string {
	return relative(modelDir, path).split(sep).join('/');
}

/** "m1a · 2026-11-30 06:30:00" from a run folder name; the folder name itself when it is not one of ours. */
export function runLabel(run: Pick<CheckpointRun, 'runFolder' | 'outputName' | 'latest'>): string {
	if (run.latest || !run.runFolder) {
		return `${run.outputName} · latest run`;
	}
	const match = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?(-earlier)?$/.exec(run.runFolder);
	if (!match) {
		return run.runFolder;
	}
	const [, y, mo, d, h, mi, s, n, earlier] = match;
	return `${run.outputName} · ${earlier ? 'before ' : ''}${y}-${mo}-${d} ${h}:${mi}:${s}${n ? ` (#${n})` : ''}`;
}
