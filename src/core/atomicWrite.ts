import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Temp files are `.lw-<pid>-<8 hex>.tmp`: at most 24 bytes whatever the target's name, so a caption whose name
 * is near the 255-byte limit can still be written (a temp named after the target was 18 bytes longer than it,
 * and failed with ENAMETOOLONG). The pid lets a later sweep tell a dead writer's leftover from a live write.
 */
const TEMP_PATTERN = /^\.lw-(\d{1,10})-[0-9a-f]{8}\.tmp$/;
/** What writeFileAtomic named its temps before: `.<target>.<12 hex>.tmp`, no pid, so only age tells. */
const LEGACY_TEMP_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;
/** A legacy temp (or ours from a pid that may have been reused) this old is certainly abandoned. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

export function tempNameFor(pid = process.pid): string {
	return `.lw-${pid}-${randomBytes(4).toString('hex')}.tmp`;
}

export interface AtomicWriteOptions {
	/**
	 * Called after the temp file is flushed, just before it replaces the target; false leaves the target as it
	 * is (the temp is removed) and writeFileAtomic returns false. A bulk edit checks here that the caption still
	 * holds what it read, so the window in which another writer's change could be lost is as short as it gets.
	 */
	beforeRename?: () => Promise<boolean>;
}

/**
 * Writes a file so that readers see either the old or the new content, never a half-written one:
 * write a temp file beside the target, flush it, then rename over the target. True when it was written.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<boolean> {
	const temp = join(dirname(path), tempNameFor());
	const handle = await fs.open(temp, 'wx');
	try {
		await handle.writeFile(data);
		await handle.sync();
	} catch (err) {
		await handle.close();
		await fs.rm(temp, { force: true });
		throw err;
	}
	await handle.close();
	try {
		if (options.beforeRename && !(await options.beforeRename())) {
			await fs.rm(temp, { force: true });
			return false;
		}
		await fs.rename(temp, path);
	} catch (err) {
		await fs.rm(temp, { force: true });
		throw err;
	}
	return true;
}

export function processAlive(pid: number): boolean {
	if (pid === process.pid) {
		return true;
	}
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		// EPERM: the process exists but belongs to someone else.
		return (err as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Removes temp files our writes left behind when the writing process was killed: ours from a process that
 * is gone, and legacy-named ones (or ours with a reused pid) older than ten minutes. A live write's temp is
 * never touched. Returns the removed paths; a folder that cannot be listed is skipped (the scan reports it).
 */
export async function sweepStaleTempFiles(dirs: Iterable<string>, now = Date.now()): Promise<string[]> {
	const removed: string[] = [];
	for (const dir of new Set(dirs)) {
		let names: string[];
		try {
			names = await fs.readdir(dir);
		} catch {
			continue;
		}
		removed.push(...(await sweepStaleTempNames(dir, names, now)));
	}
	return removed;
}

/** The same for one folder whose entries' names are known already (the scan's listing of a 20,000-image folder). */
export async function sweepStaleTempNames(dir: string, names: readonly string[], now = Date.now()): Promise<string[]> {
	const removed: string[] = [];
	for (const name of names) {
		// Both kinds of temp name start with a dot: most names are answered without a regular expression.
		if (name.charCodeAt(0) !== 0x2e) {
			continue;
		}
		const ours = TEMP_PATTERN.exec(name);
		if (!ours && !LEGACY_TEMP_PATTERN.test(name)) {
			continue;
		}
		const path = join(dir, name);
		const stat = await fs.lstat(path).catch(() => undefined);
		if (!stat?.isFile()) {
			continue;
		}
		const old = now - stat.mtimeMs > ABANDONED_AFTER_MS;
		if ((ours && !processAlive(Number(ours[1]))) || old) {
			if (await fs.rm(path).then(() => true, () => false)) {
				removed.push(path);
			}
		}
	}
	return removed;
}
