/**
 * What the lint helper remembers of each caption between the extension host's re-lints: the caption as linted, and
 * the file's stat when it was read. Every change on disk re-lints the whole folder (the dataset-wide facts may change),
 * and at 20,000 captions reading and linting every caption again took the helper about a second after each saved
 * caption; a caption whose stat is the same is taken as it was, for one stat instead of an open, a read and a close,
 * and no lint (issue 22).
 *
 * A stat says the bytes are the same when any write since would have changed it: a write sets the change time (which
 * nothing else can set), a replacement by rename brings another inode. A write within the file system's timestamp
 * granularity of the read could leave both as they were, so a caption changed within `racyMs` of being read is not
 * remembered: the next lint reads it again (git's "racily clean" entries).
 */
import { Stats, fstatSync, statSync } from 'node:fs';
import type { LintedText } from './lintShare';

/** Long enough for the coarsest timestamps in use (FAT's 2 s). */
export const DEFAULT_RACY_MS = 2000;

/** The part of a stat that any write to a file changes. */
export interface FileStamp {
	size: number;
	mtimeMs: number;
	ctimeMs: number;
	ino: number;
}

interface Remembered {
	stamp: FileStamp;
	/** The caption's context as linted: its subset's `setup.subsets` entry, as JSON. */
	context: string;
	linted: LintedText;
	/** The lint that last saw it: entries no lint has seen since are of files gone. */
	seen: number;
}

export class CaptionMemo {
	private readonly captions = new Map<string, Remembered>();
	private key: unknown[] = [];
	private lint = 0;

	constructor(private readonly stat: (path: string) => FileStamp | undefined = statStamp, private readonly now: () => number = Date.now) {}

	get size(): number {
		return this.captions.size;
	}

	/**
	 * Begins a lint. `key`: what every caption's lint depends on besides its text and subset (the setup as JSON, the
	 * token counter and tag list objects): when any differs from the last lint's, nothing remembered is used.
	 */
	begin(key: readonly unknown[]): void {
		if (key.length !== this.key.length || key.some((part, i) => part !== this.key[i])) {
			this.captions.clear();
			this.key = [...key];
		}
		this.lint++;
	}

	/** The caption as last linted, when its file's stamp and its context are what they were then. */
	recall(path: string, context: string): LintedText | undefined {
		const entry = this.captions.get(path);
		if (!entry || entry.context !== context) {
			return undefined;
		}
		const stamp = this.stat(path);
		if (!stamp || !sameStamp(stamp, entry.stamp)) {
			return undefined;
		}
		entry.seen = this.lint;
		return entry.linted;
	}

	/** Keeps a caption just read and linted; `stamp` was taken before the read (stampOfOpenFile). */
	remember(path: string, context: string, stamp: FileStamp | undefined, linted: LintedText | undefined, racyMs = DEFAULT_RACY_MS): void {
		const changedAt = stamp ? Math.max(stamp.mtimeMs, stamp.ctimeMs) : Infinity;
		if (!stamp || !linted || this.now() - changedAt < racyMs) {
			this.captions.delete(path);
			return;
		}
		this.captions.set(path, { stamp, context, linted, seen: this.lint });
	}

	/** Forgets the captions this lint did not see (removed, or no longer a caption of the folder). */
	end(): void {
		for (const [path, entry] of this.captions) {
			if (entry.seen !== this.lint) {
				this.captions.delete(path);
			}
		}
	}
}

/** The stamp of an open file, taken before it is read; undefined when it cannot be had (the caption is then not remembered). */
export function stampOfOpenFile(fd: number): FileStamp | undefined {
	try {
		return stampFrom(fstatSync(fd));
	} catch {
		return undefined;
	}
}

function stampFrom(stats: Stats | undefined): FileStamp | undefined {
	return stats && stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino } : undefined;
}

/**
 * One memory per training folder, the most recently linted kept: a workspace of several training folders re-lints
 * each in turn, and one memory for all would be emptied by every other folder's lint.
 */
export class CaptionMemos {
	private readonly memos = new Map<string, CaptionMemo>();

	constructor(private readonly keep = 4) {}

	/** The folder's memory (a new one for a folder not linted lately), now the most recently used. */
	of(folder: string): CaptionMemo {
		const memo = this.memos.get(folder) ?? new CaptionMemo();
		this.memos.delete(folder);
		this.memos.set(folder, memo);
		for (const oldest of this.memos.keys()) {
			if (this.memos.size <= this.keep) {
				break;
			}
			this.memos.delete(oldest);
		}
		return memo;
	}
}

function statStamp(path: string): FileStamp | undefined {
	let stats: Stats | undefined;
	try {
		stats = statSync(path, { throwIfNoEntry: false });
	} catch {
		return undefined;
	}
	return stampFrom(stats);
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
	return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
