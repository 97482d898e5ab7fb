/**
 * Caption reads shared with a helper thread (issue 22): every file is read exactly once, by the caller or by the
 * helper (handed over in batches), with its exact bytes; what the helper cannot read is left to the caller; and a scan of a large subset
 * gives the same captions and problems, in the same order, as one read on a single thread.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELPER_MIN_CAPTIONS, SharedCaptionReads } from '../../src/core/captionReadThread';
import { scanTrainingFolder } from '../../src/core/dataset';
import { estimatedTokenCounter } from '../../src/core/clipTokenizer';
import { lintDataset } from '../../src/core/lint/lintDataset';
import { pngHeader } from '../support/imageHeaders';

const COUNT = HELPER_MIN_CAPTIONS + 500;

test('each caption is read once, by the caller or the helper, byte for byte; the helper leaves what it cannot read', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'caption-reads-'));
	try {
		const paths = Array.from({ length: COUNT }, (_, i) => join(dir, `img_${i}.txt`));
		paths.forEach((path, i) => {
			if (i % 97 === 5) {
				mkdirSync(path); // unreadable as a file: the caller must get it back
			} else {
				writeFileSync(path, i === 7 ? Buffer.alloc(40_000, 'x') : `tag${i}, smile`);
			}
		});
		const reads = new SharedCaptionReads(paths.length);
		reads.start(paths);
		const mine: number[] = [];
		let helperSeen = false;
		for (let index = reads.claim(); index !== undefined; index = reads.claim()) {
			// Until the helper is seen taking files (a gap in the caller's indices), the caller waits between
			// claims, so the helper gets its share on any machine: first for it to begin, then a turn per claim.
			if (mine.length === 1) {
				assert.equal(await reads.whenHelperReads(), true, 'a folder this size has a helper');
			}
			helperSeen ||= mine.length > 0 && index > mine[mine.length - 1] + 1;
			mine.push(index);
			if (!helperSeen) {
				await new Promise<void>((resolve) => setImmediate(resolve));
			}
		}
		await reads.helperDone();
		const helped = new Map<number, Uint8Array>();
		for (let file = reads.nextHelperFile(); file; file = reads.nextHelperFile()) {
			assert.ok(!helped.has(file.index), `${paths[file.index]} handed over once`);
			helped.set(file.index, file.bytes);
		}
		assert.ok(helped.size > 0, 'the helper read some captions');
		assert.ok(mine.every((index) => !helped.has(index)), 'no caption read twice');
		for (const [index, bytes] of helped) {
			assert.deepEqual(Buffer.from(bytes), readFileSync(paths[index]), paths[index]);
		}
		const unreadable = paths.map((_, i) => i).filter((i) => i % 97 === 5);
		assert.ok(unreadable.every((i) => !helped.has(i)), 'a caption the helper could not read is the caller\'s');
		const covered = new Set([...mine, ...helped.keys(), ...unreadable]);
		assert.equal(covered.size, COUNT, 'every caption is accounted for');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a helper reading alone hands over every file in order, byte for byte, ones larger than a batch too', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'caption-batches-'));
	try {
		const sizes = new Map([[3, 16 * 1024 - 1], [4, 16 * 1024], [5, 40_000], [300, 600_000], [301, 12]]);
		const paths = Array.from({ length: COUNT }, (_, i) => join(dir, `img_${i}.txt`));
		paths.forEach((path, i) => writeFileSync(path, sizes.has(i) ? Buffer.alloc(sizes.get(i)!, 48 + (i % 10)) : `tag${i}, smile`));
		const reads = new SharedCaptionReads(paths.length);
		reads.start(paths);
		assert.equal(await reads.whenHelperReads(), true);
		await reads.helperDone(); // the caller claims nothing: the helper reads to the end
		const order: number[] = [];
		for (let file = reads.nextHelperFile(); file; file = reads.nextHelperFile()) {
			order.push(file.index);
			assert.deepEqual(Buffer.from(file.bytes), readFileSync(paths[file.index]), paths[file.index]);
		}
		assert.deepEqual(order, paths.map((_, i) => i));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a small folder starts no helper: the caller claims every caption', async () => {
	const reads = new SharedCaptionReads(10);
	reads.start(Array.from({ length: 10 }, (_, i) => `/nowhere/${i}.txt`));
	const claimed: number[] = [];
	for (let index = reads.claim(); index !== undefined; index = reads.claim()) {
		claimed.push(index);
	}
	assert.deepEqual(claimed, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	await reads.helperDone();
	assert.equal(reads.nextHelperFile(), undefined);
});

test('a scan of a subset large enough for the helper has every caption and each problem in image order', async () => {
	const root = mkdtempSync(join(tmpdir(), 'caption-scan-'));
	try {
		const subset = join(root, 'images', '10_zq7 woman');
		mkdirSync(subset, { recursive: true });
		for (let i = 0; i < COUNT; i++) {
			const stem = join(subset, `img_${String(i).padStart(5, '0')}`);
			writeFileSync(`${stem}.png`, '');
			writeFileSync(`${stem}.txt`, i % 500 === 3 ? '' : i % 500 === 4 ? Buffer.from('caf\xe9', 'latin1') : `zq7, tag${i}, smile`);
		}
		const folder = await scanTrainingFolder(root, { bucketPreview: false });
		const images = folder.subsets[0].images;
		assert.equal(images.length, COUNT);
		images.forEach((image, i) => {
			const expected = i % 500 === 3 || i % 500 === 4 ? undefined : `zq7, tag${i}, smile`;
			assert.equal(image.caption, expected, image.path);
		});
		const problems = folder.subsets[0].problems.filter((p) => p.code === 'empty-caption' || p.code === 'caption-not-utf8');
		const expectedProblems = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 500 === 3 || i % 500 === 4)
			.map((i) => `${i % 500 === 3 ? 'empty-caption' : 'caption-not-utf8'} img_${String(i).padStart(5, '0')}.txt`);
		assert.deepEqual(problems.map((p) => `${p.code} ${p.path!.slice(subset.length + 1)}`), expectedProblems);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

test('a lint of a folder large enough for the helper lints every caption once, with each problem on its file', async () => {
	const root = mkdtempSync(join(tmpdir(), 'caption-lint-'));
	try {
		const subset = join(root, 'images', '10_zq7 woman');
		mkdirSync(subset, { recursive: true });
		writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: zq7\nclass: woman\n');
		const name = (i: number) => `img_${String(i).padStart(5, '0')}`;
		for (let i = 0; i < COUNT; i++) {
			writeFileSync(join(subset, `${name(i)}.png`), '');
			writeFileSync(join(subset, `${name(i)}.txt`), i % 500 === 4 ? Buffer.from('caf\xe9', 'latin1') : i % 7 === 0 ? `zq7, tag${i}, smile, smile` : `zq7, tag${i}, smile`);
		}
		const result = await lintDataset(root, { tokenCounter: estimatedTokenCounter });
		const notUtf8 = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 500 === 4);
		assert.equal(result.captions, COUNT - notUtf8.length);
		assert.equal(result.notUtf8, notUtf8.length);
		const files = (code: string) => result.issues.filter((issue) => issue.code === code).map((issue) => issue.file.slice(subset.length + 1));
		assert.deepEqual(files('duplicate-tag'), Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 7 === 0 && i % 500 !== 4).map((i) => `${name(i)}.txt`));
		assert.deepEqual(files('caption-encoding'), notUtf8.map((i) => `${name(i)}.txt`));
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

/** A JPEG whose frame header (its size) comes after a 10 KB APP1 block: past the head the helper reads. */
function jpegAfterExif(width: number, height: number): Buffer {
	const app1 = Buffer.alloc(10_004);
	app1.writeUInt16BE(0xffe1, 0);
	app1.writeUInt16BE(10_002, 2);
	app1.write('Exif\0\0', 4, 'latin1');
	const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
	return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof, Buffer.from([0xff, 0xd9])]);
}

