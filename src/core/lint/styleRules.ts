import { CaptionTag, ParsedCaption } from '../caption';
import { CaptionContext } from './context';
import { styleTag } from './edits';
import { TagFacts, TagStyle, WEIGHT_LIKE, captionTagFacts } from './tagFacts';
import { TextIssue } from './types';

/**
 * `tag-style`: how tags are written. Mixed underscores and spaces (the same tag written two ways trains as
 * two different token sequences), stray whitespace, empty or trailing separators, unbalanced parentheses,
 * and weights sd-scripts will not read as weights.
 */
export type { TagStyle } from './tagFacts';
export { tagStyleOf } from './tagFacts';

const PROPER_WEIGHT = /^\((.+):\s*([-+]?\d*\.?\d+)\s*\)$/;

/** The prevailing style over many tags; ties go to spaces (what `--remove_underscore` writes). */
export function prevailingStyle(counts: { underscore: number; space: number }): TagStyle | undefined {
	if (counts.underscore === 0 || counts.space === 0) {
		return undefined;
	}
	return counts.underscore > counts.space ? 'underscore' : 'space';
}

export function countStyles(tags: readonly CaptionTag[], counts = { underscore: 0, space: 0 }, facts: readonly TagFacts[] = captionTagFacts(tags)): { underscore: number; space: number } {
	for (const fact of facts) {
		if (fact.style) {
			counts[fact.style]++;
		}
	}
	return counts;
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

export function styleRules(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	const issues: TextIssue[] = [];
	const style = ctx.tagStyle ?? prevailingStyle(countStyles(parsed.tags, undefined, facts));
	const line = parsed.firstLine;
	for (let i = 0; i < parsed.tags.length; i++) {
		const tag = parsed.tags[i];
		const fact = facts[i];
		const own = fact.style;
		if (style && own && own !== style && !(ctx.trigger && tag.text.includes(ctx.trigger))) {
			const fixed = styleTag(tag.text, style);
			issues.push({
				code: 'tag-style', start: tag.start, end: tag.end,
				message: `"${tag.text}" uses ${own === 'underscore' ? 'underscores' : 'spaces'}, the rest of the ${ctx.tagStyle ? 'dataset' : 'caption'} uses ${style === 'underscore' ? 'underscores' : 'spaces'}; the two spellings are different tokens to CLIP.`,
				fix: { title: `Write "${fixed}"`, edits: [{ start: tag.start, end: tag.end, newText: fixed }] },
			});
		}
		if (fact.strayWhitespace) {
			const fixed = tag.text.replace(/\s+/g, ' ');
			issues.push({
				code: 'tag-style', start: tag.start, end: tag.end, message: `"${tag.text}" has stray whitespace inside.`,
				fix: { title: `Write "${fixed}"`, edits: [{ start: tag.start, end: tag.end, newText: fixed }] },
			});
		}
		if (fact.unbalanced) {
			issues.push({ code: 'tag-style', start: tag.start, end: tag.end, severity: 'warning', message: `"${tag.text}" has unbalanced parentheses or brackets; close them or escape them as \\( \\).` });
		}
		// Every weight the rule reports ends like one (a proper "(tag:1.2)" too); most tags do not and skip it.
		const weight = fact.weightLike ? weightIssue(tag, ctx) : undefined;
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
