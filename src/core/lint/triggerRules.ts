import { ParsedCaption } from '../caption';
import { tagKey } from './tagKey';
import { CaptionContext } from './context';
import { insertFirstEdit, removeTagEdit } from './edits';
import { TagFacts, captionTagFacts } from './tagFacts';
import { TextIssue } from './types';

/** Whether a tag names the trigger: the tag itself, or a tag that starts with it (`3mm4w4ts0n woman`). */
export function isTriggerTag(tag: string, trigger: string): boolean {
	const key = tagKey(tag);
	const wanted = tagKey(trigger);
	return key === wanted || key.split(' ').includes(wanted);
}

/** isTriggerTag for a tag's facts, kept on them for the trigger last asked about. */
function namesTrigger(fact: TagFacts, text: string, trigger: string): boolean {
	if (fact.trigger?.trigger !== trigger) {
		fact.trigger = { trigger, names: isTriggerTag(text, trigger) };
	}
	return fact.trigger.names;
}

/** `missing-trigger` and `trigger-not-first`. */
export function triggerRules(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	const trigger = ctx.trigger;
	if (!trigger || ctx.isReg || parsed.tags.length === 0) {
		return [];
	}
	let index = 0;
	while (index < facts.length && !namesTrigger(facts[index], parsed.tags[index].text, trigger)) {
		index++;
	}
	if (index === facts.length) {
		index = -1;
	}
	if (index === -1) {
		const first = parsed.tags[0];
		return [{
			code: 'missing-trigger', start: first.start, end: first.end,
			message: `The caption lacks the trigger word "${trigger}"; the LoRA learns the person only where the trigger is written.`,
			fix: { title: `Add "${trigger}" as the first tag`, edits: [insertFirstEdit(parsed.tags, trigger)] },
		}];
	}
	const allowed = ctx.shuffleCaption ? Math.max(ctx.keepTokens, 1) : 1;
	if (index < allowed) {
		return [];
	}
	const tag = parsed.tags[index];
	const why = ctx.shuffleCaption
		? `shuffle_caption is on and keep_tokens is ${ctx.keepTokens}, so the trigger is shuffled with the other tags`
		: 'the guide puts it first so it is never cut off and always binds to the person';
	return [{
		code: 'trigger-not-first', start: tag.start, end: tag.end,
		message: `The trigger word "${trigger}" is tag ${index + 1}, not the first: ${why}.`,
		fix: { title: `Move "${tag.text}" to the front`, edits: [removeTagEdit(parsed.tags, index), insertFirstEdit(parsed.tags, tag.text)] },
	}];
}