test('a scan reads every image\'s size with the captions, one helper for all subsets: sizes past the head, unreadable images and Pillow\'s limit as on one thread', async () => {
	const root = mkdtempSync(join(tmpdir(), 'caption-heads-'));
	try {
		// Two subsets that are each below the helper's threshold and together above it.
		const half = Math.ceil(COUNT / 2);
		const expected = new Map<string, readonly [number, number] | undefined>();
		for (const name of ['10_zq7 woman', '5_zq7 woman']) {
			const subset = join(root, 'images', name);
			mkdirSync(subset, { recursive: true });
			for (let i = 0; i < half; i++) {
				const stem = join(subset, `img_${String(i).padStart(5, '0')}`);
				const kind = i % 400;
				const [file, size, bytes] = kind === 7 ? [`${stem}.jpg`, [640, 960] as const, jpegAfterExif(640, 960)]
					: kind === 8 ? [`${stem}.png`, undefined, Buffer.from('not an image at all')]
						: kind === 9 ? [`${stem}.png`, [10_000, 9_000] as const, pngHeader(10_000, 9_000)] // over Pillow's limit
							: [`${stem}.png`, [512 + (i % 5) * 64, 512 + (i % 3) * 128] as const, pngHeader(512 + (i % 5) * 64, 512 + (i % 3) * 128)];
				writeFileSync(file, bytes);
				writeFileSync(`${stem}.txt`, `zq7, tag${i}`);
				expected.set(file, size);
			}
		}
		assert.ok(half < HELPER_MIN_CAPTIONS && 2 * half >= HELPER_MIN_CAPTIONS);
		const folder = await scanTrainingFolder(root, { training: { enableBucket: true } });
		const images = folder.subsets.flatMap((subset) => subset.images);
		assert.equal(images.length, expected.size);
		for (const image of images) {
			assert.deepEqual(image.size, expected.get(image.path), image.path);
			assert.equal(image.caption, `zq7, tag${Number(image.name.slice(4, 9))}`, image.path);
		}
		const problems = (code: string) => folder.warnings.filter((w) => w.code === code).map((w) => w.path!.slice(root.length + 1)).sort();
		const named = (kind: number, extension: string) => ['10_zq7 woman', '5_zq7 woman'].flatMap((name) => Array.from({ length: half }, (_, i) => i)
			.filter((i) => i % 400 === kind).map((i) => join('images', name, `img_${String(i).padStart(5, '0')}${extension}`))).sort();
		assert.deepEqual(problems('pillow-pixel-limit'), named(9, '.png'));
		assert.deepEqual(problems('unreadable-image'), named(8, '.png'));
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});
