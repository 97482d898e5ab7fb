/**
 * The messages between a lint and its helper thread (lintThread.ts, lintWorker.ts). Bulk data crosses as UTF-8 in
 * transferred buffers, not as strings or objects: measured in Node, the structured clone of 16,000 problems held
 * the receiving thread (the extension host) for about 80 ms, and 33 JSON strings of 150 KB about 50 ms, before any
 * of our code ran; a transferred buffer arrives at once, and the caller decodes it a batch at a time, in slices.
 */
import { LintSetup, ShareCounts } from './lintShare';
import { TagStyle } from './styleRules';
import { runToEnd } from '../slices';
import { issuesByFileSteps } from './issuesByFile';
import { LintIssue } from './types';

export interface LintThreadStart {
	kind: 'start';
	/** This lint's number: every reply carries it (a kept helper serves one lint after another). */
	session: number;
	setup: LintSetup;
	/** The caption paths, as `encodeTexts` packs them. */
	paths: PackedTexts;
	/** The subset index of each path. */
	subsets: Int32Array;
	/**
	 * Shared with the caller. [0]: the next path to claim (Atomics.add). [1]: 0 until this thread begins reading,
	 * then 1; -1 when the caller finished every path before this thread began, which then reads nothing.
	 */
	claims: Int32Array;
	/**
	 * The earlier lint whose problems the caller still holds, decoded: a caption whose problems are the same as in that
	 * lint crosses as its index only (`unchanged` below). After a change to 300 of 20,000 captions the extension host
	 * decoded every caption's problems again (issue 22).
	 */
	baseline?: number;
	/**
	 * Whether to keep this lint's problems as the next lint's baseline, and each caption it read with what its stat was
	 * then, so that the next lint takes a caption whose stat is the same without reading or linting it (the extension
	 * host's re-lints; captionMemo.ts).
	 */
	incremental: boolean;
	/** How recently changed a caption may be and still be remembered (CaptionMemo's racyMs); default CaptionMemo's. */
	racyMs?: number;
	/** The training folder the captions are of: the helper keeps what it remembers per folder. */
	folder?: string;
}

export type LintThreadRequest = LintThreadStart | { kind: 'lint'; session: number; tagStyle: TagStyle | undefined };

/** What the helper read: its counts, and the indices of the paths it read (for the caller to read if it fails). */
export interface HelperRead {
	counts: ShareCounts;
	indices: number[];
	/** Of those, the captions taken as the helper's last lint left them, unchanged on disk (incremental lints). */
	remembered: number;
}

export type LintThreadReply =
	/** A HelperRead, as one packed JSON text. */
	| { kind: 'read'; session: number; read: PackedTexts }
	/**
	 * The problems of the captions whose problems changed since the baseline lint (all of them without one), as packed
	 * JSON texts of up to ISSUES_PER_BATCH each; `unchanged`: the indices of the captions whose problems did not.
	 */
	| { kind: 'linted'; session: number; issues: PackedTexts; unchanged: number[] }
	| { kind: 'failed'; session: number; message: string };

export const ISSUES_PER_BATCH = 500;

/** Texts one after the other in one UTF-8 buffer; `ends[i]` is the byte offset where text i ends. */
export interface PackedTexts {
	buffer: ArrayBuffer;
	ends: number[];
}

export function packTexts(texts: readonly string[]): PackedTexts {
	const encoder = new TextEncoder();
	// Paths are nearly always ASCII, one byte per character: then one encode of them all, and the ends are the running
	// lengths. An encodeInto per path (and a subarray for each) held the extension host 20-40 ms for 20,000 captions.
	const joined = texts.join('');
	const whole = encoder.encode(joined);
	if (whole.length === joined.length) {
		const ends = new Array<number>(texts.length);
		let end = 0;
		for (let i = 0; i < texts.length; i++) {
			end += texts[i].length;
			ends[i] = end;
		}
		return { buffer: whole.buffer.byteLength === whole.length ? whole.buffer : whole.buffer.slice(0, whole.length), ends };
	}
	let buffer = new Uint8Array(Math.max(1024, texts.reduce((n, text) => n + text.length, 0) * 3));
	let used = 0;
	const ends: number[] = [];
	for (const text of texts) {
		// encodeInto writes at most 3 bytes per UTF-16 unit: make room for the worst case first.
		if (used + text.length * 3 > buffer.length) {
			const bigger = new Uint8Array(Math.max(buffer.length * 2, used + text.length * 3));
			bigger.set(buffer.subarray(0, used));
			buffer = bigger;
		}
		used += encoder.encodeInto(text, buffer.subarray(used)).written;
		ends.push(used);
	}
	return { buffer: buffer.buffer.slice(0, used), ends };
}

