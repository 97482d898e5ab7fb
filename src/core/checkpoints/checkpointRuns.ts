import { Dirent, promises as fs } from 'node:fs';
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
	/** accelerate state folders (save_state) of this run, latest epoch first: what a training can resume from. */
	states: StateFolder[];
}

export interface StateFolder {
	path: string;
	name: string;
	/** Set for `<name>-<epoch>-state`; the final `<name>-state` has neither. */
	epoch?: number;
	step?: number;
}

/** `{name}-{epoch:06d}-state`, `{name}-step{step:08d}-state`, `{name}-state` (reference §7). */
export function parseStateFolder(folderName: string): { outputName: string; epoch?: number; step?: number } | undefined {
	const match = /^(.*?)(?:-(\d{6})|-step(\d{8}))?-state$/.exec(folderName);
	if (!match || !match[1]) {
		return undefined;
	}
	return { outputName: match[1], epoch: match[2] ? Number(match[2]) : undefined, step: match[3] ? Number(match[3]) : undefined };
}

async function statesIn(dir: string): Promise<Map<string, StateFolder[]>> {
	const byName = new Map<string, StateFolder[]>();
	let entries: Dirent[];
	try {
		entries = await fs.readdir(dir, { withFileTypes: true });
	} catch {
		return byName; // no folder: no states
	}
	for (const entry of entries.filter((e) => e.isDirectory())) {
		const parsed = parseStateFolder(entry.name);
		if (parsed) {
			byName.set(parsed.outputName, [...(byName.get(parsed.outputName) ?? []), { path: join(dir, entry.name), name: entry.name, epoch: parsed.epoch, step: parsed.step }]);
		}
	}
	// The final state (no number) is the newest; then the higher epoch or step first.
	const order = (s: StateFolder): number => (s.epoch === undefined && s.step === undefined ? Number.MAX_SAFE_INTEGER : s.epoch ?? s.step ?? 0);
	byName.forEach((list) => list.sort((a, b) => order(b) - order(a)));
	return byName;
}

/** One group per output name: its checkpoints and its state folders (a group may have only states). */
async function groupsIn(dir: string): Promise<[string, CheckpointFile[], StateFolder[]][]> {
	const files = byOutputName(await listCheckpoints(dir));
	const states = await statesIn(dir);
	const names = [...new Set([...files.keys(), ...states.keys()])];
	return names.map((name) => [name, files.get(name) ?? [], states.get(name) ?? []]);
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
	for (const [outputName, checkpoints, states] of await groupsIn(modelDir)) {
		runs.push({ key: `.:${outputName}`, outputName, dir: modelDir, sampleDir: join(modelDir, 'sample'), latest: true, checkpoints, states });
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
		for (const [outputName, checkpoints, states] of await groupsIn(dir)) {
			earlier.push({ key: `runs/${runFolder}:${outputName}`, outputName, dir, sampleDir: join(dir, 'sample'), runFolder, latest: false, checkpoints, states });
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
