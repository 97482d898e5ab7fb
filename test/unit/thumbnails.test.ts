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

test('thumbnails are made from the real photo, cached by the file\'s path and stat, and invalidated when the content changes', async () => {
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
		assert.equal(meta.format, 'jpeg', 'a JPEG\'s thumbnail is a JPEG');
		assert.ok(first.file.endsWith('.jpg'), first.file);
		assert.equal(Math.max(meta.width!, meta.height!), 128);

		const again = await new ThumbnailCache({ cacheDir, size: 128 }).thumbnail(image);
		assert.equal(again.cached, true, 'a new cache instance finds the file by its path and stat');
		assert.equal(again.file, first.file);

		await fs.copyFile(sharedFixture('photos', 'people', 'biden.jpg'), image);
		const changed = await cache.thumbnail(image);
		assert.equal(changed.cached, false, 'new content makes a new thumbnail');
		assert.notEqual(changed.key, first.key);
		assert.deepEqual((await fs.readdir(dir)).sort(), ['cache', 'photo.jpg'], 'nothing is written beside the image');
		const newest = (await fs.stat(changed.file)).size;
		assert.equal(await cache.prune(newest), 1, 'pruning to one thumbnail\'s size drops the older one');
		assert.equal((await fs.stat(changed.file)).size, newest);
		await assert.rejects(fs.stat(first.file));
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('a rewrite that keeps the size and sets the old mtime back still makes a new thumbnail', async () => {
	const dir = await tempDir();
	try {
		const cacheDir = join(dir, 'cache');
		const image = join(dir, 'photo.jpg');
		const sharp = (await import('sharp')).default;
		const photo = sharedFixture('photos', 'people', 'obama.jpg');
		// The same picture mirrored at the same quality: the same size in bytes is likely but not certain, so pad to it.
		const original = await fs.readFile(photo);
		let mirrored = await sharp(original).flop().jpeg({ quality: 90 }).toBuffer();
		const padded = Buffer.alloc(Math.max(original.length, mirrored.length + 2));
		original.copy(padded);
		await fs.writeFile(image, padded);
		const stamp = new Date('2024-05-01T12:00:00Z');
		await fs.utimes(image, stamp, stamp);
		const before = await fs.stat(image);
		const cache = new ThumbnailCache({ cacheDir, size: 64, concurrency: 1 });
		const first = await cache.thumbnail(image);
		// Bytes after the JPEG's end marker are ignored by decoders: the file keeps its size with other pixels.
		mirrored = Buffer.concat([mirrored, Buffer.alloc(padded.length - mirrored.length)]);
		await fs.writeFile(image, mirrored);
		await fs.utimes(image, stamp, stamp);
		const after = await fs.stat(image);
		assert.equal(after.size, before.size);
		assert.equal(after.mtimeMs, before.mtimeMs, 'the test sets the old mtime back');
		const changed = await new ThumbnailCache({ cacheDir, size: 64, concurrency: 1 }).thumbnail(image);
		assert.equal(changed.cached, false, 'the changed ctime gives the rewritten file a new key');
		assert.notEqual(changed.file, first.file);
		const [a, b] = await Promise.all([first.file, changed.file].map((file) => sharp(file).raw().toBuffer()));
		assert.notDeepEqual(a, b, 'the new thumbnail shows the mirrored picture');
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
		// Counts the decodes running at once, through the one method that holds a slot.
		const withEncode = cache as unknown as { encode(path: string): Promise<Buffer> };
		const encode = withEncode.encode.bind(cache);
		let decoding = 0;
		let mostAtOnce = 0;
		const decoded: string[] = [];
		withEncode.encode = async (path) => {
			decoding++;
			mostAtOnce = Math.max(mostAtOnce, decoding);
			try {
				return await encode(path);
			} finally {
				decoding--;
				decoded.push(path);
			}
		};
		const controller = new AbortController();
		const a = cache.thumbnail(images[0]);
		const b = cache.thumbnail(images[1], controller.signal);
		const c = cache.thumbnail(images[2]);
		assert.equal(cache.thumbnail(images[0]), a, 'a second request for the same image shares the first');
		assert.equal(cache.pending, 3, 'all three wait (looking up the cache) before any decodes');
		controller.abort();
		await assert.rejects(b, /abort/i);
		const results = await Promise.all([a, c]);
		assert.equal(results.every((r) => !r.cached), true);
		assert.equal(mostAtOnce, 1, 'one slot: one decode at a time');
		assert.deepEqual(decoded.sort(), [images[0], images[2]].sort(), 'the aborted request never decoded');
		assert.equal(cache.pending, 0);
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

test('a PNG\'s thumbnail is a WebP that keeps its transparency; a cache folder emptied during the session is made again', async () => {
	const dir = await tempDir();
	try {
		const cacheDir = join(dir, 'cache');
		const sharp = (await import('sharp')).default;
		const image = join(dir, 'cutout.png');
		await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 0 } } }).png().toFile(image);
		const cache = new ThumbnailCache({ cacheDir, size: 128, concurrency: 1 });
		const first = await cache.thumbnail(image);
		const meta = await sharp(first.file).metadata();
		assert.deepEqual([meta.format, meta.hasAlpha, meta.width, first.file.endsWith('.webp')], ['webp', true, 128, true]);
		await fs.rm(cacheDir, { recursive: true, force: true });
		const jpeg = join(dir, 'photo.jpg');
		await fs.copyFile(sharedFixture('photos', 'people', 'obama.jpg'), jpeg);
		const second = await cache.thumbnail(jpeg);
		assert.equal(second.cached, false);
		assert.equal((await sharp(second.file).metadata()).format, 'jpeg');
		const third = await cache.thumbnail(image);
		assert.equal(third.cached, false, 'the removed thumbnail is made again');
		assert.equal(third.file, first.file);
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});