/** Decodes the packed texts one at a time. */
export function* unpackTexts(packed: PackedTexts): Generator<string, void, void> {
	const decoder = new TextDecoder();
	let start = 0;
	for (const end of packed.ends) {
		yield decoder.decode(new Uint8Array(packed.buffer, start, end - start));
		start = end;
	}
}

/** A problem as it crosses: `file` is the index of its path in the lint's paths (the caller has them), else the path. */
export type PackedIssue = Omit<LintIssue, 'file'> & { file: number | string };

/**
 * The problems packed in batches of ISSUES_PER_BATCH, each file named by its index in `paths`: the paths were a third
 * of the text the extension host decoded after every re-lint, and each came back as a string of its own (issue 22).
 * Each `file` is replaced in place for the stringify, then put back: the helper keeps the problems of the captions it
 * remembers for the next lint (captionMemo.ts), and a copy of each problem would be an object more per problem.
 */
export function packIssues(issues: readonly LintIssue[], paths: readonly string[]): PackedTexts {
	const indexOf = new Map(paths.map((path, index) => [path, index]));
	const batches: string[] = [];
	for (let start = 0; start < issues.length; start += ISSUES_PER_BATCH) {
		const batch = issues.slice(start, start + ISSUES_PER_BATCH) as Array<LintIssue | PackedIssue>;
		const files = batch.map((issue) => issue.file as string);
		for (let i = 0; i < batch.length; i++) {
			batch[i].file = indexOf.get(files[i]) ?? files[i];
		}
		batches.push(JSON.stringify(batch));
		for (let i = 0; i < batch.length; i++) {
			batch[i].file = files[i];
		}
	}
	return packTexts(batches);
}

/** A packed problem back as a LintIssue, its file one of `paths`' own strings. */
export function unpackIssue(issue: PackedIssue, paths: readonly string[]): LintIssue {
	if (typeof issue.file === 'number') {
		issue.file = paths[issue.file];
	}
	return issue as LintIssue;
}

/** What a helper sends of its problems, and what it keeps for the next lint's comparison. */
export interface ChangedProblems {
	/** The problems of captions whose problems differ from the baseline's (or that it lacks), in the order read. */
	changed: LintIssue[];
	/** Indices (into the lint's paths) of the captions whose problems are the baseline's. */
	unchanged: number[];
	/** Each caption's problems as JSON, by path: the next lint's baseline. */
	problems: Map<string, string>;
}

/**
 * Sorts a helper's problems by whether the caller already has them: `read` are the indices of the captions the helper
 * read, in order; `baseline` is each caption's problems as JSON from the lint the caller holds, when it does.
 */
export function changedProblems(issues: readonly LintIssue[], paths: readonly string[], read: readonly number[], baseline: ReadonlyMap<string, string> | undefined): ChangedProblems {
	const byFile = runToEnd(issuesByFileSteps(issues));
	const result: ChangedProblems = { changed: [], unchanged: [], problems: new Map() };
	for (let r = 0; r < read.length; r++) {
		const path = paths[read[r]];
		const list = byFile.get(path) ?? [];
		byFile.delete(path);
		const json = JSON.stringify(list);
		result.problems.set(path, json);
		if (baseline?.get(path) === json) {
			result.unchanged.push(read[r]);
		} else {
			for (let i = 0; i < list.length; i++) {
				result.changed.push(list[i]);
			}
		}
	}
	// A problem on a file the helper did not read (none today) always crosses.
	for (const list of byFile.values()) {
		for (let i = 0; i < list.length; i++) {
			result.changed.push(list[i]);
		}
	}
	return result;
}
