/**
 * Subset renames (Balance Repeats) as one transaction with the settings file's subset keys. Before the first
 * rename, `<folder>/.lora-rename-journal.json` records every rename (with each folder's inode, which a rename
 * keeps) and the settings text before and after; the journal is deleted only once the folders and the
 * settings file are both final. A process killed in between leaves the journal, and `finishInterruptedRenames`
 * (run by `balance` and `scan`) moves each folder, wherever it got to, on to its new name and writes the
 * settings keys: a rerun repairs what a kill left, instead of subsets hidden in `.lora-rename-*` folders and
 * settings keys naming folders that no longer exist.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { processAlive, writeFileAtomic } from '../atomicWrite';
import { SETTINGS_FILE_NAME } from '../settings';
import { FolderRename, renameSubsetKeys } from './renamePlan';

export const RENAME_JOURNAL_NAME = '.lora-rename-journal.json';
/** Temporary folder names of a rename in progress (the extension's WorkspaceEdit uses `.lora-balance-<i>`). */
export const RENAME_TEMP_PATTERN = /^\.lora-(rename|balance)-[\w-]+$/;

interface JournalEntry {
	/** Paths relative to the training folder. */
	from: string;
	temp: string;
	to: string;
	/** The folder's identity: a rename keeps dev and inode, so it is found wherever the kill left it. */
	dev: string;
	ino: string;
}

export interface Journal {
	pid: number;
	host: string;
	started: string;
	entries: JournalEntry[];
	/** Settings text before and after the key renames; absent when the folder has no settings file. */
	settings?: { before: string; after: string };
}

export interface RenameRecovery {
	/** What was done, one line each, for the user. */
	done: string[];
	/** What could not be done and what the user should do. */
	problems: string[];
}

async function identity(path: string): Promise<{ dev: string; ino: string } | undefined> {
	const stat = await fs.stat(path, { bigint: true }).catch(() => undefined);
	return stat?.isDirectory() ? { dev: String(stat.dev), ino: String(stat.ino) } : undefined;
}

async function settingsText(root: string): Promise<string | undefined> {
	return fs.readFile(join(root, SETTINGS_FILE_NAME), 'utf8').catch((err: NodeJS.ErrnoException) => {
		if (err.code === 'ENOENT') {
			return undefined;
		}
		throw new Error(`${join(root, SETTINGS_FILE_NAME)} cannot be read (${err.code}); nothing was renamed.`);
	});
}

/**
 * Writes the journal for renames about to happen (temps: each rename's temporary name, default
 * `.lora-rename-<pid>-<i>`) and returns it; the caller deletes it with removeRenameJournal once the folders and
 * the settings file are final. The extension's WorkspaceEdit journals this way too.
 */
export async function writeRenameJournal(root: string, renames: readonly FolderRename[], temps?: readonly string[]): Promise<Journal> {
	const entries: JournalEntry[] = [];
	for (const [i, r] of renames.entries()) {
		const id = await identity(r.from);
		if (!id) {
			throw new Error(`${r.from} is not a folder any more; nothing was renamed. Scan the training folder again.`);
		}
		const temp = temps?.[i] ?? join(dirname(r.from), `.lora-rename-${process.pid}-${i}`);
		entries.push({ from: relative(root, r.from), temp: relative(root, temp), to: relative(root, r.to), ...id });
	}
	const before = await settingsText(root);
	const journal: Journal = {
		pid: process.pid, host: hostname(), started: new Date().toISOString(), entries,
		settings: before === undefined ? undefined : { before, after: renameSubsetKeys(before, renames) },
	};
	await writeFileAtomic(join(root, RENAME_JOURNAL_NAME), JSON.stringify(journal, null, '\t'));
	return journal;
}

export async function removeRenameJournal(root: string): Promise<void> {
	await fs.rm(join(root, RENAME_JOURNAL_NAME), { force: true });
}

/**
 * Renames subset folders (two phases through temporary names, so swaps work) and the settings keys that
 * follow them, journaled so that a kill at any point is finished by the next `finishInterruptedRenames`.
 * A failure (not a kill) part-way is rolled back and the journal removed.
 */
export async function applyRenamesJournaled(root: string, renames: readonly FolderRename[], options: { afterStep?: (step: number) => Promise<void> } = {}): Promise<void> {
	// The fault tests stop here for good at every step, which is what a kill does.
	let step = 0;
	const stepDone = async () => options.afterStep?.(++step);
	if (renames.length === 0) {
		return;
	}
	const journal = await writeRenameJournal(root, renames);
	const entries = journal.entries;
	const journalPath = join(root, RENAME_JOURNAL_NAME);
	await stepDone();
	const done: { from: string; to: string }[] = [];
	try {
		for (const e of entries) {
			await fs.rename(join(root, e.from), join(root, e.temp));
			done.push({ from: e.from, to: e.temp });
			await stepDone();
		}
		for (const e of entries) {
			await fs.rename(join(root, e.temp), join(root, e.to));
			done.push({ from: e.temp, to: e.to });
			await stepDone();
		}
	} catch (err) {
		for (const step of done.reverse()) {
			await fs.rename(join(root, step.to), join(root, step.from)).catch(() => undefined);
		}
		await fs.rm(journalPath, { force: true });
		throw err;
	}
	if (journal.settings && journal.settings.after !== journal.settings.before) {
		await writeFileAtomic(join(root, SETTINGS_FILE_NAME), journal.settings.after);
		await stepDone();
	}
	await fs.rm(journalPath, { force: true });
}

