import { ParsedCaption } from '../caption';
import { tagKey } from './tagKey';
import { CaptionContext } from './context';
import { removeTagEdit } from './edits';
import { TagFacts, captionTagFacts } from './tagFacts';
import { ConflictGroup, TextIssue } from './types';

const EYE_COLOURS = ['blue', 'brown', 'green', 'red', 'black', 'grey', 'purple', 'yellow', 'orange', 'pink', 'aqua'].map((c) => `${c} eyes`);
const HAIR_COLOURS = ['blonde', 'brown', 'black', 'red', 'grey', 'white', 'blue', 'green', 'pink', 'purple', 'orange', 'silver', 'aqua'].map((c) => `${c} hair`);

export const DEFAULT_CONFLICT_GROUPS: readonly ConflictGroup[] = [
	{ what: 'hair length', tags: ['very short hair', 'short hair', 'medium hair', 'long hair', 'very long hair', 'absurdly long hair'] },
	{ what: 'eyes open or closed', tags: ['open eyes', 'closed eyes'] },
	{ what: 'mouth open or closed', tags: ['open mouth', 'closed mouth'] },
	{ what: 'eye colour', tags: EYE_COLOURS, unless: ['heterochromia'] },
	{ what: 'hair colour', tags: HAIR_COLOURS, unless: ['multicolored hair', 'two-tone hair', 'streaked hair', 'gradient hair', 'colored inner hair'] },
	{ what: 'framing', tags: ['full body', 'upper body', 'lower body', 'cowboy shot'] },
];

/** The default table plus the user's groups from `lint.conflicts`. */
export function conflictGroups(extra: readonly (readonly string[])[]): ConflictGroup[] {
	return [...DEFAULT_CONFLICT_GROUPS, ...extra.map((tags) => ({ what: 'lint.conflicts', tags }))];
}

const compiled = new WeakMap<ConflictGroup, { members: Set<string>; unless: string[] }>();

function groupKeys(group: ConflictGroup): { members: Set<string>; unless: string[] } {
	let keys = compiled.get(group);
	if (!keys) {
		keys = { members: new Set(group.tags.map(tagKey)), unless: (group.unless ?? []).map(tagKey) };
		compiled.set(group, keys);
	}
	return keys;
}

const allGroups = new WeakMap<readonly ConflictGroup[], { members: Set<string> }>();

/** The member keys of all the groups together. */
function groupsKeys(groups: readonly ConflictGroup[]): { members: Set<string> } {
	let keys = allGroups.get(groups);
	if (!keys) {
		keys = { members: new Set(groups.flatMap((group) => [...groupKeys(group).members])) };
		allGroups.set(groups, keys);
	}
	return keys;
}

/** `conflicting-tags`: a second tag from one exclusive group is reported, naming the first. */
export function conflictingTagsRule(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	const keys = facts.map((f) => f.key);
	const { members: anyMember } = groupsKeys(ctx.conflictGroups);
	// Nearly every caption has at most one tag of all the groups together: nothing can conflict then.
	let inGroups = 0;
	for (const key of keys) {
		if (anyMember.has(key) && ++inGroups > 1) {
			break;
		}
	}
	if (inGroups < 2) {
		return [];
	}
	const present = new Set(keys);
	const issues: TextIssue[] = [];
	for (const group of ctx.conflictGroups) {
		const { members, unless } = groupKeys(group);
		if (unless.some((key) => present.has(key)) || !keys.some((key) => members.has(key))) {
			continue;
		}
		let first: { key: string; text: string } | undefined;
		keys.forEach((key, index) => {
			if (!members.has(key)) {
				return;
			}
			const tag = parsed.tags[index];
			if (!first) {
				first = { key, text: tag.text };
			} else if (key !== first.key) {
				issues.push({
					code: 'conflicting-tags', start: tag.start, end: tag.end,
					message: `"${tag.text}" contradicts "${first.text}" (${group.what}): one image can only show one. Keep the one that is true.`,
					fix: { title: `Remove "${tag.text}"`, edits: [removeTagEdit(parsed.tags, index)] },
				});
			}
		});
	}
	return issues;
}

/** `baked-trait`: a trait declared part of the trigger (lint.bakedTraits) must not be captioned, or it stays promptable instead of baked in. */
export function bakedTraitRule(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	if (ctx.isReg || ctx.bakedTraits.length === 0) {
		return [];
	}
	const traits = new Set(ctx.bakedTraits.map(tagKey));
	const issues: TextIssue[] = [];
	parsed.tags.forEach((tag, index) => {
		if (traits.has(facts[index].key)) {
			issues.push({
				code: 'baked-trait', start: tag.start, end: tag.end,
				message: `"${tag.text}" is declared part of the trigger (lint.bakedTraits); captioning it keeps it out of the trigger word.`,
				fix: { title: `Remove "${tag.text}"`, edits: [removeTagEdit(parsed.tags, index)] },
			});
		}
	});
	return issues;
}
