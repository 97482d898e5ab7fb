import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { imagePreview } from '../../src/core/preview';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
	const dir = await mkdtemp(join(tmpdir(), 'lora-preview-'));
	try {
		await fn(dir);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

test('caption preview: a large JPEG gets a cached downscaled copy outside the dataset; the original is untouched', () => withDir(async (dir) => {
	const image = join(dir, 'big.jpg');
	await sharp({ create: { width: 2000, height: 3000, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toFile(image);
	const before = await fs.readFile(image);
	const cache = join(dir, 'cache');
	const first = await imagePreview(image, cache, { maxEdge: 512 });
	assert.ok(first.ok);
	assert.equal(first.downscaled, true);
	assert.deepEqual([first.width, first.height], [2000, 3000]);
	assert.ok(first.path.startsWith(cache));
	const meta = await sharp(first.path).metadata();
	assert.deepEqual([meta.width, meta.height], [341, 512]);
	const again = await imagePreview(image, cache, { maxEdge: 512 });
	assert.ok(again.ok && again.path === first.path);
	assert.deepEqual(await fs.readFile(image), before);
}));

test('caption preview: a small browser-friendly image is shown as it is', () => withDir(async (dir) => {
	const image = join(dir, 'small.png');
	await sharp({ create: { width: 64, height: 32, channels: 3, background: '#000' } }).png().toFile(image);
	const preview = await imagePreview(image, join(dir, 'cache'), { maxEdge: 512 });
	assert.ok(preview.ok && preview.path === image && !preview.downscaled);
}));

test('caption preview: an undecodable image gives a message naming it, not an exception', () => withDir(async (dir) => {
	const image = join(dir, 'broken.jpg');
	await fs.writeFile(image, Buffer.from('this is not a jpeg'));
	const preview = await imagePreview(image, join(dir, 'cache'), { maxEdge: 512 });
	assert.ok(!preview.ok);
	assert.match(preview.error, /broken\.jpg could not be decoded/);
	const missing = await imagePreview(join(dir, 'gone.jpg'), join(dir, 'cache'), { maxEdge: 512 });
	assert.ok(!missing.ok && /gone\.jpg/.test(missing.error));
}));
