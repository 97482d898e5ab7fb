import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCaption, normalizeTag, parseCaption, replaceCaptionTags } from '../../src/core/caption';

test('parseCaption keeps only the first line and gives tag offsets', () => {
	const parsed = parseCaption('3mm4w4ts0n,  blue eyes ,smile\nsecond line');
	assert.deepEqual(parsed.tags.map((t) => t.text), ['3mm4w4ts0n', 'blue eyes', 'smile']);
	assert.equal(parsed.tags[1].start, 13);
	assert.equal(parsed.tags[1].end, 22);
	assert.equal(parsed.textLineCount, 2);
});

test('parseCaption reports empty pieces, including a trailing comma', () => {
	const parsed = parseCaption('a,,b,');
	assert.deepEqual(parsed.tags.map((t) => t.text), ['a', 'b']);
	assert.deepEqual(parsed.emptyTagOffsets, [2, 5]);
	assert.deepEqual(parseCaption('').emptyTagOffsets, []);
});

test('decodeCaption strips a BOM and flags invalid UTF-8', () => {
	assert.deepEqual(decodeCaption(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), { text: 'a', hasBom: true, invalidUtf8: false });
	assert.equal(decodeCaption(new Uint8Array([0x61, 0xff, 0x62])).invalidUtf8, true);
});

test('replaceCaptionTags keeps BOM, line ending and further lines', () => {
	assert.equal(replaceCaptionTags('\uFEFFa, b\r\nnote', ['b', 'c']), '\uFEFFb, c\r\nnote');
});

test('normalizeTag ignores case, underscores, weights and escapes', () => {
	assert.equal(normalizeTag('(Blue_Eyes:1.2)'), 'blue eyes');
	assert.equal(normalizeTag('[smile]'), 'smile');
	assert.equal(normalizeTag('ganyu \\(genshin impact\\)'), 'ganyu (genshin impact)');
	assert.notEqual(normalizeTag('blue eyes'), normalizeTag('blue hair'));
});
