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

/** The indices of the groups in `groups` that have the fact's key, kept on the fact for that table of groups. */
function groupIndicesOf(fact: TagFacts, groups: readonly ConflictGroup[]): readonly number[] | undefined {
	const memo = fact.conflictGroups;
	if (memo?.groups === groups) {
		return memo.indices;
	}
	const indices: number[] = [];
	for (let g = 0; g < groups.length; g++) {
		if (groupKeys(groups[g]).members.has(fact.key)) {
			indices.push(g);
		}
	}
	const found = indices.length > 0 ? indices : undefined;
	fact.conflictGroups = { groups, indices: found };
	return found;
}

/** `conflicting-tags`: a second tag from one exclusive group is reported, naming the first. */
export function conflictingTagsRule(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	const groups = ctx.conflictGroups;
	// Nearly every caption has at most one tag of all the groups together: nothing can conflict then.
	let members: number[] | undefined;
	for (let i = 0; i < facts.length; i++) {
		if (groupIndicesOf(facts[i], groups)) {
			(members ??= []).push(i);
		}
	}
	if (!members || members.length < 2) {
		return [];
	}
	// Walks over the caption's facts, not lists or sets of its keys: this runs for most captions of a dataset.
	const present = (key: string): boolean => facts.some((fact) => fact.key === key);
	const { tags } = parsed;
	const issues: TextIssue[] = [];
	for (let g = 0; g < groups.length; g++) {
		const group = groups[g];
		const { unless } = groupKeys(group);
		let first = -1;
		for (let m = 0; m < members.length; m++) {
			const index = members[m];
			if (!groupIndicesOf(facts[index], groups)!.includes(g)) {
				continue;
			}
			const { key } = facts[index];
			if (first === -1) {
				if (unless.some(present)) {
					break;
				}
				first = index;
			} else if (key !== facts[first].key) {
				const tag = tags[index];
				issues.push({
					code: 'conflicting-tags', start: tag.start, end: tag.end,
					message: `"${tag.text}" contradicts "${tags[first].text}" (${group.what}): one image can only show one. Keep the one that is true.`,
					fix: { title: `Remove "${tag.text}"`, edits: [removeTagEdit(tags, index)] },
				});
			}
		}
	}
	return issues;
}

const bakedKeys = new WeakMap<readonly string[], ReadonlySet<string>>();

/** The keys of lint.bakedTraits, made once per settings rather than once per caption. */
function bakedTraitKeys(traits: readonly string[]): ReadonlySet<string> {
	let keys = bakedKeys.get(traits);
	if (!keys) {
		keys = new Set(traits.map(tagKey));
		bakedKeys.set(traits, keys);
	}
	return keys;
}

/** `baked-trait`: a trait declared part of the trigger (lint.bakedTraits) must not be captioned, or it stays promptable instead of baked in. */
export function bakedTraitRule(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	if (ctx.isReg || ctx.bakedTraits.length === 0) {
		return [];
	}
	const traits = bakedTraitKeys(ctx.bakedTraits);
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
