import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThumbnailCache, ThumbnailError } from '../../src/core/thumbnails';
import { sharedFixture } from '../support/paths';

async function tempDir(): Promise<string> {
	return fs.mkdtemp(join(tmpdir(), 'lora-thumbs-'));
}

test('thumbnails are made from the real photo, cached by content, and invalidated when the content changes', async () => {
	const dir = await tempDir();
	try {
		const cacheDir = join(dir, 'cache');
		const image = join(dir, 'photo.jpg');
		await fs.copyFile(sharedFixture('photos', 'people', 'obama.jpg'), image);
		const cache = new ThumbnailCache({ cacheDir, size: 128, concurrency: 1 });
		const first = await cache.thumbnail(image);
		assert.equal(first.cached, false);
		assert.ok(first.file.startsWith(cacheDir), 'the thumbnail lives in the cache folder, not the dataset');
		const sharp = (await import('sharp')).default;
		const meta = await sharp(first.file).metadata();
		assert.equal(meta.format, 'webp');
		assert.equal(Math.max(meta.width!, meta.height!), 128);

		const again = await new ThumbnailCache({ cacheDir, size: 128 }).thumbnail(image);
		assert.equal(again.cached, true, 'a new cache instance finds the file by content hash');
		assert.equal(again.file, first.file);

		await fs.copyFile(sharedFixture('photos', 'people', 'biden.jpg'), image);
		const changed = await cache.thumbnail(image);
		assert.equal(changed.cached, false, 'new content makes a new thumbnail');
		assert.notEqual(changed.hash, first.hash);
		assert.deepEqual((await fs.readdir(dir)).sort(), ['cache', 'photo.jpg'], 'nothing is written beside the image');
		const newest = (await fs.stat(changed.file)).size;
		assert.equal(await cache.prune(newest), 1, 'pruning to one thumbnail\'s size drops the older one');
		assert.equal((await fs.stat(changed.file)).size, newest);
		await assert.rejects(fs.stat(first.file));
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('the pool runs at most `concurrency` jobs, dedupes a path, and drops aborted requests', async () => {
	const dir = await tempDir();
	try {
		const images = await Promise.all(['obama1.jpg', 'obama2.jpg', 'biden2.jpg'].map(async (name) => {
			const path = join(dir, name);
			await fs.copyFile(sharedFixture('photos', 'people', name), path);
			return path;
		}));
		const cache = new ThumbnailCache({ cacheDir: join(dir, 'cache'), size: 64, concurrency: 1 });
		const controller = new AbortController();
		const a = cache.thumbnail(images[0]);
		const b = cache.thumbnail(images[1], controller.signal);
		const c = cache.thumbnail(images[2]);
		assert.equal(cache.thumbnail(images[0]), a, 'a second request for the same image shares the first');
		assert.equal(cache.pending, 2, 'one runs, two wait');
		controller.abort();
		await assert.rejects(b, /abort/i);
		const results = await Promise.all([a, c]);
		assert.equal(results.every((r) => !r.cached), true);
		assert.equal((await fs.readdir(join(dir, 'cache'))).length > 0, true);
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('a file that is not an image gives a message naming it', async () => {
	const dir = await tempDir();
	try {
		const bad = join(dir, 'broken.jpg');
		await fs.writeFile(bad, 'not a jpeg');
		const cache = new ThumbnailCache({ cacheDir: join(dir, 'cache') });
		await assert.rejects(cache.thumbnail(bad), (err: unknown) => err instanceof ThumbnailError && err.message.startsWith(`${bad}: cannot make a thumbnail`));
		await assert.rejects(cache.thumbnail(join(dir, 'missing.jpg')), /does not exist/);
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});
