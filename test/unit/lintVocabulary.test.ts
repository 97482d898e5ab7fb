import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedEditDistance, loadVocabulary, splitCsvLine } from '../../src/core/vocabulary';
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
});

test('vocabulary helpers: quoted CSV fields and the bounded edit distance', () => {
	assert.deepEqual(splitCsvLine('long_hair,0,4350743,"/lh,longhair"'), ['long_hair', '0', '4350743', '/lh,longhair']);
	assert.deepEqual(splitCsvLine('a,"say ""hi""",b'), ['a', 'say "hi"', 'b']);
	assert.equal(boundedEditDistance('smile', 'smille', 2), 1);
	assert.equal(boundedEditDistance('smile', 'frown', 2), 3, 'gives up past the bound');
});
