import { normalizeTag } from '../caption';

/**
 * Coverage groups: which tags say what about an image's view angle, framing, hair, glasses and outfit.
 * Users extend or replace groups in lora-workbench.yaml (`coverage.groups`). Tags are compared normalised
 * (case, underscores, weights do not matter).
 */
export type CoverageGroups = Record<string, string[]>;

export const DEFAULT_COVERAGE_GROUPS: Readonly<CoverageGroups> = Object.freeze({
	angle: ['looking at viewer', 'facing viewer', 'from side', 'profile', 'from above', 'from below', 'from behind',
		'looking away', 'looking to the side', 'looking back', 'looking up', 'looking down', 'three-quarter view'],
	framing: ['portrait', 'close-up', 'upper body', 'cowboy shot', 'full body', 'lower body', 'standing', 'sitting'],
	hairstyle: ['ponytail', 'twintails', 'braid', 'hair bun', 'single hair bun', 'bob cut', 'short hair', 'medium hair',
		'long hair', 'very long hair', 'hair up', 'hair down', 'side ponytail', 'bangs', 'curly hair', 'wavy hair', 'straight hair'],
	hairColor: ['black hair', 'brown hair', 'blonde hair', 'red hair', 'orange hair', 'grey hair', 'white hair', 'pink hair',
		'blue hair', 'green hair', 'purple hair', 'silver hair', 'multicolored hair', 'streaked hair'],
	glasses: ['glasses', 'sunglasses', 'eyewear on head', 'round eyewear', 'black-framed eyewear'],
	outfit: ['shirt', 't-shirt', 'dress', 'jacket', 'coat', 'sweater', 'hoodie', 'suit', 'skirt', 'jeans', 'pants', 'shorts',
		'uniform', 'swimsuit', 'bikini', 'tank top', 'blouse', 'hat', 'scarf', 'military uniform', 'school uniform',
		'serafuku', 'police uniform', 'gym uniform', 'maid', 'spacesuit', 'armor', 'bodysuit', 'kimono', 'yukata',
		'wedding dress', 'evening gown', 'tuxedo', 'leotard', 'pajamas', 'sportswear', 'overalls', 'vest', 'cardigan',
		'cape', 'cloak', 'apron', 'costume', 'lab coat', 'trench coat', 'leather jacket', 'crop top', 'sundress'],
});

/** Groups from the settings merged over the defaults: a group in the file replaces the default of that name. */
export function resolveGroups(fromSettings: unknown): CoverageGroups {
	const groups: CoverageGroups = {};
	for (const [name, tags] of Object.entries(DEFAULT_COVERAGE_GROUPS)) {
		groups[name] = [...tags];
	}
	if (typeof fromSettings === 'object' && fromSettings !== null && !Array.isArray(fromSettings)) {
		for (const [name, tags] of Object.entries(fromSettings as Record<string, unknown>)) {
			if (Array.isArray(tags)) {
				groups[name] = tags.filter((t): t is string => typeof t === 'string' && t.trim().length > 0);
			}
		}
	}
	return groups;
}

export function groupIndex(groups: CoverageGroups): Map<string, { group: string; tag: string }[]> {
	const index = new Map<string, { group: string; tag: string }[]>();
	for (const [group, tags] of Object.entries(groups)) {
		for (const tag of tags) {
			const key = normalizeTag(tag);
			index.set(key, [...(index.get(key) ?? []), { group, tag }]);
		}
	}
	return index;
}

/** The groups with the costumes the settings declare (coverage.costumes, lint.costumeTags) counted as outfits too. */
export function withDeclaredCostumes(groups: CoverageGroups, costumes: readonly string[]): CoverageGroups {
	const outfit = groups.outfit ?? [];
	const known = new Set(outfit.map(normalizeTag));
	const added = costumes.filter((tag) => tag.trim() && !known.has(normalizeTag(tag)) && known.add(normalizeTag(tag)));
	return added.length > 0 ? { ...groups, outfit: [...outfit, ...added] } : groups;
}
