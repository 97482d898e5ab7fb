/**
 * Bulk edits on disk (CLI): read the captions with a stamp of what was read, and write a plan back only
 * where the file still holds exactly that, so an edit never overwrites a caption changed meanwhile.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import { BulkPlan, CaptionInput } from './bulkEdit';
import { decodeCaption } from './caption';

export interface ReadCaption extends CaptionInput {
	/** Modification time when read (ms), undefined for a missing file. */
	mtimeMs?: number;
	/** Set when the file is not valid UTF-8: it is then left out of bulk edits. */
	notUtf8?: boolean;
}

export async function readCaptionForEdit(path: string): Promise<ReadCaption> {
	try {
		const [bytes, stat] = await Promise.all([fs.readFile(path), fs.stat(path)]);
		const decoded = decodeCaption(bytes);
		if (decoded.invalidUtf8) {
			return { path, text: undefined, mtimeMs: stat.mtimeMs, notUtf8: true };
		}
		return { path, text: (decoded.hasBom ? '\uFEFF' : '') + decoded.text, mtimeMs: stat.mtimeMs };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
			return { path, text: undefined };
		}
		throw new Error(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); check its permissions.`);
	}
}

export interface AppliedPlan {
	written: string[];
	/** Files whose content changed on disk since they were read: left as they are. */
	skipped: Array<{ path: string; reason: string }>;
}

/** Writes each change atomically, unless the file no longer holds the text the plan was made from. */
export async function applyPlanToDisk(plan: BulkPlan): Promise<AppliedPlan> {
	const result: AppliedPlan = { written: [], skipped: [] };
	for (const change of plan.changes) {
		const current = await readCaptionForEdit(change.path);
		if (current.text !== change.before) {
			result.skipped.push({ path: change.path, reason: current.text === undefined ? 'it was deleted or is no longer UTF-8' : 'it was changed on disk after it was read' });
			continue;
		}
		await writeFileAtomic(change.path, change.after);
		result.written.push(change.path);
	}
	return result;
}
