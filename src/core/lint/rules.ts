import { LintSeverity } from './types';

/**
 * Every rule the linter knows: a stable code (what `lint.rules` in lora-workbench.yaml, `--rules` and the
 * Problems panel use) and its default severity. Each rule family lives in its own file beside this one.
 */
export interface RuleInfo {
	code: string;
	severity: LintSeverity;
	summary: string;
}

export const LINT_RULES: readonly RuleInfo[] = [
	{ code: 'missing-trigger', severity: 'warning', summary: 'the caption lacks the trigger word' },
	{ code: 'trigger-not-first', severity: 'warning', summary: 'the trigger word is not the first tag (or not within keep_tokens when shuffling)' },
	{ code: 'duplicate-tag', severity: 'warning', summary: 'a tag appears twice (ignoring case, underscores, spaces and weights)' },
	{ code: 'caption-encoding', severity: 'error', summary: 'a caption that is not UTF-8 (UTF-16 named as such): sd-scripts stops on it' },
	{ code: 'control-character', severity: 'warning', summary: 'NUL (an error) or other invisible control characters in a caption' },
	{ code: 'empty-caption', severity: 'error', summary: 'an empty caption file: sd-scripts aborts on it' },
	{ code: 'missing-caption', severity: 'warning', summary: 'an image without a caption: sd-scripts trains it on the class tokens' },
	{ code: 'orphan-caption', severity: 'warning', summary: 'a caption without an image' },
	{ code: 'shared-caption', severity: 'warning', summary: 'two images with one name (a.jpg, a.png) read the same caption' },
	{ code: 'multi-line-caption', severity: 'warning', summary: 'sd-scripts reads only the first line' },
	{ code: 'class-conflict', severity: 'warning', summary: 'a tag contradicts the subject\'s class (1boy on a woman)' },
	{ code: 'multiple-people', severity: 'warning', summary: 'a tag says there is more than one person' },
	{ code: 'conflicting-tags', severity: 'warning', summary: 'mutually exclusive tags on one image' },
	{ code: 'baked-trait', severity: 'warning', summary: 'a trait declared part of the trigger is still captioned' },
	{ code: 'costume-ratio', severity: 'warning', summary: 'a costume tag appears in more than its share of the images' },
	{ code: 'token-overflow', severity: 'warning', summary: 'the caption is longer than the CLIP tokens sd-scripts keeps (SD1.5, SDXL), or than T5\'s 512 for Flux.1' },
	{ code: 'unknown-tag', severity: 'info', summary: 'a tag not in the configured vocabulary' },
	{ code: 'tag-style', severity: 'info', summary: 'mixed underscores and spaces, stray whitespace or separators, unbalanced parentheses, unreadable weights' },
];

export const RULE_CODES: ReadonlySet<string> = new Set(LINT_RULES.map((r) => r.code));

export function ruleInfo(code: string): RuleInfo | undefined {
	return LINT_RULES.find((r) => r.code === code);
}