function parseJournal(text: string): Journal | undefined {
	try {
		const value = JSON.parse(text) as Journal;
		const fine = typeof value.pid === 'number' && Array.isArray(value.entries) && value.entries.every((e) =>
			[e.from, e.temp, e.to, e.dev, e.ino].every((v) => typeof v === 'string'));
		return fine ? value : undefined;
	} catch {
		return undefined;
	}
}

/** Refuses journal paths that would leave the training folder (a hand-edited or foreign journal). */
function inside(root: string, path: string): string | undefined {
	const full = resolve(root, path);
	return full.startsWith(resolve(root) + '/') || full.startsWith(resolve(root) + '\\') ? full : undefined;
}

/**
 * Finishes a balance rename that a killed process left half done (see the file comment). Returns undefined
 * when there is no journal; leaves a journal alone while the process that wrote it still runs.
 */
export async function finishInterruptedRenames(root: string): Promise<RenameRecovery | undefined> {
	const journalPath = join(root, RENAME_JOURNAL_NAME);
	const text = await fs.readFile(journalPath, 'utf8').catch(() => undefined);
	if (text === undefined) {
		return undefined;
	}
	const journal = parseJournal(text);
	const result: RenameRecovery = { done: [], problems: [] };
	if (!journal) {
		result.problems.push(`${journalPath} is not a rename journal this version can read; check the subset folders' names by hand, then delete it.`);
		return result;
	}
	if (journal.host === hostname() && journal.pid !== process.pid && processAlive(journal.pid)) {
		result.problems.push(`A rename of subset folders is running (process ${journal.pid}, since ${journal.started}); scan again when it has finished.`);
		return result;
	}
	const entries = journal.entries.map((e) => ({ ...e, fromPath: inside(root, e.from), tempPath: inside(root, e.temp), toPath: inside(root, e.to), at: undefined as string | undefined }));
	for (const e of entries) {
		if (!e.fromPath || !e.tempPath || !e.toPath) {
			result.problems.push(`${journalPath} names a folder outside ${root}; check the subset folders' names by hand, then delete it.`);
			return result;
		}
		for (const candidate of [e.tempPath, e.toPath, e.fromPath]) {
			const id = await identity(candidate);
			if (id && id.dev === e.dev && id.ino === e.ino) {
				e.at = candidate;
				break;
			}
		}
		if (!e.at) {
			result.problems.push(`${e.fromPath} (to become ${e.toPath}) was not found under any of its names; look for it in ${dirname(e.fromPath)}.`);
		}
	}
	// Phase 1 frees every old name (a swap's target is another subset's old name), phase 2 takes the new ones.
	for (const e of entries) {
		if (e.at === e.fromPath && e.fromPath !== e.toPath) {
			await fs.rename(e.fromPath!, e.tempPath!);
			e.at = e.tempPath;
		}
	}
	for (const e of entries) {
		if (e.at !== e.tempPath) {
			continue;
		}
		if (await fs.stat(e.toPath!).then(() => true, () => false)) {
			result.problems.push(`${e.tempPath} could not become ${e.toPath}: that name is taken. Merge or rename the two folders by hand.`);
			continue;
		}
		await fs.rename(e.tempPath!, e.toPath!);
		e.at = e.toPath;
	}
	for (const e of entries.filter((x) => x.at === x.toPath)) {
		result.done.push(`${relative(root, e.fromPath!)} -> ${relative(root, e.toPath!)}`);
	}
	// The settings keys follow only once every folder has its new name; otherwise the journal stays for a rerun.
	if (journal.settings && result.problems.length === 0) {
		const current = await settingsText(root);
		let next: string | undefined;
		if (current === journal.settings.before) {
			next = journal.settings.after;
		} else if (current !== undefined && current !== journal.settings.after) {
			// Edited since: rename only keys whose old folder is gone (a swap's old names exist again, so they stay).
			const gone = [];
			for (const e of entries) {
				if (!(await fs.stat(e.fromPath!).then(() => true, () => false))) {
					gone.push({ from: e.fromPath!, to: e.toPath! });
				}
			}
			next = renameSubsetKeys(current, gone);
		}
		if (next !== undefined && next !== current) {
			await writeFileAtomic(join(root, SETTINGS_FILE_NAME), next);
			result.done.push(`${SETTINGS_FILE_NAME}: subset keys follow the renamed folders`);
		}
	}
	if (result.problems.length === 0) {
		await fs.rm(journalPath, { force: true });
	}
	return result;
}
