import { CaptionTag } from '../caption';
import { LintEdit } from './types';

/** Removes a tag with one of its separators, so `a, b, c` minus `b` reads `a, c`. */
export function removeTagEdit(tags: readonly CaptionTag[], index: number): LintEdit {
	const tag = tags[index];
	if (index + 1 < tags.length) {
		return { start: tag.start, end: tags[index + 1].start, newText: '' };
	}
	if (index > 0) {
		return { start: tags[index - 1].end, end: tag.end, newText: '' };
	}
	return { start: tag.start, end: tag.end, newText: '' };
}

export function replaceTagEdit(tag: CaptionTag, newText: string): LintEdit {
	return { start: tag.start, end: tag.end, newText };
}

/** Puts `text` first: `text, ` before the first tag (or just `text` in an empty caption). */
export function insertFirstEdit(tags: readonly CaptionTag[], text: string): LintEdit {
	return tags.length > 0 ? { start: tags[0].start, end: tags[0].start, newText: `${text}, ` } : { start: 0, end: 0, newText: text };
}

/** Applies non-overlapping edits to a text (later offsets first, so earlier ones stay valid). */
export function applyEdits(text: string, edits: readonly LintEdit[]): string {
	let result = text;
	for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
		result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
	}
	return result;
}

/** Writes a tag the way the caption (or dataset) writes multi-word tags; kaomoji (3 characters or less) keep underscores. */
export function styleTag(name: string, style: 'underscore' | 'space'): string {
	if (name.length <= 3) {
		return name;
	}
	return style === 'underscore' ? name.replace(/ /g, '_') : name.replace(/_/g, ' ');
}
