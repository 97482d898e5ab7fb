import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { readScalarEvents, ScalarPoint } from './events';
import { countOf } from '../plural';

export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

/** A TensorBoard run: a folder holding event files (sd-scripts: `{logging_dir}/{prefix}{YYYYmmddHHMMSS}/network_train/`). */
export interface TensorBoardRun {
	dir: string;
	files: string[];
	/** Points per tag, in file order. */
	scalars: Map<string, ScalarPoint[]>;
	/** One sentence per problem, naming the file (truncated tail, corrupt record, unreadable file). */
	warnings: string[];
}

/** Folders under `root` (at most `depth` levels down) that contain event files, sorted. */
export async function findTensorBoardRuns(root: string, depth = 4): Promise<string[]> {
	const found: string[] = [];
	const walk = async (dir: string, level: number): Promise<void> => {
		let entries;
		try {
			entries = await fs.readdir(dir, { withFileTypes: true });
		} catch {
			return;
		}
		if (entries.some((e) => e.isFile() && e.name.startsWith(EVENT_FILE_PREFIX))) {
			found.push(dir);
		}
		if (level < depth) {
			await Promise.all(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => walk(join(dir, e.name), level + 1)));
		}
	};
	await walk(root, 0);
	return found.sort();
}

export async function readTensorBoardRun(dir: string): Promise<TensorBoardRun> {
	const names = (await fs.readdir(dir)).filter((n) => n.startsWith(EVENT_FILE_PREFIX)).sort();
	const run: TensorBoardRun = { dir, files: names.map((n) => join(dir, n)), scalars: new Map(), warnings: [] };
	for (const file of run.files) {
		const follower = new EventFileFollower(file);
		const points = await follower.read();
		run.warnings.push(...follower.warnings);
		const pending = await follower.pendingBytes();
		if (pending > 0 && follower.warnings.length === 0) {
			run.warnings.push(`${file}: ends in the middle of a record (${pending} bytes): the file was cut off or is still being written; the complete records are shown.`);
		}
		addPoints(run.scalars, points);
	}
	return run;
}

export function addPoints(scalars: Map<string, ScalarPoint[]>, points: ScalarPoint[]): void {
	for (const point of points) {
		let list = scalars.get(point.tag);
		if (!list) {
			list = [];
			scalars.set(point.tag, list);
		}
		list.push(point);
	}
}

/**
 * Reads an event file that may still be growing: each `read()` returns the points written since the last one.
 * A partial record at the end is left for the next read; a corrupt record stops reading that file (earlier
 * points are kept) and is reported once in `warnings`.
 */
export class EventFileFollower {
	private offset = 0;
	private stopped = false;
	readonly warnings: string[] = [];

	constructor(readonly file: string) {}

	async read(): Promise<ScalarPoint[]> {
		if (this.stopped) {
			return [];
		}
		let handle;
		try {
			handle = await fs.open(this.file, 'r');
		} catch (err) {
			this.warnings.push(`${this.file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
			this.stopped = true;
			return [];
		}
		try {
			const { size } = await handle.stat();
			if (size <= this.offset) {
				return [];
			}
			const bytes = new Uint8Array(size - this.offset);
			await handle.read(bytes, 0, bytes.length, this.offset);
			const result = readScalarEvents(bytes);
			this.offset += result.end;
			if (result.corruption) {
				this.stopped = true;
				this.warnings.push(`${this.file}: ${result.corruption}; the points before it are shown, the rest of this file is skipped.`);
			}
			if (result.undecodable > 0) {
				this.warnings.push(`${this.file}: ${countOf(result.undecodable, 'record is', 'records are')} not TensorBoard events and ${result.undecodable === 1 ? 'was' : 'were'} skipped.`);
			}
			return result.points;
		} finally {
			await handle.close();
		}
	}

	/** Bytes at the end that do not yet form a whole record (a file cut off mid-write). */
	async pendingBytes(): Promise<number> {
		try {
			return Math.max(0, (await fs.stat(this.file)).size - this.offset);
		} catch {
			return 0;
		}
	}
}

/** A short label for a TensorBoard run folder, relative to where it was found. */
export function tensorBoardRunLabel(dir: string, root?: string): string {
	const rel = root ? relative(root, dir) : '';
	if (rel && !rel.startsWith('..')) {
		return rel.split(/[\\/]/).filter((p) => p !== 'network_train').join('/') || basename(dir);
	}
	return basename(dir) === 'network_train' ? basename(dirname(dir)) : basename(dir);
}
