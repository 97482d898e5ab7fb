/**
 * Fault suite (issue 20), bad captions: encodings other than UTF-8, control characters, captions shared by
 * two images. Every case gets a message naming the file and what to do, and no caption is garbled.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { captureIo } from '../support/cliIo';
import { planBulkEdit } from '../../src/core/bulkEdit';
import { readCaptionForEdit } from '../../src/core/bulkEditFiles';
import { lintCaptionText } from '../../src/core/lint/lintCaption';
import { RuleSelection } from '../../src/core/lint/context';
import { lintDataset } from '../../src/core/lint/lintDataset';
import { buildMeanColourModel, selectedTagsCsv } from '../support/onnxBuilder';
import { sharedFixture } from '../support/paths';

const LATIN1_CAFE = Buffer.from('caf\xe9, smile\n', 'latin1');
const UTF16_CAPTION = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x, smile\n', 'utf16le')]);

test('faults (issue 21.4): tag --mode append decodes captions and skips non-UTF-8 ones with a message naming the file', async () => {
	const model = mkdtempSync(join(tmpdir(), 'faults-tagger-model-'));
	await fs.writeFile(join(model, 'model.onnx'), buildMeanColourModel({ tagCount: 5, weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], bias: [0, 0, 0, 0, 5] }));
	await fs.writeFile(join(model, 'selected_tags.csv'), selectedTagsCsv(['solo']));
	const dir = mkdtempSync(join(tmpdir(), 'faults-tag-append-'));
	const sharp = (await import('sharp')).default;
	for (const name of ['latin1', 'utf16', 'bom']) {
		await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(join(dir, `${name}.png`));
	}
	writeFileSync(join(dir, 'latin1.txt'), LATIN1_CAFE);
	writeFileSync(join(dir, 'utf16.txt'), UTF16_CAPTION);
	writeFileSync(join(dir, 'bom.txt'), '\uFEFFcafé, smile\n');
	const { io, err, text } = captureIo(dir);
	assert.equal(await runCli(['tag', dir, '--model', model, '--mode', 'append', '--no-trigger'], io), 1, text());
	assert.deepEqual(readFileSync(join(dir, 'latin1.txt')), LATIN1_CAFE, 'the Latin-1 caption is left byte for byte');
	assert.deepEqual(readFileSync(join(dir, 'utf16.txt')), UTF16_CAPTION, 'the UTF-16 caption is left byte for byte');
	assert.equal(readFileSync(join(dir, 'bom.txt'), 'utf8'), '\uFEFFcafé, smile, solo\n', 'a UTF-8 caption with BOM is appended to, BOM kept');
	const messages = err.join('\n');
	assert.match(messages, /latin1\.txt is not UTF-8 \(byte 0xE9 at offset 3; probably Latin-1[^]*was not tagged[^]*Re-save the caption as UTF-8/);
	assert.match(messages, /utf16\.txt is UTF-16 \(little-endian, with a byte order mark\), not UTF-8/);
	assert.doesNotMatch(messages, /\n\s+at /, 'no stack trace');
});

/** A subset with the bad captions of issue 21.10: NUL and control characters, Latin-1, UTF-16, a missing caption, a shared stem. */
function badCaptionFolder(): { root: string; dir: string } {
	const root = mkdtempSync(join(tmpdir(), 'faults-lint-'));
	const dir = join(root, 'images', '10_x woman');
	mkdirSync(dir, { recursive: true });
	for (const name of ['a.jpg', 'a.png', 'nul.jpg', 'latin1.jpg', 'utf16.jpg', 'none.jpg', 'ok.jpg']) {
		writeFileSync(join(dir, name), '');
	}
	writeFileSync(join(dir, 'a.txt'), 'x, smile');
	writeFileSync(join(dir, 'nul.txt'), 'x, smile, smile\u0000, \u0000, \u0000, blue\u0007 eyes');
	writeFileSync(join(dir, 'latin1.txt'), LATIN1_CAFE);
	writeFileSync(join(dir, 'utf16.txt'), UTF16_CAPTION);
	writeFileSync(join(dir, 'ok.txt'), 'x, smile');
	return { root, dir };
}

