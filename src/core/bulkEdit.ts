/**
 * Bulk tag edits as pure functions from caption text to new caption text. Only the first line (the one
 * sd-scripts trains on) is edited; BOM, line ending and any further lines stay as they were. A caption
 * whose tags do not change comes back byte for byte, so a bulk edit touches only the files it must.
 */
import { captionTags, normalizeTag, replaceCaptionTags } from './caption';
import { countOf } from './plural';

export type AddPosition = 'start' | 'end' | 'afterTrigger';

export type BulkOperation =
	| { kind: 'add'; tag: string; position: AddPosition }
	/** `exact`: only this spelling (`long_hair`), not the others that compare equal (`long hair`, `Long Hair`). */
	| { kind: 'remove'; tag: string; exact?: boolean }
	/** Whole tags equal to `from` (as normalizeTag compares) become `to`. */
	| { kind: 'rename'; from: string; to: string }
	/** Within each tag: plain text or a regular expression (JavaScript syntax, `$1` in the replacement). A tag that becomes empty is removed. */
	| { kind: 'replace'; find: string; replacement: string; regex: boolean; ignoreCase?: boolean }
	| { kind: 'moveToFront'; tag: string }
	| { kind: 'dedupe' }
	/** `spaces`: `_` becomes a space in tags longer than 3 characters (the WD14 tagger's rule, so `^_^` survives). */
	| { kind: 'normalize'; to: 'spaces' | 'underscores' }
	/** Most frequent tags (in the dataset) first; the trigger stays first; ties keep their order. */
	| { kind: 'sortByFrequency' };

export interface BulkContext {
	trigger?: string;
	/** Caption separator (sd-scripts `caption_separator`), default ",". */
	separator?: string;
	/** Images per normalised tag key, for sortByFrequency. */
	frequency?: ReadonlyMap<string, number>;
}

export class BulkEditError extends Error {}

export type RegexResult = { ok: true; regex: RegExp } | { ok: false; message: string };

/** Compiles a user's pattern; the message says why it does not compile. */
export function compileUserRegex(pattern: string, ignoreCase = false): RegexResult {
	if (pattern === '') {
		return { ok: false, message: 'The regular expression is empty; type what to find.' };
	}
	try {
		return { ok: true, regex: new RegExp(pattern, ignoreCase ? 'gi' : 'g') };
	} catch (err) {
		const reason = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
		return { ok: false, message: `The regular expression /${pattern}/ does not compile: ${reason}.` };
	}
}

