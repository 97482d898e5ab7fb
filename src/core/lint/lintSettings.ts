import { LintSeverity } from './types';
import { LINT_RULES, RULE_CODES } from './rules';

/**
 * The `lint:` section of lora-workbench.yaml:
 *
 *   lint:
 *     rules: { unknown-tag: warning, tag-style: off }   # error | warning | info | off per rule code
 *     vocabulary: selected_tags.csv                      # or a list; relative to the training folder
 *     bakedTraits: [blue eyes]                           # part of the trigger: must not be captioned
 *     costumeTags: [red dress]                           # the guide: about 25% of the images at most
 *     costumeMaxShare: 0.25
 *     conflicts: [[smile, frown]]                        # more groups of mutually exclusive tags
 */
export type RuleSetting = LintSeverity | 'off';

export interface LintSettings {
	/** Severity per rule code; a rule not listed has its default. */
	rules: Record<string, RuleSetting>;
	vocabulary: string[];
	bakedTraits: string[];
	costumeTags: string[];
	costumeMaxShare: number;
	conflicts: string[][];
}

export const DEFAULT_COSTUME_MAX_SHARE = 0.25;

export function defaultLintSettings(): LintSettings {
	return { rules: {}, vocabulary: [], bakedTraits: [], costumeTags: [], costumeMaxShare: DEFAULT_COSTUME_MAX_SHARE, conflicts: [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, key: string, problems: string[]): string[] {
	if (value === undefined || value === null) {
		return [];
	}
	const items = Array.isArray(value) ? value : [value];
	const strings = items.filter((item): item is string | number => typeof item === 'string' || typeof item === 'number').map((item) => String(item).trim()).filter((item) => item.length > 0);
	if (strings.length !== items.length) {
		problems.push(`lint.${key} must be a list of words or tags (found ${JSON.stringify(value)}); the other entries are ignored.`);
	}
	return strings;
}

/** Reads the section; bad values become problems (naming the key) and fall back to the defaults. */
export function parseLintSettings(raw: unknown, problems: string[]): LintSettings {
	const settings = defaultLintSettings();
	if (raw === undefined || raw === null) {
		return settings;
	}
	if (!isRecord(raw)) {
		problems.push('lint: must be a mapping (rules:, vocabulary:, bakedTraits:, costumeTags:, conflicts:); the defaults are used.');
		return settings;
	}
	if (isRecord(raw.rules)) {
		for (const [code, value] of Object.entries(raw.rules)) {
			if (!RULE_CODES.has(code)) {
				problems.push(`lint.rules.${code} is not a rule; known rules: ${LINT_RULES.map((r) => r.code).join(', ')}.`);
			} else if (value === false || value === 'off') {
				settings.rules[code] = 'off';
			} else if (value === 'error' || value === 'warning' || value === 'info') {
				settings.rules[code] = value;
			} else {
				problems.push(`lint.rules.${code} must be error, warning, info or off (found ${JSON.stringify(value)}); the default is used.`);
			}
		}
	} else if (raw.rules !== undefined && raw.rules !== null) {
		problems.push('lint.rules must map rule codes to error, warning, info or off.');
	}
	settings.vocabulary = stringList(raw.vocabulary, 'vocabulary', problems);
	settings.bakedTraits = stringList(raw.bakedTraits, 'bakedTraits', problems);
	settings.costumeTags = stringList(raw.costumeTags, 'costumeTags', problems);
	const share = raw.costumeMaxShare;
	if (share !== undefined && share !== null) {
		if (typeof share === 'number' && share > 0 && share <= 1) {
			settings.costumeMaxShare = share;
		} else {
			problems.push(`lint.costumeMaxShare must be a share between 0 and 1, e.g. 0.25 (found ${JSON.stringify(share)}); using ${DEFAULT_COSTUME_MAX_SHARE}.`);
		}
	}
	if (Array.isArray(raw.conflicts)) {
		raw.conflicts.forEach((group, index) => {
			const tags = stringList(group, `conflicts[${index}]`, problems);
			if (tags.length >= 2) {
				settings.conflicts.push(tags);
			} else {
				problems.push(`lint.conflicts[${index}] must list at least two mutually exclusive tags.`);
			}
		});
	} else if (raw.conflicts !== undefined && raw.conflicts !== null) {
		problems.push('lint.conflicts must be a list of tag lists, e.g. [[smile, frown]].');
	}
	return settings;
}
