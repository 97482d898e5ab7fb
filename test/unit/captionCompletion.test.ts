import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadTagVocabulary, parseVocabulary } from '../../src/core/tagVocabulary';
import { DatasetTagIndex } from '../../src/providers/captionCompletionIndex';
import { sharedFixture } from '../support/paths';

test('caption completion: dataset tags are counted per image, in their most common spelling', () => {
	const index = DatasetTagIndex.fromCaptions(['a, smile, long hair', 'a, Smile, smile', 'a, smile', '']);
	assert.equal(index.imageCount, 4);
	assert.equal(index.count('SMILE'), 3);
	assert.equal(index.count('long_hair'), 1);
	assert.deepEqual(index.suggest('sm', undefined).map((s) => [s.tag, s.datasetCount]), [['smile', 3]]);
	assert.deepEqual(index.suggest('', undefined, ['a']).map((s) => s.tag), ['smile', 'long hair'], 'tags already in the caption are left out');
});

test('caption completion: an a1111 list resolves aliases to the canonical tag', () => {
	const vocabulary = parseVocabulary('1girl,0,6008644,"1girls,sole_female"\nlong_hair,0,4350743,"longhair"\nlong_sleeves,0,100,""\n', 'list.csv');
	assert.equal(vocabulary.lookup('sole female')?.name, '1girl');
	assert.deepEqual(vocabulary.complete('long').map((m) => m.tag.name), ['long hair', 'long sleeves']);
	assert.equal(vocabulary.complete('longh')[0].alias, 'longhair');
	assert.throws(() => parseVocabulary('1girl,general,5\n', 'bad.csv'), /bad\.csv, line 1/);
});

test('caption completion: the real tag lists load, dataset tags rank before vocabulary tags', async () => {
	const vocabulary = await loadTagVocabulary([sharedFixture('tags', 'selected_tags.csv'), sharedFixture('tags', 'danbooru.csv')], '/');
	assert.ok(vocabulary.size > 100_000, `loaded ${vocabulary.size} tags`);
	assert.equal(vocabulary.lookup('longhair')?.name, 'long hair');
	const index = DatasetTagIndex.fromCaptions(['long skirt', 'long skirt']);
	const suggestions = index.suggest('long', vocabulary);
	assert.equal(suggestions[0].tag, 'long skirt');
	assert.equal(suggestions[0].datasetCount, 2);
	assert.ok(suggestions.some((s) => s.tag === 'long hair' && (s.postCount ?? 0) > 1_000_000));
	await assert.rejects(loadTagVocabulary(['missing.csv'], '/tmp/x'), (err: Error) => err.message.includes(join('/tmp/x', 'missing.csv')));
});
