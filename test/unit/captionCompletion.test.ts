import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { captionForm, loadVocabulary } from '../../src/core/vocabulary';
import { DatasetTagIndex } from '../../src/core/datasetTagIndex';
import { sharedFixture } from '../support/paths';

test('caption completion: dataset tags are counted per image, in their most common spelling', () => {
	const index = DatasetTagIndex.fromCaptions(['a, smile, long hair', 'a, Smile, smile', 'a, smile', '']);
	assert.equal(index.imageCount, 4);
	assert.equal(index.count('SMILE'), 3);
	assert.equal(index.count('long_hair'), 1);
	assert.deepEqual(index.suggest('sm', undefined).map((s) => [s.tag, s.datasetCount]), [['smile', 3]]);
	assert.deepEqual(index.suggest('', undefined, ['a']).map((s) => s.tag), ['smile', 'long hair'], 'tags already in the caption are left out');
});

test('caption completion: the real tag lists load, dataset tags rank before vocabulary tags', async () => {
	const vocabulary = await loadVocabulary([sharedFixture('tags', 'selected_tags.csv'), sharedFixture('tags', 'danbooru.csv')], '/');
	assert.ok(vocabulary.size > 100_000, `loaded ${vocabulary.size} tags`);
	assert.equal(captionForm(vocabulary.canonical('longhair')?.name ?? ''), 'long hair');
	const index = DatasetTagIndex.fromCaptions(['long skirt', 'long skirt']);
	const suggestions = index.suggest('long', vocabulary);
	assert.equal(suggestions[0].tag, 'long skirt');
	assert.equal(suggestions[0].datasetCount, 2);
	assert.ok(suggestions.some((s) => s.tag === 'long hair' && (s.postCount ?? 0) > 1_000_000));
	await assert.rejects(loadVocabulary(['missing.csv'], '/tmp/x'), (err: Error) => err.message.includes(join('/tmp/x', 'missing.csv')));
});
