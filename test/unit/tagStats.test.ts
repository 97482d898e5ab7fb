import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildTagTable, filterRows, sortRows, TagStatsSubset } from '../../src/core/tagStats';
import { detectCostumeTags, summarizeTags } from '../../src/core/tagStatsSummary';

function subsets(): TagStatsSubset[] {
	return [
		{
			name: '24_emw woman', role: 'face', isReg: false, images: [
				{ path: 'f1.jpg', caption: 'emw, 1girl, blonde hair, smile, smile' },
				{ path: 'f2.jpg', caption: 'emw, 1girl, Blonde_Hair, looking at viewer' },
				{ path: 'f3.jpg', caption: 'emw, 1girl, blonde hair, smile' },
				{ path: 'f4.jpg', caption: 'emw, 1girl, blonde hair, freckles' },
				{ path: 'f5.jpg', caption: undefined },
			],
		},
		{
			name: '16_emw woman', role: 'body', isReg: false, images: [
				{ path: 'b1.jpg', caption: 'emw, 1girl, full body, red dress, necklace' },
				{ path: 'b2.jpg', caption: 'emw, 1girl, standing, red dress, necklace, smile' },
			],
		},
		{
			name: '8_emw costume', role: 'costume', isReg: false, images: [
				{ path: 'c1.jpg', caption: 'emw, 1girl, maid outfit, headdress' },
				{ path: 'c2.jpg', caption: 'emw, 1girl, maid outfit, headdress, smile' },
			],
		},
		{ name: '1_woman', role: 'reg', isReg: true, images: [{ path: 'r1.jpg', caption: 'woman, 1girl, smile' }] },
	];
}

test('tag table counts images per tag, per subset and in total, without reg in the total', () => {
	const table = buildTagTable(subsets());
	assert.equal(table.totalImages, 9);
	assert.equal(table.captionedImages, 8);
	const smile = table.byKey.get('smile')!;
	assert.equal(smile.count, 4, 'the duplicate smile in f1 counts once; the reg image is not in the total');
	assert.deepEqual(smile.perSubset, [2, 1, 1, 1]);
	assert.equal(smile.share, 4 / 8);
	const blonde = table.byKey.get('blonde hair')!;
	assert.equal(blonde.count, 4);
	assert.equal(blonde.label, 'blonde hair', 'the most common spelling is shown');
	assert.deepEqual(table.subsets.map((s) => [s.images, s.captioned]), [[5, 4], [2, 2], [2, 2], [1, 1]]);
});

test('tags in every image and tags in a single image are flagged', () => {
	const table = buildTagTable(subsets());
	const every = table.rows.filter((r) => r.inEveryImage).map((r) => r.key).sort();
	assert.deepEqual(every, ['1girl', 'emw']);
	const single = table.rows.filter((r) => r.singleImage).map((r) => r.key).sort();
	assert.deepEqual(single, ['freckles', 'full body', 'looking at viewer', 'standing', 'woman']);
});

test('rows sort by count then name, and filter by text with _ as space', () => {
	const table = buildTagTable(subsets());
	assert.deepEqual(table.rows.slice(0, 2).map((r) => r.key), ['1girl', 'emw']);
	const byName = sortRows(table.rows, 'name').map((r) => r.key);
	assert.deepEqual(byName.slice(0, 3), ['1girl', 'blonde hair', 'emw']);
	assert.deepEqual(filterRows(table.rows, 'BLONDE_h').map((r) => r.key), ['blonde hair']);
	assert.equal(filterRows(table.rows, '  ').length, table.rows.length);
});

test('summary: images per subset, face:body ratio, top tags without the trigger, costume co-occurrence', () => {
	const input = subsets();
	const table = buildTagTable(input);
	const summary = summarizeTags(table, input, { trigger: 'emw', costumeTags: ['red dress'], topCount: 3 });
	assert.equal(summary.faceImages, 5);
	assert.equal(summary.bodyImages, 2);
	assert.equal(summary.faceBodyRatio, 2.5);
	assert.deepEqual(summary.imagesPerSubset.map((s) => s.images), [5, 2, 2, 1]);
	const face = summary.topTagsPerSubset[0];
	assert.deepEqual(face.tags.map((t) => [t.label, t.count]), [['1girl', 4], ['blonde hair', 4], ['smile', 2]]);
	const dress = summary.costumes.find((c) => c.tag === 'red dress')!;
	assert.equal(dress.source, 'settings');
	assert.equal(dress.images, 2);
	const necklace = dress.coTags.find((t) => t.label === 'necklace')!;
	assert.equal(necklace.share, 1, 'necklace is in every red dress image');
	assert.ok(!dress.coTags.some((t) => t.label === 'emw'), 'the trigger is not a co-tag');
	const found = summary.costumes.filter((c) => c.source === 'costume-subset').map((c) => c.tag).sort();
	assert.deepEqual(found, ['headdress', 'maid outfit']);
});

test('costume tags are only detected when there is a costume subset', () => {
	const input = subsets().filter((s) => s.role !== 'costume');
	assert.deepEqual(detectCostumeTags(buildTagTable(input)), []);
	assert.equal(summarizeTags(buildTagTable(input), input).faceBodyRatio, 2.5);
});

test('an empty folder gives an empty table, and no ratio without body images', () => {
	const table = buildTagTable([]);
	assert.equal(table.rows.length, 0);
	assert.equal(summarizeTags(table, []).faceBodyRatio, undefined);
});
