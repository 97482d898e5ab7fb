/**
 * Bulk edits on disk (CLI): read the captions with a stamp of what was read, and write a plan back only
 * where the file still holds exactly that, so an edit never overwrites a caption changed meanwhile.
 * Every file is handled on its own: one unreadable or unwritable caption is skipped and reported, never
 * the end of the whole edit.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { sweepStaleTempFiles, writeFileAtomic } from './atomicWrite';
import { BulkPlan, CaptionInput } from './bulkEdit';
import { decodeCaption } from './caption';
import { captionEncodingProblem } from './captionEncoding';

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
		const decoded = decodeCaption(bytes);
		if (decoded.invalidUtf8) {
			return { path, text: undefined, mtimeMs: stat.mtimeMs, notUtf8: true, skip: `it is ${captionEncodingProblem(bytes)}; re-save it as UTF-8 to include it` };
		}
		return { path, text: (decoded.hasBom ? '\uFEFF' : '') + decoded.text, mtimeMs: stat.mtimeMs };
	} catch (err) {
		const code = ioCode(err);
		if (code === 'ENOENT') {
			return { path, text: undefined };
		}
		return { path, text: undefined, skip: `it cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}); check its permissions` };
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
		let reason: string | undefined;
		// The check runs once the new text is on disk beside the caption, right before it replaces it.
		const unchangedSinceRead = async (): Promise<boolean> => {
			const current = await readCaptionForEdit(change.path);
			if (current.text === change.before) {
				return true;
			}
			reason = current.skip ?? (current.text === undefined ? 'it was deleted' : 'it was changed on disk after it was read');
			return false;
		};
		try {
			if (await writeFileAtomic(change.path, change.after, { beforeRename: unchangedSinceRead })) {
				result.written.push(change.path);
			} else {
				result.skipped.push({ path: change.path, reason: reason ?? 'it changed on disk' });
			}
		} catch (err) {
			result.skipped.push({ path: change.path, reason: `it could not be written (${ioCode(err)}); check that the folder is writable` });
		}
	}
	return result;
}