test('faults (issue 21.10): lint flags NUL and control characters, and NUL tags are not duplicates', () => {
	const rules = new RuleSelection({}, new Set(['control-character', 'duplicate-tag']));
	const ctx = { trigger: 'x', shuffleCaption: false, keepTokens: 0, weightedCaptions: false, maxTokens: 75, bakedTraits: [], conflictGroups: [], isReg: false, classWord: 'woman' } as unknown as Parameters<typeof lintCaptionText>[1];
	const issues = lintCaptionText('x, smile, smile\u0000, \u0000, \u0000, blue\u0007 eyes', ctx, rules);
	const control = issues.find((i) => i.code === 'control-character');
	assert.equal(control?.severity, 'error', 'NUL is an error');
	assert.match(control?.message ?? '', /4 invisible control character\(s\) \(NUL, U\+0007\)[^]*UTF-16 without a byte order mark/);
	assert.equal(control?.fix?.edits[0].newText, 'x, smile, smile, , , blue eyes');
	assert.deepEqual(issues.filter((i) => i.code === 'duplicate-tag'), [], 'smile\\0 and the NUL tags are not reported as duplicates');
	const bell = lintCaptionText('x, blue\u0007 eyes', ctx, rules).find((i) => i.code === 'control-character');
	assert.equal(bell?.severity, 'warning');
});

test('faults (issue 21.10): lint names UTF-16, counts captions right with non-UTF-8 ones, and flags two images sharing a caption', async () => {
	const { root, dir } = badCaptionFolder();
	const result = await lintDataset(root, { clipVocabulary: { path: sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz') } });
	const byFile = (name: string, code: string) => result.issues.filter((i) => i.file === join(dir, name) && i.code === code);
	assert.match(byFile('utf16.txt', 'caption-encoding')[0]?.message ?? '', /The caption is UTF-16 \(little-endian, with a byte order mark\), not UTF-8/);
	assert.match(byFile('latin1.txt', 'caption-encoding')[0]?.message ?? '', /not UTF-8 \(byte 0xE9 at offset 3; probably Latin-1/);
	assert.deepEqual(result.issues.filter((i) => i.code === 'missing-caption').map((i) => i.file), [join(dir, 'none.jpg')], 'only the image without a caption file is "missing"');
	assert.equal(result.captions, 3, 'a.txt, nul.txt and ok.txt are linted');
	assert.equal(result.notUtf8, 2);
	assert.match(byFile('a.txt', 'shared-caption')[0]?.message ?? '', /a\.jpg and a\.png share the name a\.txt: sd-scripts pairs captions by name without the extension/);
	assert.equal(byFile('nul.txt', 'control-character').length, 1);

	const { io, err } = captureIo(root);
	await runCli(['lint', root, '--clip-vocab', sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz')], io);
	assert.match(err.join('\n'), /3 captions \(and 2 not UTF-8, not linted\)/);
});

test('faults (issue 21.10): a bulk edit counts non-UTF-8 captions apart from images without a caption file, and edits a shared caption once', async () => {
	const { root, dir } = badCaptionFolder();
	const inputs = await Promise.all(['a.txt', 'a.txt', 'latin1.txt', 'utf16.txt', 'none.txt', 'ok.txt'].map((n) => readCaptionForEdit(join(dir, n))));
	const plan = planBulkEdit(inputs, { kind: 'add', tag: 'hat', position: 'end' });
	assert.equal(plan.summary, '2 captions will change; 1 image has no caption file and will be left alone; 2 captions cannot be edited (not UTF-8 or unreadable) and will be left alone');
	assert.deepEqual(plan.changes.map((c) => c.path), [join(dir, 'a.txt'), join(dir, 'ok.txt')]);
	const { io, out, err } = captureIo(root);
	assert.equal(await runCli(['tags', root, '--add', 'hat', '--apply'], io), 1);
	assert.match(out.join('\n'), /Wrote 3 caption/, 'a.txt once, nul.txt and ok.txt');
	assert.match(err.join('\n'), /Skipped .*latin1\.txt: it is not UTF-8[^]*Skipped .*utf16\.txt: it is UTF-16/);
	assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'x, hat, smile');
});
