import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedEditDistance, captionForm, loadVocabulary, parseVocabulary, splitCsvLine } from '../../src/core/vocabulary';
import { sharedFixture } from '../support/paths';

test('vocabulary: a WD14 selected_tags.csv (header, CRLF) loads every tag', async () => {
	const vocabulary = await loadVocabulary([sharedFixture('tags', 'selected_tags.csv')]);
	assert.equal(vocabulary.size, 6913, 'every named row (one row of the file is bare commas)');
	assert.equal(vocabulary.lookup('Long_Hair').kind, 'known');
	assert.equal(vocabulary.lookup('long hair').kind, 'known');
	const unknown = vocabulary.lookup('lomg hair');
	assert.equal(unknown.kind === 'unknown' && unknown.suggestion?.name, 'long_hair');
});

test('vocabulary: the a1111 tag-autocomplete list resolves aliases to the canonical tag', async () => {
	const vocabulary = await loadVocabulary([sharedFixture('tags', 'danbooru.csv')]);
	assert.ok(vocabulary.size > 100_000);
	const alias = vocabulary.lookup('longhair');
	assert.deepEqual(alias.kind === 'alias' && alias.entry.name, 'long_hair');
	assert.equal(vocabulary.lookup('1girl').kind, 'known');
	const nothing = vocabulary.lookup('qqqqqqqqqqqqqqqqqq');
	assert.equal(nothing.kind === 'unknown' && nothing.suggestion, undefined, 'no suggestion when nothing is close');
});

test('vocabulary: a missing or empty list is an error naming the file', async () => {
	await assert.rejects(loadVocabulary(['/nonexistent/tags.csv']), /\/nonexistent\/tags\.csv cannot be read \(ENOENT\)/);
	const empty = join(mkdtempSync(join(tmpdir(), 'vocab-')), 'empty.csv');
	writeFileSync(empty, '\n');
	await assert.rejects(loadVocabulary([empty]), /holds no tags/);
	await assert.rejects(loadVocabulary(['missing.csv'], '/tmp/x'), (err: Error) => err.message.includes(join('/tmp/x', 'missing.csv')) && err.message.includes(join('/tmp/x', 'lora-workbench.yaml')));
});

test('vocabulary helpers: quoted CSV fields and the bounded edit distance', () => {
	assert.deepEqual(splitCsvLine('long_hair,0,4350743,"/lh,longhair"'), ['long_hair', '0', '4350743', '/lh,longhair']);
	assert.deepEqual(splitCsvLine('a,"say ""hi""",b'), ['a', 'say "hi"', 'b']);
	assert.equal(boundedEditDistance('smile', 'smille', 2), 1);
	assert.equal(boundedEditDistance('smile', 'frown', 2), 3, 'gives up past the bound');
	assert.equal(captionForm('long_hair'), 'long hair');
	assert.equal(captionForm('^_^'), '^_^', 'short kaomoji keep their underscores');
});

test('vocabulary completion: an a1111 list resolves aliases to the canonical tag, prefixes rank by post count', () => {
	const vocabulary = parseVocabulary('1girl,0,6008644,"1girls,sole_female"\nlong_hair,0,4350743,"longhair"\nlong_sleeves,0,100,""\n', 'list.csv');
	assert.equal(vocabulary.canonical('sole female')?.name, '1girl');
	assert.deepEqual(vocabulary.complete('long').map((m) => m.tag), ['long hair', 'long sleeves']);
	assert.equal(vocabulary.complete('longh')[0].alias, 'longhair');
	assert.equal(vocabulary.complete('longh')[0].entry.count, 4350743);
	assert.throws(() => parseVocabulary('1girl,general,5\n', 'bad.csv'), /bad\.csv, line 1/);
	assert.throws(() => parseVocabulary('1girl,0,5\n\n,0,3\n', 'gap.csv'), /gap\.csv, line 3: expected name,category,count/, 'line numbers count blank lines');
});

test('vocabulary: linter and completion read one index; a tag in two lists gains the second list\'s aliases', async () => {
	const vocabulary = await loadVocabulary([sharedFixture('tags', 'selected_tags.csv'), sharedFixture('tags', 'danbooru.csv')]);
	const alias = vocabulary.lookup('LongHair');
	assert.equal(alias.kind === 'alias' && alias.entry, vocabulary.canonical('long hair'), 'the lint lookup and completion agree on the canonical entry');
	assert.equal(captionForm(vocabulary.canonical('longhair')?.name ?? ''), 'long hair');
	assert.equal(vocabulary.complete('long h')[0].tag, 'long hair');
	const twice = await loadVocabulary([sharedFixture('tags', 'selected_tags.csv'), sharedFixture('tags', 'selected_tags.csv')]);
	assert.equal(twice.size, 6913, 'a list whose tags are all known already is not "empty"');
});
