import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ScalarPoint } from './events';
import { EventFileFollower, findTensorBoardRuns } from './files';

/**
 * Follows the TensorBoard event files of one sd-scripts run while it trains. sd-scripts names the run folder
 * `<logging_dir>/<log_prefix><YYYYmmddHHMMSS>` (local time) once the model is loaded (reference §9), so the run's
 * folder is the one with that prefix that was not there when the process started and is stamped no earlier.
 * Each `poll()` returns the points written since the last.
 */
export class TensorBoardRunFollower {
	private readonly files = new Map<string, EventFileFollower>();
	private readonly runDirs = new Set<string>();
	private readonly notBefore: number;
	/** Folders of earlier runs; a short run before this one can share its stamp's second. */
	private readonly earlier: Promise<Set<string>>;

	/** Create it when the process starts: `startedAt` and the folders present now tell older runs apart. */
	constructor(readonly logDir: string, readonly prefix: string, startedAt: Date) {
		this.notBefore = Math.floor(startedAt.getTime() / 1000) * 1000;
		this.earlier = runFolders(logDir, prefix).then((names) => new Set(names));
	}

	/** The run folders found so far (normally one; a second process of a multi-GPU run logs nothing). */
	public get dirs(): string[] {
		return [...this.runDirs].sort();
	}

	public get warnings(): string[] {
		return [...this.files.values()].flatMap((f) => f.warnings);
	}

	public async poll(): Promise<ScalarPoint[]> {
		const earlier = await this.earlier;
		for (const name of await runFolders(this.logDir, this.prefix)) {
			if (!earlier.has(name) && stampTime(name.slice(this.prefix.length)) >= this.notBefore) {
				this.runDirs.add(join(this.logDir, name));
			}
		}
		const points: ScalarPoint[] = [];
		for (const dir of this.runDirs) {
			for (const eventDir of await findTensorBoardRuns(dir, 2)) {
				let names: string[];
				try {
					names = await fs.readdir(eventDir);
				} catch {
					continue;
				}
				for (const name of names.filter((n) => n.startsWith('events.out.tfevents.')).sort()) {
					const file = join(eventDir, name);
					let follower = this.files.get(file);
					if (!follower) {
						follower = new EventFileFollower(file);
						this.files.set(file, follower);
					}
					points.push(...await follower.read());
				}
			}
		}
		return points;
	}
}

const STAMP = /^\d{14}$/;

/** `time.strftime("%Y%m%d%H%M%S")` back to milliseconds (local time, as Python wrote it). */
function stampTime(stamp: string): number {
	const n = (from: number, to: number) => Number(stamp.slice(from, to));
	return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14)).getTime();
}

async function runFolders(logDir: string, prefix: string): Promise<string[]> {
	let entries;
	try {
		entries = await fs.readdir(logDir, { withFileTypes: true });
	} catch {
		return [];
	}
	return entries.filter((e) => e.isDirectory() && e.name.startsWith(prefix) && STAMP.test(e.name.slice(prefix.length))).map((e) => e.name);
}
