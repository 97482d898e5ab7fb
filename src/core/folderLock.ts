/**
 * One writer at a time per training folder. Bulk writers (the CLI's `tags --apply`, `tag`, `balance --apply`
 * and the extension's bulk tag edits and Balance Repeats) create `<folder>/.lora-workbench.lock` with O_EXCL
 * before they write and delete it after. Two bulk writers at once otherwise each read a caption, and the later
 * write silently drops the earlier one's edit while both report it as written.
 * The file says who holds it; a lock whose process is gone (same machine) is stale and taken over.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { processAlive, sweepStaleTempFiles, tempNameFor } from './atomicWrite';

export const LOCK_FILE_NAME = '.lora-workbench.lock';

export interface LockOwner {
	pid: number;
	host: string;
	/** What holds it, for the message: e.g. "lora-workbench tags --apply", "VS Code: Add tag". */
	what: string;
	/** ISO time it was taken. */
	since: string;
}

export class FolderLockedError extends Error {
	constructor(readonly lockPath: string, readonly owner: LockOwner | undefined) {
		super(owner
			? `${lockPath.slice(0, -LOCK_FILE_NAME.length - 1)} is being changed by ${owner.what} (process ${owner.pid} on ${owner.host}, since ${owner.since}). Wait until it finishes and run this again; if that process is no longer running, delete ${lockPath}.`
			: `${lockPath} exists: another writer is changing this training folder. Wait until it finishes and run this again; if nothing is running, delete ${lockPath}.`);
	}
}

export interface FolderLock {
	path: string;
	/** Deletes the lock file (only while it is still ours). Safe to call twice. */
	release(): Promise<void>;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
	try {
		const value = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<LockOwner>;
		return typeof value.pid === 'number' && typeof value.host === 'string'
			? { pid: value.pid, host: value.host, what: String(value.what ?? 'another writer'), since: String(value.since ?? '?') }
			: undefined;
	} catch {
		return undefined;
	}
}

/**
 * Creates `path` holding `text`, failing with EEXIST when it exists, never leaving it empty: the text goes into a
 * temp file that is then hard-linked to `path` (a SIGKILL between the create and the write of a plain O_EXCL
 * file left an empty lock no later writer could judge). Where hard links are not supported (FAT, exFAT) it falls
 * back to the O_EXCL create.
 */
async function createWithContent(path: string, text: string): Promise<void> {
	const temp = join(dirname(path), tempNameFor());
	try {
		await fs.writeFile(temp, text, { flag: 'wx' });
	} catch {
		await fs.writeFile(path, text, { flag: 'wx' });
		return;
	}
	try {
		await fs.link(temp, path);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'EEXIST' || code === 'ENOENT' || code === 'EACCES') { throw err; }
		await fs.writeFile(path, text, { flag: 'wx' });
	} finally {
		await fs.rm(temp, { force: true });
	}
}

/** Takes the folder's lock or throws FolderLockedError naming the holder. */
export async function acquireFolderLock(root: string, what: string): Promise<FolderLock> {
	const path = join(root, LOCK_FILE_NAME);
	const owner: LockOwner = { pid: process.pid, host: hostname(), what, since: new Date().toISOString() };
	const text = JSON.stringify(owner);
	// Temps of killed writers in the folder itself (this lock's, lora-workbench.yaml's, the rename journal's) go first.
	await sweepStaleTempFiles([root]);
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			await createWithContent(path, text);
			let released = false;
			return {
				path,
				release: async () => {
					if (released) {
						return;
					}
					released = true;
					// Never delete a lock someone else took over (ours was judged stale meanwhile).
					if ((await fs.readFile(path, 'utf8').catch(() => '')) === text) {
						await fs.rm(path, { force: true });
					}
				},
			};
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw new Error(`${path} could not be created (${(err as NodeJS.ErrnoException).code ?? String(err)}): check that ${root} is writable.`, { cause: err });
			}
		}
		const holder = await readOwner(path);
		// Written by a process on this machine that no longer runs (killed): take it over. A lock from another
		// machine (a shared drive) cannot be checked, so only the user can judge it. A lock without a readable
		// holder (killed between creating and writing it, where links are not supported) is stale after a minute.
		const stale = holder !== undefined
			? holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid)
			: Date.now() - ((await fs.stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > 60_000;
		if (!stale || attempt > 0) {
			throw new FolderLockedError(path, holder);
		}
		// Another process may have taken it over since it was read: remove only the same dead holder's file.
		if ((await readOwner(path))?.pid === holder?.pid) {
			await fs.rm(path, { force: true });
		}
	}
	throw new FolderLockedError(path, undefined);
}

/** Runs `work` while holding the folder's lock. */
export async function withFolderLock<T>(root: string, what: string, work: () => Promise<T>): Promise<T> {
	const lock = await acquireFolderLock(root, what);
	try {
		return await work();
	} finally {
		await lock.release();
	}
}
