import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatedTokenCounter, loadClipTokenizer } from '../../src/core/clipTokenizer';
import { CaptionContext, RuleSelection, applyEdits, lintCaptionText } from '../../src/core/lint';
import { conflictGroups } from '../../src/core/lint/conflictRules';
import { TagVocabulary } from '../../src/core/vocabulary';
import { sharedFixture } from '../support/paths';

function ctx(over: Partial<CaptionContext> = {}): CaptionContext {
	return {
		trigger: '3mm4w4ts0n', classWord: 'woman', isReg: false, shuffleCaption: false, keepTokens: 0, weightedCaptions: false,
		maxTokens: 75, tokenCounter: estimatedTokenCounter, bakedTraits: [], conflictGroups: conflictGroups([]), ...over,
	};
}

/** Issues of one rule for a caption. */
function lint(code: string, text: string, over: Partial<CaptionContext> = {}) {
	return lintCaptionText(text, ctx(over), new RuleSelection({}, new Set([code])));
}

/** The caption after applying the first issue's fix. */
function fixed(code: string, text: string, over: Partial<CaptionContext> = {}): string {
	const [issue] = lint(code, text, over);
	assert.ok(issue?.fix, `${code} has a fix for ${JSON.stringify(text)}`);
	return applyEdits(text, issue.fix.edits);
}

test('missing-trigger fires without the trigger and is fixed by adding it first', () => {
	assert.equal(lint('missing-trigger', '1girl, smile').length, 1);
	assert.equal(fixed('missing-trigger', '1girl, smile'), '3mm4w4ts0n, 1girl, smile');
	assert.equal(lint('missing-trigger', '3mm4w4ts0n, 1girl').length, 0);
	assert.equal(lint('missing-trigger', '3mm4w4ts0n woman, smile').length, 0, 'the trigger inside "trigger class" counts');
	assert.equal(lint('missing-trigger', '1girl', { isReg: true }).length, 0, 'reg captions describe other people');
	assert.equal(lint('missing-trigger', '1girl', { trigger: undefined }).length, 0);
});

test('trigger-not-first fires past the first tag (or past keep_tokens when shuffling) and moves it', () => {
	const [issue] = lint('trigger-not-first', '1girl, 3mm4w4ts0n, smile');
	assert.equal(issue.start, 7);
	assert.equal(fixed('trigger-not-first', '1girl, 3mm4w4ts0n, smile'), '3mm4w4ts0n, 1girl, smile');
	assert.equal(fixed('trigger-not-first', '1girl, smile, 3mm4w4ts0n'), '3mm4w4ts0n, 1girl, smile');
	assert.equal(lint('trigger-not-first', '3mm4w4ts0n, 1girl').length, 0);
	assert.equal(lint('trigger-not-first', '1girl, 3mm4w4ts0n', { shuffleCaption: true, keepTokens: 2 }).length, 0);
	assert.match(lint('trigger-not-first', 'a, b, 3mm4w4ts0n', { shuffleCaption: true, keepTokens: 2 })[0].message, /keep_tokens is 2/);
});

test('duplicate-tag fires after normalising case, underscores, spaces and weights', () => {
	assert.equal(lint('duplicate-tag', 'a, long hair, Long_Hair, (long hair:1.2)').length, 2);
	assert.equal(fixed('duplicate-tag', 'a, smile, b, smile'), 'a, smile, b');
	assert.equal(fixed('duplicate-tag', 'a, smile, smile, b'), 'a, smile, b');
	assert.equal(lint('duplicate-tag', 'long hair, short hair, smile').length, 0);
	// Each caption on its own: a tag in one caption is no duplicate of the same tag in the caption before it.
	assert.deepEqual(['smile, Smile', 'smile, frown', 'Long_Hair, smile, long hair'].map((text) => lint('duplicate-tag', text).map((issue) => issue.message)), [
		['"Smile" is the same tag as "smile" earlier in the caption.'],
		[],
		['"long hair" is the same tag as "Long_Hair" earlier in the caption.'],
	]);
});

test('empty-caption is an error for a zero-byte file and fires for a blank first line', () => {
	const [empty] = lint('empty-caption', '');
	assert.equal(empty.severity, 'error');
	assert.match(empty.message, /caption file is empty/);
	assert.equal(fixed('empty-caption', ''), '3mm4w4ts0n');
	assert.equal(lint('empty-caption', '  \n1girl').length, 1);
	assert.equal(lint('empty-caption', '1girl').length, 0);
});

test('multi-line-caption fires when later lines hold text and joins them', () => {
	const [issue] = lint('multi-line-caption', 'a, b\nc, d\n');
	assert.equal(issue.start, 5);
	assert.equal(fixed('multi-line-caption', 'a, b\nc, d\n'), 'a, b, c, d\n');
	assert.equal(lint('multi-line-caption', 'a, b\n').length, 0);
	assert.equal(lint('multi-line-caption', 'a, b\r\n\r\n').length, 0);
});

test('class-conflict fires for tags of the other sex, both ways', () => {
	assert.deepEqual(lint('class-conflict', '3mm4w4ts0n, 1boy, male_focus, smile').map((i) => i.start), [12, 18]);
	assert.equal(lint('class-conflict', '3mm4w4ts0n, 1girl', { classWord: 'man' }).length, 1);
	assert.equal(lint('class-conflict', '3mm4w4ts0n, 1girl, smile').length, 0);
	assert.equal(lint('class-conflict', '3mm4w4ts0n, 1boy', { classWord: 'person' }).length, 0);
	assert.equal(fixed('class-conflict', '3mm4w4ts0n, 1boy, smile'), '3mm4w4ts0n, smile');
});

