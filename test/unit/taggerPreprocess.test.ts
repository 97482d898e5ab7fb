import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageDecodeError, preprocessForTagger, toBatchTensor } from '../../src/core/tagger/preprocess';
import { TaggerPreprocessPool } from '../../src/core/tagger/preprocessPool';
import { areaResizePaddedToBgr } from '../../src/core/tagger/areaResize';

const dir = mkdtempSync(join(tmpdir(), 'tagger-pre-'));

/** Pixel (x, y) of a prepared image as [B, G, R]. */
function at(pixels: Uint8Array, size: number, x: number, y: number): number[] {
	const i = (y * size + x) * 3;
	return [pixels[i], pixels[i + 1], pixels[i + 2]];
}

async function pngFile(name: string, width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): Promise<string> {
	const data = Buffer.alloc(width * height * 4);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			data.set(rgba(x, y), (y * width + x) * 4);
		}
	}
	const path = join(dir, name);
	await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(path);
	return path;
}

test('tagger preprocessing: a 448-wide image is centred on white with floor((S-h)/2) rows above, pixels exact, in BGR order', async () => {
	// 448x223: S = 448 (no resize); pad_top = (448-223)//2 = 112, the odd row goes to the bottom.
	const file = await pngFile('wide.png', 448, 223, (x, y) => [x % 256, y, 7, 255]);
	const out = await preprocessForTagger(file, 448);
	assert.equal(out.length, 448 * 448 * 3);
	assert.deepEqual(at(out, 448, 0, 0), [255, 255, 255], 'top padding is white');
	assert.deepEqual(at(out, 448, 5, 111), [255, 255, 255], 'last padding row above the image');
	assert.deepEqual(at(out, 448, 5, 112), [7, 0, 5], 'first image row: source (5,0) = RGB(5,0,7) as BGR');
	assert.deepEqual(at(out, 448, 300, 334), [7, 222, 300 % 256], 'last image row: source (300,222)');
	assert.deepEqual(at(out, 448, 300, 335), [255, 255, 255], 'the extra padding row is at the bottom');
});

test('tagger preprocessing: a tall image is padded left and right; a 2x downscale averages 2x2 blocks (INTER_AREA)', async () => {
	// 448x896: S = 896, pad_left = 224; resized by exactly 2 -> 224 padding columns become 112.
	const file = await pngFile('tall.png', 448, 896, (x, y) => (x % 2 === 0 ? [200, 10, 0, 255] : [100, 30, y % 2 ? 40 : 0, 255]));
	const out = await preprocessForTagger(file, 448);
	assert.deepEqual(at(out, 448, 111, 200), [255, 255, 255], 'left padding');
	// Block of two columns (200,10,0) and (100,30,0|40): R = 150, G = 20, B = (0+0+40+0)/4 = 10.
	assert.deepEqual(at(out, 448, 112, 200), [10, 20, 150]);
	assert.deepEqual(at(out, 448, 335, 447), [10, 20, 150]);
	assert.deepEqual(at(out, 448, 336, 0), [255, 255, 255], 'right padding');
});

test('tagger preprocessing: transparency is composited on white', async () => {
	// Alpha 0 -> white; alpha 128 red -> R 255, G and B = 255 * 127/255 = 127 (+-1 for rounding).
	const file = await pngFile('alpha.png', 500, 500, (x) => (x < 250 ? [0, 0, 0, 0] : [255, 0, 0, 128]));
	const out = await preprocessForTagger(file, 448);
	assert.deepEqual(at(out, 448, 10, 10), [255, 255, 255]);
	const [b, g, r] = at(out, 448, 400, 10);
	assert.equal(r, 255);
	assert.ok(Math.abs(g - 127) <= 1 && Math.abs(b - 127) <= 1, `half-transparent red over white is (255,127,127), got RGB(${r},${g},${b})`);
});

test('tagger preprocessing: small images are enlarged to the model size (Lanczos), padding stays white', async () => {
	const file = await pngFile('small.png', 100, 50, () => [30, 60, 90, 255]);
	const out = await preprocessForTagger(file, 448);
	assert.equal(out.length, 448 * 448 * 3);
	assert.deepEqual(at(out, 448, 224, 0), [255, 255, 255]);
	assert.deepEqual(at(out, 448, 224, 224), [90, 60, 30], 'the middle keeps the colour, as BGR');
});

