import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captionTags, countCaptionTags, tagAt, decodeCaption, normalizeTag, parseCaption, replaceCaptionTags } from '../../src/core/caption';
import { imageCaptionTags } from '../../src/core/datasetCaptionTags';

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

/** 20,000 short random texts of tag characters, separators, every whitespace trim() knows and line breaks. */
function* randomCaptionTexts(seed: number): Generator<string> {
	const alphabet = ['a', 'b', ' ', ',', ',', '|', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', '\u1680', '\u2005', '\u202f', '\u205f', '\v', 'é', '😀'];
	const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	for (let n = 0; n < 20_000; n++) {
		let text = '';
		for (let i = Math.floor(next() * 14); i > 0; i--) {
			text += alphabet[Math.floor(next() * alphabet.length)];
		}
		yield text;
	}
}

test('captionTags gives the texts of parseCaption\'s tags, and countCaptionTags their number, for any spacing, separator and line ending', () => {
	for (const text of randomCaptionTexts(1)) {
		for (const separator of [',', '|', '', ', ']) {
			const tags = parseCaption(text, separator).tags.map((tag) => tag.text);
			assert.deepEqual(captionTags(text, separator), tags, JSON.stringify([text, separator]));
			assert.equal(countCaptionTags(text, separator), tags.length, JSON.stringify([text, separator]));
		}
	}
});

/** parseCaption as it was written first, with split() and trim(): the reference for the one-pass parser. */
function parseCaptionBySplit(text: string, separator: string): Omit<ReturnType<typeof parseCaption>, 'tags'> & { tags: Array<{ text: string; start: number; end: number }> } {
	const lines = (text.startsWith('\ufeff') ? text.slice(1) : text).split(/\r\n|\r|\n/);
	const firstLine = lines[0];
	const tags: Array<{ text: string; start: number; end: number }> = [];
	const emptyTagOffsets: number[] = [];
	let pieceStart = 0;
	const pieces = separator ? firstLine.split(separator) : [firstLine];
	pieces.forEach((piece, index) => {
		const leading = piece.search(/\S/);
		if (leading !== -1) {
			const trimmed = piece.trim();
			tags.push({ text: trimmed, start: pieceStart + leading, end: pieceStart + leading + trimmed.length });
		} else if (pieces.length > 1 && !(index === pieces.length - 1 && firstLine.trim().length === 0)) {
			emptyTagOffsets.push(pieceStart);
		}
		pieceStart += piece.length + separator.length;
	});
	return { firstLine, tags, textLineCount: lines.filter((line) => line.trim().length > 0).length, emptyTagOffsets };
}

test('parseCaption gives split() and trim()\'s first line, tags, offsets, empty pieces and line count for any spacing, separator and line ending', () => {
	for (const text of randomCaptionTexts(7)) {
		for (const separator of [',', '|', '', ', ', ',,', ' ']) {
			assert.deepEqual(parseCaption(text, separator), parseCaptionBySplit(text, separator), JSON.stringify([text, separator]));
		}
	}
});

test('tagAt finds the tag parseCaption would, at every range of the first line', () => {
	const captions = ['3mm4w4ts0n,  blue eyes ,smile\nsecond line', ' a,,b, ,c d ,', '\uFEFFsolo, 1girl', 'one', '', '  ,  ', 'x\u3000,\u3000y'];
	for (const caption of captions) {
		const { tags, firstLine } = parseCaption(caption);
		for (let start = 0; start <= firstLine.length + 1; start++) {
			for (let end = start + 1; end <= firstLine.length + 2; end++) {
				const expected = tags.find((t) => t.start < end && t.end > start);
				assert.deepEqual(tagAt(caption, start, end), expected, `${JSON.stringify(caption)} [${start}, ${end})`);
			}
		}
	}
	assert.deepEqual(tagAt('a, blue eyes, c', 5, 6), { text: 'blue eyes', start: 3, end: 12 });
});

test('imageCaptionTags cuts a caption once per image object, and again when its caption is another text', () => {
	const image: { caption?: string } = { caption: 'zq7, smile, long hair' };
	const first = imageCaptionTags(image);
	assert.deepEqual(first, captionTags('zq7, smile, long hair'));
	assert.equal(imageCaptionTags(image), first);
	image.caption = 'zq7, frown';
	assert.deepEqual(imageCaptionTags(image), ['zq7', 'frown']);
	assert.deepEqual(imageCaptionTags({}), []);
	assert.deepEqual(imageCaptionTags({ caption: 'zq7, smile, long hair' }), first, 'another image with the same text: the same tags');
});