/** Checks an operation before it runs; returns a message for the user, or undefined when it is fine. */
export function validateOperation(op: BulkOperation): string | undefined {
	const needsTag = (tag: string, what: string) => (normalizeTag(tag) === '' ? `Type the tag to ${what}.` : undefined);
	switch (op.kind) {
		case 'add':
			return needsTag(op.tag, 'add') ?? (/[,\r\n]/.test(op.tag) ? 'A tag cannot contain a comma or a line break; add one tag at a time.' : undefined);
		case 'remove':
			return needsTag(op.tag, 'remove');
		case 'moveToFront':
			return needsTag(op.tag, 'move to the front');
		case 'rename':
			return needsTag(op.from, 'rename') ?? (/[\r\n]/.test(op.to) ? 'The new name cannot contain a line break.' : undefined);
		case 'replace':
			if (op.regex) {
				const compiled = compileUserRegex(op.find, op.ignoreCase);
				return compiled.ok ? undefined : compiled.message;
			}
			return op.find === '' ? 'Type the text to find.' : undefined;
		default:
			return undefined;
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dedupe(tags: readonly string[]): string[] {
	const seen = new Set<string>();
	return tags.filter((tag) => {
		const key = normalizeTag(tag);
		if (seen.has(key)) {
			return false;
		}
		seen.add(key);
		return true;
	});
}

function triggerIndex(tags: readonly string[], trigger: string | undefined): number {
	if (!trigger) {
		return -1;
	}
	const key = normalizeTag(trigger);
	return tags.findIndex((tag) => normalizeTag(tag) === key);
}

/** The new tag list; throws BulkEditError for an operation that validateOperation rejects. */
export function applyToTags(tags: readonly string[], op: BulkOperation, context: BulkContext = {}): string[] {
	const problem = validateOperation(op);
	if (problem) {
		throw new BulkEditError(problem);
	}
	switch (op.kind) {
		case 'add': {
			const key = normalizeTag(op.tag);
			if (tags.some((tag) => normalizeTag(tag) === key)) {
				return [...tags];
			}
			const at = op.position === 'start' ? 0 : op.position === 'end' ? tags.length : triggerIndex(tags, context.trigger) + 1;
			return [...tags.slice(0, at), op.tag.trim(), ...tags.slice(at)];
		}
		case 'remove': {
			if (op.exact) {
				const spelling = op.tag.trim();
				return tags.filter((tag) => tag.trim() !== spelling);
			}
			const key = normalizeTag(op.tag);
			return tags.filter((tag) => normalizeTag(tag) !== key);
		}
		case 'rename': {
			const key = normalizeTag(op.from);
			const renamed = tags.map((tag) => (normalizeTag(tag) === key ? op.to.trim() : tag)).filter((tag) => tag !== '');
			// Renaming onto a tag the caption already has would write it twice; keep the first.
			const newKey = normalizeTag(op.to);
			let seen = false;
			return renamed.filter((tag) => {
				if (normalizeTag(tag) !== newKey) {
					return true;
				}
				const keep = !seen;
				seen = true;
				return keep;
			});
		}
		case 'replace': {
			const compiled = op.regex ? compileUserRegex(op.find, op.ignoreCase) : compileUserRegex(escapeRegExp(op.find), op.ignoreCase);
			if (!compiled.ok) {
				throw new BulkEditError(compiled.message);
			}
			const replacement = op.regex ? op.replacement : op.replacement.replace(/\$/g, '$$$$');
			return tags.flatMap((tag) => {
				const next = tag.replace(compiled.regex, replacement);
				// A replacement may split a tag (`a, b`) or empty it; both are what the user asked for.
				return next === tag ? [tag] : next.split(context.separator ?? ',').map((t) => t.trim()).filter((t) => t !== '');
			});
		}
		case 'moveToFront': {
			const key = normalizeTag(op.tag);
			const moving = tags.filter((tag) => normalizeTag(tag) === key);
			if (moving.length === 0) {
				return [...tags];
			}
			const rest = tags.filter((tag) => normalizeTag(tag) !== key);
			const trigger = triggerIndex(rest, context.trigger);
			// keep_tokens counts from the front, so the trigger keeps its place ahead of everything.
			const at = trigger === 0 ? 1 : 0;
			return [...rest.slice(0, at), ...moving, ...rest.slice(at)];
		}
		case 'dedupe':
			return dedupe(tags);
		case 'normalize':
			return tags.map((tag) => (op.to === 'spaces'
				? (tag.length > 3 ? tag.replace(/_/g, ' ') : tag).replace(/\s+/g, ' ')
				: tag.replace(/\s+/g, '_')));
		case 'sortByFrequency': {
			const frequency = context.frequency ?? new Map<string, number>();
			const trigger = triggerIndex(tags, context.trigger);
			const head = trigger >= 0 ? [tags[trigger]] : [];
			const rest = tags.filter((_, i) => i !== trigger).map((tag, i) => ({ tag, i, n: frequency.get(normalizeTag(tag)) ?? 0 }));
			rest.sort((a, b) => b.n - a.n || a.i - b.i);
			return [...head, ...rest.map((r) => r.tag)];
		}
	}
}

/** Applies an operation to a caption file's text; returns the same string when nothing changes. */
export function applyToCaption(text: string, op: BulkOperation, context: BulkContext = {}): string {
	const separator = context.separator ?? ',';
	const before = captionTags(text, separator);
	const after = applyToTags(before, op, context);
	if (after.length === before.length && after.every((tag, i) => tag === before[i])) {
		return text;
	}
	return replaceCaptionTags(text, after, separator);
}

export interface CaptionInput {
	/** The caption file. */
	path: string;
	/** Its text as read; undefined when the image has no caption file (or `skip` says why it cannot be edited). */
	text: string | undefined;
	/** Why an existing caption cannot be edited (not UTF-8, unreadable): it is left alone and reported. */
	skip?: string;
}

export interface CaptionChange {
	path: string;
	before: string;
	after: string;
}

export interface BulkPlan {
	operation: BulkOperation;
	changes: CaptionChange[];
	unchanged: number;
	/** Images without a caption file: a bulk edit does not create captions (that would replace the class-token fallback). */
	withoutCaption: number;
	/** Caption files that exist but cannot be edited, with the reason: left alone, and named to the user. */
	skipped: Array<{ path: string; reason: string }>;
	/** "14 captions will change" (and what is left alone). */
	summary: string;
}

/** Plans an operation over captions: what the preview shows and what the edit then applies. */
export function planBulkEdit(inputs: readonly CaptionInput[], op: BulkOperation, context: BulkContext = {}): BulkPlan {
	const changes: CaptionChange[] = [];
	let unchanged = 0;
	let withoutCaption = 0;
	const skipped: BulkPlan['skipped'] = [];
	// Two images can share one caption (a.jpg and a.png both read a.txt): plan each file once.
	const seen = new Set<string>();
	for (const input of inputs) {
		if (seen.has(input.path)) {
			continue;
		}
		seen.add(input.path);
		if (input.skip !== undefined) {
			skipped.push({ path: input.path, reason: input.skip });
			continue;
		}
		if (input.text === undefined) {
			withoutCaption++;
			continue;
		}
		const after = applyToCaption(input.text, op, context);
		if (after === input.text) {
			unchanged++;
		} else {
			changes.push({ path: input.path, before: input.text, after });
		}
	}
	return { operation: op, changes, unchanged, withoutCaption, skipped, summary: planSummary(changes.length, unchanged, withoutCaption, skipped.length) };
}

export function planSummary(changed: number, unchanged: number, withoutCaption: number, cannotEdit = 0): string {
	const parts = [`${countOf(changed, 'caption')} will change`];
	if (unchanged > 0) {
		parts.push(`${unchanged} unchanged`);
	}
	if (withoutCaption > 0) {
		parts.push(`${countOf(withoutCaption, 'image has', 'images have')} no caption file and will be left alone`);
	}
	if (cannotEdit > 0) {
		parts.push(`${countOf(cannotEdit, 'caption cannot', 'captions cannot')} be edited (not UTF-8 or unreadable) and will be left alone`);
	}
	return parts.join('; ');
}

/** A one-line description for previews and undo labels. */
export function describeOperation(op: BulkOperation): string {
	switch (op.kind) {
		case 'add':
			return `Add "${op.tag}" ${op.position === 'start' ? 'at the start' : op.position === 'end' ? 'at the end' : 'after the trigger'}`;
		case 'remove':
			return op.exact ? `Remove only the spelling "${op.tag}"` : `Remove "${op.tag}"`;
		case 'rename':
			return `Rename "${op.from}" to "${op.to}"`;
		case 'replace':
			return `Replace ${op.regex ? `/${op.find}/` : `"${op.find}"`} with "${op.replacement}"`;
		case 'moveToFront':
			return `Move "${op.tag}" to the front`;
		case 'dedupe':
			return 'Remove duplicate tags';
		case 'normalize':
			return op.to === 'spaces' ? 'Underscores to spaces' : 'Spaces to underscores';
		case 'sortByFrequency':
			return 'Sort tags by frequency (trigger first)';
	}
}

/**
 * What an edit does to one caption's tags, for the preview: the tags it removes and adds (by exact spelling, so a
 * respelling shows as both), or that it only reorders them.
 */
export interface TagDiff {
	removed: string[];
	added: string[];
	reordered: boolean;
}

export function tagDiff(before: string, after: string, separator = ','): TagDiff {
	const beforeTags = captionTags(before, separator);
	const afterTags = captionTags(after, separator);
	const left = [...afterTags];
	const removed: string[] = [];
	for (const tag of beforeTags) {
		const at = left.indexOf(tag);
		if (at >= 0) {
			left.splice(at, 1);
		} else {
			removed.push(tag);
		}
	}
	const reordered = removed.length === 0 && left.length === 0 && beforeTags.some((tag, i) => tag !== afterTags[i]);
	return { removed, added: left, reordered };
}

/** One line per caption for the preview: `− long_hair  + long hair`, or `order changed: emw, smile, ...`. */
export function describeTagDiff(diff: TagDiff, after: string, separator = ','): string {
	if (diff.reordered) {
		return `order changed: ${captionTags(after, separator).join(', ')}`;
	}
	const parts = [...diff.removed.map((tag) => `− ${tag}`), ...diff.added.map((tag) => `+ ${tag}`)];
	return parts.length > 0 ? parts.join('   ') : 'only spacing or separators change';
}

/** How many images (captions) of `captions` write each spelling of `tag`, most used first. */
export function spellingsOf(captions: Iterable<string>, tag: string, separator = ','): Array<{ spelling: string; images: number }> {
	const key = normalizeTag(tag);
	const counts = new Map<string, number>();
	for (const caption of captions) {
		const seen = new Set<string>();
		for (const written of captionTags(caption, separator)) {
			const spelling = written.trim();
			if (!seen.has(spelling) && normalizeTag(spelling) === key) {
				seen.add(spelling);
				counts.set(spelling, (counts.get(spelling) ?? 0) + 1);
			}
		}
	}
	return [...counts].map(([spelling, images]) => ({ spelling, images })).sort((a, b) => b.images - a.images || a.spelling.localeCompare(b.spelling));
}
