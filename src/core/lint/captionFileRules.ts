import { ParsedCaption, captionTags, formatCaption } from '../caption';
import { tagKey } from './tagKey';
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

/** `duplicate-tag`: the same tag twice, even when written differently (`Smile`, `smile`, `(smile:1.1)`). */
export function duplicateTagRule(parsed: ParsedCaption): TextIssue[] {
	const seen = new Map<string, string>();
	const issues: TextIssue[] = [];
	parsed.tags.forEach((tag, index) => {
		const key = tagKey(tag.text);
		if (!key) {
			return;
		}
		const first = seen.get(key);
		if (first === undefined) {
			seen.set(key, tag.text);
			return;
		}
		issues.push({
			code: 'duplicate-tag', start: tag.start, end: tag.end,
			message: first === tag.text ? `"${tag.text}" appears twice.` : `"${tag.text}" is the same tag as "${first}" earlier in the caption.`,
			fix: { title: `Remove duplicate "${tag.text}"`, edits: [removeTagEdit(parsed.tags, index)] },
		});
	});
	return issues;
}
