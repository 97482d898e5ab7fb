import { ParsedCaption } from '../caption';
import { tagKey } from './tagKey';
import { CaptionContext } from './context';
import { replaceTagEdit, styleTag } from './edits';
import { isTriggerTag } from './triggerRules';
import { LintFix, TextIssue } from './types';

/** A plain tag (no weight, emphasis or escapes) can be replaced by a suggestion without losing anything. */
function isPlainTag(text: string): boolean {
	return !/[()[\]:\\]/.test(text);
}

/** Words that make a comma-separated piece read as prose rather than as a booru tag (tags rarely have them). */
const PROSE_WORDS = new Set(['a', 'an', 'the', 'of', 'with', 'in', 'on', 'at', 'is', 'are', 'and', 'her', 'his', 'she', 'he', 'they', 'their',
	'wearing', 'while', 'from', 'into', 'for', 'to', 'by', 'who', 'which', 'this', 'that', 'looking', 'standing', 'sitting']);

/**
 * Whether a piece of a caption is natural language, not a tag: SDXL and Flux.1 are trained on sentence captions
 * as often as on tags, and the tag list has no entry for "a woman standing in a park". A piece of five or more
 * words with a word tags rarely have (or three ending like a sentence) reads as prose; for Flux.1, whose captions
 * are mostly sentences, three words with such a word do (a known tag is never reported anyway).
 */
export function isProse(text: string, model?: string): boolean {
	const words = text.trim().split(/\s+/).filter(Boolean);
	const sentenceEnd = /[.!?]$/.test(text.trim()) && words.length >= 3;
	const prose = words.some((w) => PROSE_WORDS.has(w.toLowerCase().replace(/[^a-z]/g, '')));
	return sentenceEnd || prose && words.length >= (model === 'flux1' ? 3 : 5);
}

/**
 * `unknown-tag`: a tag that is not in the configured vocabulary, with the canonical form of an alias or the nearest
 * known tag. Pieces of natural language (isProse) are not tags and are left alone.
 */
export function unknownTagRule(parsed: ParsedCaption, ctx: CaptionContext): TextIssue[] {
	const vocabulary = ctx.vocabulary;
	if (!vocabulary) {
		return [];
	}
	const own = new Set([...ctx.bakedTraits, ctx.classWord ?? ''].map(tagKey));
	const issues: TextIssue[] = [];
	for (const tag of parsed.tags) {
		if ((ctx.trigger && isTriggerTag(tag.text, ctx.trigger)) || own.has(tagKey(tag.text)) || isProse(tag.text, ctx.model)) {
			continue;
		}
		const found = vocabulary.lookup(tag.text);
		if (found.kind === 'known') {
			continue;
		}
		const style = tag.text.includes('_') ? 'underscore' : tag.text.includes(' ') ? 'space' : ctx.tagStyle ?? 'space';
		const replacement = found.kind === 'alias' ? found.entry : found.suggestion;
		const fix: LintFix | undefined = replacement && isPlainTag(tag.text)
			? { title: `Replace with "${styleTag(replacement.name, style)}"`, edits: [replaceTagEdit(tag, styleTag(replacement.name, style))] }
			: undefined;
		const message = found.kind === 'alias'
			? `"${tag.text}" is an alias of "${found.entry.name}"; taggers and prompts use the canonical tag.`
			: `"${tag.text}" is not in the tag list${found.suggestion ? `; did you mean "${found.suggestion.name}"?` : '.'}`;
		issues.push({ code: 'unknown-tag', start: tag.start, end: tag.end, message, fix });
	}
	return issues;
}