test('multiple-people fires for group tags on any class', () => {
	assert.equal(lint('multiple-people', '3mm4w4ts0n, 2girls, group').length, 2);
	assert.equal(lint('multiple-people', '3mm4w4ts0n, multiple boys', { classWord: 'man' }).length, 1);
	assert.equal(lint('multiple-people', '3mm4w4ts0n, 1girl, solo').length, 0);
});

test('conflicting-tags fires for exclusive tags, honours exceptions and user groups', () => {
	const [hair] = lint('conflicting-tags', 'a, long hair, short_hair');
	assert.match(hair.message, /contradicts "long hair" \(hair length\)/);
	assert.equal(lint('conflicting-tags', 'closed eyes, open eyes').length, 1);
	assert.equal(lint('conflicting-tags', 'blue eyes, green eyes').length, 1);
	assert.equal(lint('conflicting-tags', 'heterochromia, blue eyes, green eyes').length, 0);
	assert.equal(lint('conflicting-tags', 'long hair, blue eyes, smile').length, 0);
	assert.equal(lint('conflicting-tags', 'smile, frown', { conflictGroups: conflictGroups([['smile', 'frown']]) }).length, 1);
});

test('baked-trait fires for declared traits only', () => {
	assert.equal(fixed('baked-trait', '3mm4w4ts0n, blue_eyes, smile', { bakedTraits: ['blue eyes'] }), '3mm4w4ts0n, smile');
	assert.equal(lint('baked-trait', '3mm4w4ts0n, green eyes', { bakedTraits: ['blue eyes'] }).length, 0);
	assert.equal(lint('baked-trait', '3mm4w4ts0n, blue eyes').length, 0);
});

test('token-overflow counts exact CLIP tokens and names the tags past the limit', async () => {
	const tokenizer = await loadClipTokenizer(sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz'));
	// "tag" is one token and "," another: 38 tags make 75 tokens, 39 make 77.
	const tags = (n: number) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 'last' : 'cat')).join(', ');
	assert.equal(tokenizer.count(tags(38)), 75);
	assert.equal(lint('token-overflow', tags(38), { tokenCounter: tokenizer }).length, 0);
	const [issue] = lint('token-overflow', tags(39), { tokenCounter: tokenizer });
	assert.match(issue.message, /is 77 CLIP tokens; sd-scripts keeps 75, so "last" is cut off/);
	assert.doesNotMatch(issue.message, /estimated/);
	assert.equal(lint('token-overflow', tags(39), { tokenCounter: tokenizer, maxTokens: 150 }).length, 0);
	assert.match(lint('token-overflow', tags(60))[0].message, /estimated/);
});

test('unknown-tag suggests the nearest known tag and the canonical form of aliases; off without a vocabulary', () => {
	const vocabulary = new TagVocabulary();
	vocabulary.addCsv('long_hair,0,4350743,"/lh,longhair"\nsmile,0,100,""\nblue_eyes,0,50,""\n', 'test.csv');
	const issues = lint('unknown-tag', '3mm4w4ts0n, woman, longhair, smille, blue eyes', { vocabulary });
	assert.deepEqual(issues.map((i) => i.message), [
		'"longhair" is an alias of "long_hair"; taggers and prompts use the canonical tag.',
		'"smille" is not in the tag list; did you mean "smile"?',
	]);
	assert.equal(fixed('unknown-tag', '3mm4w4ts0n, longhair', { vocabulary }), '3mm4w4ts0n, long hair');
	assert.equal(fixed('unknown-tag', '3mm4w4ts0n, smille', { vocabulary }), '3mm4w4ts0n, smile');
	assert.equal(lint('unknown-tag', '3mm4w4ts0n, qwerty').length, 0, 'off when no vocabulary is configured');
});

test('tag-style fires for mixed styles, stray whitespace and separators, parentheses and weights', () => {
	assert.equal(fixed('tag-style', 'long hair, blue eyes, open_mouth'), 'long hair, blue eyes, open mouth');
	assert.equal(fixed('tag-style', 'a, long hair, blue eyes', { tagStyle: 'underscore' }), 'a, long_hair, blue eyes');
	assert.equal(fixed('tag-style', 'a, long  hair'), 'a, long hair');
	assert.equal(fixed('tag-style', 'a, b,'), 'a, b');
	assert.equal(fixed('tag-style', 'a,, b'), 'a, b');
	assert.equal(fixed('tag-style', 'a, , b'), 'a, b');
	assert.equal(lint('tag-style', 'a, (smile').length, 1);
	assert.equal(fixed('tag-style', 'a, smile:1.2'), 'a, smile');
	assert.equal(fixed('tag-style', 'a, smile:1.2', { weightedCaptions: true }), 'a, (smile:1.2)');
	assert.equal(lint('tag-style', 'a, (smile:1.2)', { weightedCaptions: true }).length, 0);
	assert.equal(lint('tag-style', 'a, (smile:1.2)').length, 1, 'a weight without weighted_captions is literal text');
	assert.equal(lint('tag-style', 'long hair, blue eyes, ^_^, hatsune miku \\(cosplay\\), 16:9').length, 0);
});

test('rules can be switched off or given another severity', () => {
	const rules = new RuleSelection({ 'duplicate-tag': 'error', 'missing-trigger': 'off' });
	const issues = lintCaptionText('a, a', ctx(), rules);
	assert.deepEqual(issues.map((i) => [i.code, i.severity]), [['duplicate-tag', 'error']]);
});
