import { ParsedCaption, captionTags, formatCaption } from '../caption';
import { CONTROL_CHARACTER, TagFacts, captionTagFacts } from './tagFacts';
import { CaptionContext } from './context';
import { removeTagEdit } from './edits';
import { TextIssue } from './types';

/** `empty-caption`: a zero-byte file aborts sd-scripts; a blank first line trains on an empty caption. */
export function emptyCaptionRule(text: string, parsed: ParsedCaption, ctx: CaptionContext): TextIssue[] {
	if (parsed.firstLine.trim().length > 0) {
		return [];
	}
	const fix = ctx.trigger && text.trim().length === 0
		? { title: `Write "${ctx.trigger}" into the caption`, edits: [{ start: 0, end: text.length, newText: ctx.trigger }] }
		: undefined;
	if (text.length === 0) {
		return [{ code: 'empty-caption', start: 0, end: 0, fix, message: 'The caption file is empty: sd-scripts stops with "caption file is empty". Write tags into it or delete it.' }];
	}
	return [{
		code: 'empty-caption', start: 0, end: parsed.firstLine.length, fix,
		message: 'The first line of the caption is blank: sd-scripts trains this image on an empty caption. Write the tags on the first line.',
	}];
}

/** `multi-line-caption`: sd-scripts trains on the first line only (unless enable_wildcard). */
export function multiLineRule(text: string, parsed: ParsedCaption): TextIssue[] {
	const lineBreak = /\r\n|\r|\n/.exec(text);
	if (!lineBreak) {
		return [];
	}
	const rest = text.slice(lineBreak.index);
	if (rest.trim().length === 0) {
		return [];
	}
	const start = lineBreak.index + lineBreak[0].length + (rest.slice(lineBreak[0].length).length - rest.slice(lineBreak[0].length).trimStart().length);
	const end = lineBreak.index + rest.trimEnd().length;
	const allTags = text.split(/\r\n|\r|\n/).flatMap((line) => captionTags(line));
	const lineCount = parsed.textLineCount;
	return [{
		code: 'multi-line-caption', start, end,
		message: `The caption has ${lineCount} lines of text; sd-scripts reads only the first, so the tags below it are never trained.`,
		fix: { title: 'Join all lines into the first line', edits: [{ start: 0, end: text.length, newText: formatCaption(allTags) + (/\r?\n$/.exec(text)?.[0] ?? '') }] },
	}];
}

export { CONTROL_CHARACTER } from './tagFacts';
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

function describeControl(text: string): string {
	const code = text.charCodeAt(0);
	return code === 0 ? 'NUL' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `control-character`: NUL and other invisible control characters. sd-scripts passes them to the tokenizer as
 * they are, so a tag like `smile\0` is not `smile`; NUL bytes usually mean a UTF-16 file without a byte order
 * mark or a damaged file, so those are errors.
 */
export function controlCharacterRule(text: string): TextIssue[] {
	const first = CONTROL_CHARACTER.exec(text);
	if (!first) {
		return [];
	}
	const all = text.match(CONTROL_CHARACTERS) ?? [];
	const kinds = [...new Set(all.map(describeControl))];
	const nul = kinds.includes('NUL');
	return [{
		code: 'control-character', start: first.index, end: first.index + 1, severity: nul ? 'error' : undefined,
		message: `The caption holds ${all.length} invisible control character(s) (${kinds.slice(0, 4).join(', ')}${kinds.length > 4 ? ', ...' : ''}); sd-scripts trains on them as part of the tags.${nul ? ' NUL characters usually mean the file is UTF-16 without a byte order mark or damaged: re-save it as UTF-8.' : ''} Remove them.`,
		fix: { title: 'Remove the control characters', edits: [{ start: 0, end: text.length, newText: text.replace(CONTROL_CHARACTERS, '') }] },
	}];
}

/** Numbers each duplicate-tag pass over a caption, for the keys' sightings (tagFacts.ts). */
let captionNumber = 0;

/** `duplicate-tag`: the same tag twice, even when written differently (`Smile`, `smile`, `(smile:1.1)`). */
export function duplicateTagRule(parsed: ParsedCaption, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	const caption = ++captionNumber;
	const issues: TextIssue[] = [];
	const { tags } = parsed;
	for (let index = 0; index < tags.length; index++) {
		const { key, control, seen } = facts[index];
		// A tag with control characters is reported by control-character, not as a duplicate of anything.
		if (!key || control) {
			continue;
		}
		const tag = tags[index];
		if (seen.caption !== caption) {
			seen.caption = caption;
			seen.text = tag.text;
			continue;
		}
		const first = seen.text;
		issues.push({
			code: 'duplicate-tag', start: tag.start, end: tag.end,
			message: first === tag.text ? `"${tag.text}" appears twice.` : `"${tag.text}" is the same tag as "${first}" earlier in the caption.`,
			fix: { title: `Remove duplicate "${tag.text}"`, edits: [removeTagEdit(tags, index)] },
		});
	}
	return issues;
}
