/**
 * Bulk edits on disk (CLI): read the captions with a stamp of what was read, and write a plan back only
 * where the file still holds exactly that, so an edit never overwrites a caption changed meanwhile.
 * Every file is handled on its own: one unreadable or unwritable caption is skipped and reported, never
 * the end of the whole edit.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { sweepStaleTempFiles } from './atomicWrite';
import { BulkPlan, CaptionInput } from './bulkEdit';
import { captionFromBytes, fileTextOf, permissionOr, writeCaptionFile } from './captionFile';

export interface ReadCaption extends CaptionInput {
	/** Modification time when read (ms), undefined for a missing file. */
	mtimeMs?: number;
	/** Set when the file is not valid UTF-8: it is then left out of bulk edits. */
	notUtf8?: boolean;
}

function ioCode(err: unknown): string {
	return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** Reads one caption for an edit; never throws: an unreadable file comes back with `skip` saying why. */
export async function readCaptionForEdit(path: string): Promise<ReadCaption> {
	try {
		const [bytes, stat] = await Promise.all([fs.readFile(path), fs.stat(path)]);
		const file = captionFromBytes(path, bytes);
		if (file.kind === 'not-utf8') {
			return { path, text: undefined, mtimeMs: stat.mtimeMs, notUtf8: true, skip: `it is ${file.problem}; re-save it as UTF-8 to include it` };
		}
		return { path, text: file.kind === 'text' ? fileTextOf(file) : undefined, mtimeMs: stat.mtimeMs };
	} catch (err) {
		const code = ioCode(err);
		if (code === 'ENOENT') {
			return { path, text: undefined };
		}
		return { path, text: undefined, skip: `it cannot be read (${permissionOr(code)}); check its permissions` };
	}
}

export interface AppliedPlan {
	written: string[];
	/** Files left as they are: changed on disk since they were read, or not writable. */
	skipped: Array<{ path: string; reason: string }>;
	/** Stale temp files of killed writers removed from the edited folders first. */
	sweptTemps: string[];
}

/** Writes each change atomically, unless the file no longer holds the text the plan was made from. */
export async function applyPlanToDisk(plan: BulkPlan): Promise<AppliedPlan> {
	const sweptTemps = await sweepStaleTempFiles(plan.changes.map((c) => dirname(c.path)));
	const result: AppliedPlan = { written: [], skipped: [], sweptTemps };
	for (const change of plan.changes) {
		try {
			const outcome = await writeCaptionFile(change.path, change.after, { unchangedFrom: change.before });
			if (outcome.written) {
				result.written.push(change.path);
			} else {
				result.skipped.push({ path: change.path, reason: outcome.reason });
			}
		} catch (err) {
			result.skipped.push({ path: change.path, reason: `it could not be written (${ioCode(err)}); check that the folder is writable` });
		}
	}
	return result;
}
