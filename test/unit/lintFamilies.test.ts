import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimatedTokenCounter } from '../../src/core/clipTokenizer';
import { CaptionContext, RuleSelection, lintCaptionText } from '../../src/core/lint';
import { conflictGroups } from '../../src/core/lint/conflictRules';
import { lintDataset } from '../../src/core/lint/lintDataset';
import { isProse } from '../../src/core/lint/vocabularyRule';
import { TagVocabulary } from '../../src/core/vocabulary';

/** Issue 18.6: CLIP's 75-token rule is SD1.5's and SDXL's; Flux.1 reads 512 T5 tokens; sentences are not unknown tags. */

function ctx(over: Partial<CaptionContext> = {}): CaptionContext {
	return {
		trigger: '3mm4w4ts0n', classWord: 'woman', isReg: false, shuffleCaption: false, keepTokens: 0, weightedCaptions: false,
		maxTokens: 75, tokenCounter: estimatedTokenCounter, bakedTraits: [], conflictGroups: conflictGroups([]), ...over,
	};
}

const lint = (code: string, text: string, over: Partial<CaptionContext> = {}) => lintCaptionText(text, ctx(over), new RuleSelection({}, new Set([code])));

const SENTENCE = '3mm4w4ts0n woman standing in a sunny park, she is wearing a red summer dress with white dots and smiling warmly at the camera while the wind moves her long brown hair, trees and a small lake behind her in soft afternoon light, photographed with a shallow depth of field, her hands resting on a wooden fence as birds fly over the water in the distance and a narrow path leads away into the green hills';

test('a caption past 75 CLIP tokens is cut for SD1.5 and SDXL, not for Flux.1 (T5 keeps 512)', () => {
	for (const model of ['sd15', 'sdxl'] as const) {
		assert.equal(lint('token-overflow', SENTENCE, { model }).length, 1, model);
	}
	assert.equal(lint('token-overflow', SENTENCE).length, 1, 'a folder without model: is SD1.5');
	assert.deepEqual(lint('token-overflow', SENTENCE, { model: 'flux1' }), []);
	const long = Array.from({ length: 60 }, () => SENTENCE).join(', ');
	const [issue] = lint('token-overflow', long, { model: 'flux1' });
	assert.match(issue.message, /^The caption is about \d+ tokens; Flux\.1's T5 keeps 512 \(t5xxl_max_token_length\), so its end is cut off/);
	assert.equal(lint('token-overflow', SENTENCE, { model: 'flux1', t5MaxTokens: 40 }).length, 1, 't5xxl_max_token_length is the limit');
});

test('sentence captions are not flagged as unknown tags word by word; tags still are', () => {
	const vocabulary = new TagVocabulary();
	vocabulary.addCsv('long_hair,0,4350743,"/lh,longhair"\nsmile,0,100,""\nred_dress,0,50,""\n', 'test.csv');
	assert.deepEqual(lint('unknown-tag', SENTENCE, { vocabulary, model: 'sdxl' }).map((i) => i.message), []);
	assert.deepEqual(lint('unknown-tag', 'A photo of 3mm4w4ts0n. She smiles at the camera.', { vocabulary }).map((i) => i.message), []);
	// Flux.1 captions are mostly prose: shorter clauses with such words are prose too.
	assert.deepEqual(lint('unknown-tag', '3mm4w4ts0n, smiling at someone, red dress', { vocabulary, model: 'flux1' }), []);
	assert.deepEqual(lint('unknown-tag', '3mm4w4ts0n, smiling at someone, red dress', { vocabulary, model: 'sd15' }).map((i) => i.message), ['"smiling at someone" is not in the tag list.']);
	// A tag caption is still checked tag by tag, in every family.
	for (const model of ['sd15', 'sdxl', 'flux1'] as const) {
		assert.deepEqual(lint('unknown-tag', '3mm4w4ts0n, smille, longhair', { vocabulary, model }).map((i) => i.code), ['unknown-tag', 'unknown-tag'], model);
	}
	assert.ok(isProse('a woman standing in a park'));
	assert.ok(!isProse('looking at viewer'), 'a three-word tag is a tag for SD');
	assert.ok(isProse('smiling at someone', 'flux1'));
	assert.ok(!isProse('long hair', 'flux1'));
});

test('the dataset linter takes the family from training.model', async () => {
	const root = mkdtempSync(join(tmpdir(), 'lint-family-'));
	const subset = join(root, 'images', '10_3mm4w4ts0n woman');
	mkdirSync(subset, { recursive: true });
	writeFileSync(join(subset, 'a.png'), '');
	writeFileSync(join(subset, 'a.txt'), SENTENCE);
	const run = async (model: string) => {
		writeFileSync(join(root, 'lora-workbench.yaml'), `trigger: 3mm4w4ts0n\nclass: woman\ntraining:\n  model: ${model}\n`);
		return (await lintDataset(root, { tokenCounter: estimatedTokenCounter, rules: ['token-overflow'] })).issues.map((i) => i.code);
	};
	assert.deepEqual(await run('sdxl'), ['token-overflow']);
	assert.deepEqual(await run('flux1'), []);
});
