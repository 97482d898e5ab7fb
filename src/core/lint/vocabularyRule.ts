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

/** `unknown-tag`: a tag that is not in the configured vocabulary, with the canonical form of an alias or the nearest known tag. */
export function unknownTagRule(parsed: ParsedCaption, ctx: CaptionContext): TextIssue[] {
	const vocabulary = ctx.vocabulary;
	if (!vocabulary) {
		return [];
	}
	const own = new Set([...ctx.bakedTraits, ctx.classWord ?? ''].map(tagKey));
	const issues: TextIssue[] = [];
	for (const tag of parsed.tags) {
		if ((ctx.trigger && isTriggerTag(tag.text, ctx.trigger)) || own.has(tagKey(tag.text))) {
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
