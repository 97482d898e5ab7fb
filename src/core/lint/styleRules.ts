import { CaptionTag, ParsedCaption } from '../caption';
import { CaptionContext } from './context';
import { styleTag } from './edits';
import { TextIssue } from './types';

/**
 * `tag-style`: how tags are written. Mixed underscores and spaces (the same tag written two ways trains as
 * two different token sequences), stray whitespace, empty or trailing separators, unbalanced parentheses,
 * and weights sd-scripts will not read as weights.
 */
export type TagStyle = 'underscore' | 'space';

const PROPER_WEIGHT = /^\((.+):\s*([-+]?\d*\.?\d+)\s*\)$/;
const WEIGHT_LIKE = /:\s*[-+]?\d*\.?\d+\s*[)\]]*$/;

/** The way a tag joins its words; undefined for one-word tags and kaomoji (3 characters or less). */
export function tagStyleOf(text: string): TagStyle | undefined {
	if (text.length <= 3) {
		return undefined;
	}
	const underscore = text.includes('_');
	const space = /\S\s+\S/.test(text);
	return underscore && !space ? 'underscore' : space && !underscore ? 'space' : undefined;
}

/** The prevailing style over many tags; ties go to spaces (what `--remove_underscore` writes). */
export function prevailingStyle(counts: { underscore: number; space: number }): TagStyle | undefined {
	if (counts.underscore === 0 || counts.space === 0) {
		return undefined;
	}
	return counts.underscore > counts.space ? 'underscore' : 'space';
}

export function countStyles(tags: readonly CaptionTag[], counts = { underscore: 0, space: 0 }): { underscore: number; space: number } {
	for (const tag of tags) {
		const style = tagStyleOf(tag.text);
		if (style) {
			counts[style]++;
		}
	}
	return counts;
}

function unbalanced(text: string): boolean {
	if (!/[()[\]]/.test(text)) {
		return false; // no brackets at all (nearly every tag): balanced, without the replace and the splits
	}
	let depth = 0;
	const plain = text.replace(/\\[()[\]]/g, '');
	for (const c of plain) {
		depth += c === '(' ? 1 : c === ')' ? -1 : 0;
		if (depth < 0) {
			return true;
		}
	}
	return depth !== 0 || (plain.split('[').length !== plain.split(']').length);
}

function weightIssue(tag: CaptionTag, ctx: CaptionContext): TextIssue | undefined {
	const proper = PROPER_WEIGHT.exec(tag.text);
	if (proper) {
		if (ctx.weightedCaptions) {
			return undefined;
		}
		return {
			code: 'tag-style', start: tag.start, end: tag.end, severity: 'warning',
			message: `"${tag.text}" is trained as literal text: sd-scripts reads (tag:weight) only with weighted_captions, which is off.`,
			fix: { title: `Drop the weight: "${proper[1].trim()}"`, edits: [{ start: tag.start, end: tag.end, newText: proper[1].trim() }] },
		};
	}
	if (!WEIGHT_LIKE.test(tag.text) || /^\d+:\d+$/.test(tag.text)) {
		return undefined;
	}
	const bare = tag.text.replace(WEIGHT_LIKE, '').replace(/^[([]+|[)\]]+$/g, '').trim();
	const weight = /([-+]?\d*\.?\d+)\s*[)\]]*$/.exec(tag.text)?.[1] ?? '1';
	const fixed = ctx.weightedCaptions ? `(${bare}:${weight})` : bare;
	return {
		code: 'tag-style', start: tag.start, end: tag.end, severity: 'warning',
		message: `"${tag.text}" looks like a weight, but sd-scripts reads only "(tag:1.2)" (and only with weighted_captions); it is trained as literal text.`,
		fix: bare ? { title: `Rewrite as "${fixed}"`, edits: [{ start: tag.start, end: tag.end, newText: fixed }] } : undefined,
	};
}

export function styleRules(parsed: ParsedCaption, ctx: CaptionContext): TextIssue[] {
	const issues: TextIssue[] = [];
	const style = ctx.tagStyle ?? prevailingStyle(countStyles(parsed.tags));
	const line = parsed.firstLine;
	for (const tag of parsed.tags) {
		const own = tagStyleOf(tag.text);
		if (style && own && own !== style && !(ctx.trigger && tag.text.includes(ctx.trigger))) {
			const fixed = styleTag(tag.text, style);
			issues.push({
				code: 'tag-style', start: tag.start, end: tag.end,
				message: `"${tag.text}" uses ${own === 'underscore' ? 'underscores' : 'spaces'}, the rest of the ${ctx.tagStyle ? 'dataset' : 'caption'} uses ${style === 'underscore' ? 'underscores' : 'spaces'}; the two spellings are different tokens to CLIP.`,
				fix: { title: `Write "${fixed}"`, edits: [{ start: tag.start, end: tag.end, newText: fixed }] },
			});
		}
		if (/\s{2,}|\t/.test(tag.text)) {
			const fixed = tag.text.replace(/\s+/g, ' ');
			issues.push({
				code: 'tag-style', start: tag.start, end: tag.end, message: `"${tag.text}" has stray whitespace inside.`,
				fix: { title: `Write "${fixed}"`, edits: [{ start: tag.start, end: tag.end, newText: fixed }] },
			});
		}
		if (unbalanced(tag.text)) {
			issues.push({ code: 'tag-style', start: tag.start, end: tag.end, severity: 'warning', message: `"${tag.text}" has unbalanced parentheses or brackets; close them or escape them as \\( \\).` });
		}
		const weight = weightIssue(tag, ctx);
		if (weight) {
			issues.push(weight);
		}
	}
	for (const offset of parsed.emptyTagOffsets) {
		const pieceEnd = line.indexOf(',', offset) === -1 ? line.length : line.indexOf(',', offset);
		const trailing = pieceEnd === line.length;
		// A leading empty piece goes with the comma after it; any other with the comma before it.
		const start = offset === 0 ? 0 : line.lastIndexOf(',', offset - 1);
		const end = offset === 0 ? pieceEnd + 1 : pieceEnd;
		issues.push({
			code: 'tag-style', start, end: Math.max(end, start + 1),
			message: trailing ? 'The caption ends with a separator.' : 'Empty tag between separators.',
			fix: { title: trailing ? 'Remove the trailing separator' : 'Remove the empty tag', edits: [{ start, end, newText: '' }] },
		});
	}
	return issues;
}
