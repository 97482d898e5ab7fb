import { firstLineOf, normalizeTag } from '../caption';

/** What happens to an image that already has a caption. */
export type ExistingCaptionMode = 'skip' | 'overwrite' | 'append';
export const EXISTING_CAPTION_MODES: readonly ExistingCaptionMode[] = ['skip', 'overwrite', 'append'];

/** The guide's "prefix" step: the trigger word first, then the class word when the user wants it. */
export interface CaptionPrefix {
	trigger?: string;
	classWord?: string;
}

/**
 * The caption text to write for one image, or undefined when it must be left alone (skip mode).
 * Duplicates are judged by normalizeTag, so `long_hair` in the file and `long hair` from the model are one tag.
 */
export function mergeCaption(modelTags: readonly string[], prefix: CaptionPrefix, existing: string | undefined, mode: ExistingCaptionMode, separator: string): string | undefined {
	const prefixTags = [prefix.trigger, prefix.classWord].map((t) => t?.trim()).filter((t): t is string => !!t);
	if (existing === undefined || mode === 'overwrite') {
		return `${dedupe([...prefixTags, ...modelTags]).join(separator)}\n`;
	}
	if (mode === 'skip') {
		return undefined;
	}
	const splitOn = separator.trim() || ',';
	const existingTags = firstLineOf(existing).split(splitOn).map((t) => t.trim()).filter((t) => t.length > 0);
	const prefixKeys = new Set(prefixTags.map(normalizeTag));
	const kept = existingTags.filter((t) => !prefixKeys.has(normalizeTag(t)));
	const present = new Set([...prefixKeys, ...kept.map(normalizeTag)]);
	const newTags = dedupe(modelTags).filter((t) => !present.has(normalizeTag(t)));
	const merged = [...prefixTags, ...kept, ...newTags];
	return replaceFirstLine(existing, merged.join(separator));
}

function dedupe(tags: readonly string[]): string[] {
	const seen = new Set<string>();
	return tags.filter((tag) => {
		const key = normalizeTag(tag);
		if (key.length === 0 || seen.has(key)) {
			return false;
		}
		seen.add(key);
		return true;
	});
}

/** Keeps a BOM, the line ending and any further lines; sd-scripts reads only the first line anyway. */
function replaceFirstLine(text: string, line: string): string {
	const hasBom = text.startsWith('\uFEFF');
	const body = hasBom ? text.slice(1) : text;
	const match = /\r\n|\r|\n/.exec(body);
	return `${hasBom ? '\uFEFF' : ''}${line}${match ? body.slice(match.index) : '\n'}`;
}