test('tagger preprocessing: greyscale JPEG becomes three equal channels, and a non-integer area resize keeps a flat colour exact', async () => {
	const path = join(dir, 'grey.jpg');
	await sharp({ create: { width: 1000, height: 1000, channels: 3, background: { r: 77, g: 77, b: 77 } } }).greyscale().jpeg({ quality: 100 }).toFile(path);
	const out = await preprocessForTagger(path, 448);
	const [b, g, r] = at(out, 448, 224, 224);
	assert.ok(b === g && g === r && Math.abs(r - 77) <= 1, `grey stays grey, got ${[b, g, r]}`);
});

test('tagger preprocessing: the batch tensor is NHWC float32 with values 0..255 (no normalisation)', () => {
	const first = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
	const second = new Uint8Array(2 * 2 * 3).fill(255);
	const tensor = toBatchTensor([first, second], 2);
	assert.equal(tensor.length, 24);
	assert.equal(tensor[5], 5);
	assert.equal(tensor[12], 255);
	assert.ok(tensor instanceof Float32Array);
});

test('tagger preprocessing: INTER_AREA with a fractional factor weights partly covered pixels (OpenCV computeResizeAreaTab)', () => {
	// One row of 3 pixels to 2: scale 1.5. Output 0 = (p0 + 0.5 p1) / 1.5, output 1 = (0.5 p1 + p2) / 1.5.
	// A 3x3 image (S=3) -> 2x2; rows 0..2 identical, so vertical weights do not change the values.
	const row = [30, 0, 0, 90, 0, 0, 210, 0, 0];
	const pixels = Uint8Array.from([...row, ...row, ...row]);
	const out = areaResizePaddedToBgr({ pixels, width: 3, height: 3, side: 3, padLeft: 0, padTop: 0 }, 2);
	// Red is the third byte of each pixel: the output is B,G,R.
	assert.equal(out[2], Math.round((30 + 0.5 * 90) / 1.5));
	assert.equal(out[5], Math.round((0.5 * 90 + 210) / 1.5));
	assert.equal(out[8], out[2], 'second row equals the first');
	assert.deepEqual([out[0], out[1]], [0, 0], 'blue and green stay 0');
});

test('tagger preprocessing: the preparation threads give the calling thread\'s bytes, in order, and name a file that cannot be decoded', async () => {
	const wide = await pngFile('pool-wide.png', 900, 500, (x, y) => [x % 256, y % 256, (x + y) % 256, 255]);
	const small = await pngFile('pool-small.png', 120, 90, (x) => [x, 40, 200, 255]);
	const broken = join(dir, 'broken.jpg');
	writeFileSync(broken, Buffer.from('not a jpeg'));
	const pool = new TaggerPreprocessPool(2);
	try {
		const [a, b, c] = await Promise.all([pool.prepare(wide, 448), pool.prepare(small, 448), pool.prepare(broken, 448).catch((err: unknown) => err)]);
		assert.deepEqual(a, await preprocessForTagger(wide, 448));
		assert.deepEqual(b, await preprocessForTagger(small, 448));
		assert.ok(c instanceof ImageDecodeError, `a decode failure is an ImageDecodeError, got ${String(c)}`);
		assert.match(c.message, /broken\.jpg could not be decoded \(.+\), so it was not tagged/);
	} finally {
		await pool.dispose();
	}
});

test('tagger preprocessing: images handed back to the threads are written again, and what comes out is the next image\'s bytes', async () => {
	const first = await pngFile('recycle-first.png', 900, 500, (x, y) => [x % 256, y % 256, 30, 255]);
	const second = await pngFile('recycle-second.png', 500, 900, (x, y) => [200, (x * y) % 256, y % 256, 255]);
	const pool = new TaggerPreprocessPool(1);
	try {
		const a = await pool.prepare(first, 448);
		const buffer = a.buffer;
		pool.recycle([a, a]);
		assert.equal(a.byteLength, 0, 'a handed-back image is detached from the caller');
		const b = await pool.prepare(second, 448);
		assert.deepEqual(b, await preprocessForTagger(second, 448));
		assert.notEqual(b.buffer, buffer, 'a transfer gives a new ArrayBuffer object on this side, whatever memory it holds');
		// A different size does not fit the spare, and is made in new memory.
		assert.equal((await pool.prepare(first, 224)).length, 224 * 224 * 3);
	} finally {
		await pool.dispose();
	}
});

test('tagger preprocessing: a batch tensor is written into a spare of the right length, and new otherwise', () => {
	const image = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
	const spare = new Float32Array(2 * 2 * 2 * 3).fill(-1);
	const batch = toBatchTensor([image, image], 2, spare);
	assert.equal(batch, spare);
	assert.deepEqual([...batch.subarray(12, 15)], [0, 1, 2]);
	assert.notEqual(toBatchTensor([image], 2, spare), spare, 'one image does not fit a two-image spare');
});
