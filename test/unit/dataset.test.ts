import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { rescanSubsets, scanTrainingFolder } from '../../src/core/dataset';
import { CUT_TAGS, imageCaptionTags } from '../../src/core/datasetCaptionTags';
import { captionCandidates, classifyImageName, compareCodePoints, parseSubsetName, pythonInt, readCaptionBytes } from '../../src/core/datasetParse';
import { findTrainingFolders } from '../../src/core/datasetDiscover';
import { readImageSizeFromHeader } from '../../src/core/datasetImageSize';

async function image(path: string, width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<void> {
	await sharp({ create: { width, height, channels: 3, background: { r: 120, g: 90, b: 60 } } }).toFormat(format).toFile(path);
}

describe('sd-scripts folder-name parsing', () => {
	it('splits on the first underscore; the rest are the class tokens', () => {
		assert.deepEqual(parseSubsetName('24_3mm4w4ts0n woman'), { kind: 'subset', repeats: 24, classTokens: '3mm4w4ts0n woman' });
		assert.deepEqual(parseSubsetName('10_my_char woman'), { kind: 'subset', repeats: 10, classTokens: 'my_char woman' });
		assert.deepEqual(parseSubsetName('5'), { kind: 'subset', repeats: 5, classTokens: '' });
	});

	it('folders without a leading integer are ignored with a warning, below 1 silently', () => {
		for (const name of ['abc', '.ipynb_checkpoints', '5.5_x', 'img', '_x']) {
			assert.deepEqual(parseSubsetName(name), { kind: 'no-repeats' }, name);
		}
		assert.deepEqual(parseSubsetName('0_x'), { kind: 'zero-repeats', repeats: 0 });
		assert.deepEqual(parseSubsetName('-1_x'), { kind: 'zero-repeats', repeats: -1 });
	});

	it('reads the count as Python int() does: whitespace, sign and non-ASCII digits', () => {
		assert.equal(pythonInt(' 12 '), 12);
		assert.equal(pythonInt('+3'), 3);
		assert.equal(pythonInt('２４'), 24);
		assert.equal(pythonInt('٣'), 3);
		assert.ok(Number.isNaN(pythonInt('1 2')));
		assert.ok(Number.isNaN(pythonInt('')));
	});

	it('image extensions: lower or upper case on Linux, any case on Windows, no dot-files', () => {
		assert.equal(classifyImageName('a.png', 'linux'), 'image');
		assert.equal(classifyImageName('a.JPEG', 'linux'), 'image');
		assert.equal(classifyImageName('a.Jpg', 'linux'), 'case-ignored');
		assert.equal(classifyImageName('a.Jpg', 'darwin'), 'case-ignored');
		assert.equal(classifyImageName('a.Jpg', 'win32'), 'image');
		assert.equal(classifyImageName('.hidden.png', 'linux'), 'other');
		assert.equal(classifyImageName('a.avif', 'linux'), 'plugin');
		assert.equal(classifyImageName('a.gif', 'linux'), 'other');
		assert.equal(classifyImageName('a.txt', 'linux'), 'other');
	});

	it('caption candidates: same stem, then the legacy face-crop name', () => {
		assert.deepEqual(captionCandidates('/d/10_x/a.b.png', '.txt'), ['/d/10_x/a.b.txt', '/d/10_x/a.b.txt']);
		assert.deepEqual(captionCandidates('/d/10_x/img_1_2_3_4.png', '.txt'), ['/d/10_x/img_1_2_3_4.txt', '/d/10_x/img.txt']);
	});

	it('caption contents: first line stripped; zero bytes and non-UTF-8 are errors; a bare newline is not', () => {
		assert.deepEqual(readCaptionBytes(Buffer.from('  a, b \r\nsecond\n')), { kind: 'ok', caption: 'a, b', lineCount: 2 });
		assert.deepEqual(readCaptionBytes(Buffer.alloc(0)), { kind: 'empty' });
		assert.deepEqual(readCaptionBytes(Buffer.from([0x61, 0xff, 0x62])), { kind: 'not-utf8' });
		assert.deepEqual(readCaptionBytes(Buffer.from('\n')), { kind: 'ok', caption: '', lineCount: 0 });
	});
});

describe('scanTrainingFolder', () => {
	let root: string;
	before(async () => {
		root = await mkdtemp(join(tmpdir(), 'lw-dataset-'));
		const face = join(root, 'images', '24_3mm4w4ts0n woman');
		const body = join(root, 'images', '16_3mm4w4ts0n woman body');
		const odd = join(root, 'images', '10_my_char woman');
		for (const dir of [face, body, odd, join(root, 'images', 'abc'), join(root, 'images', '0_x'), join(root, 'images', '.ipynb_checkpoints'), join(root, 'images', '5'), join(root, 'reg', '1_woman'), join(root, 'model')]) {
			await mkdir(dir, { recursive: true });
		}
		for (let i = 0; i < 3; i++) {
			await image(join(face, `f${i}.png`), 64, 64);
			await writeFile(join(face, `f${i}.txt`), `3mm4w4ts0n, smile, tag${i}\nignored second line\n`);
		}
		await image(join(face, 'f3.PNG'), 64, 64); // upper case: found, no caption -> class tokens
		await image(join(face, 'f4.Jpg'), 64, 64, 'jpeg'); // mixed case: not found on Linux
		await image(join(face, 'f5.jpg'), 64, 64, 'jpeg');
		await writeFile(join(face, 'f5.txt'), ''); // empty caption: sd-scripts aborts
		await image(join(face, 'f6.webp'), 64, 64, 'webp');
		await writeFile(join(face, 'f6.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9])); // latin-1, not UTF-8
		await writeFile(join(face, 'orphan.txt'), 'no image');
		await writeFile(join(face, 'metadata_cache.json'), '{}');
		for (let i = 0; i < 2; i++) {
			await image(join(body, `b${i}.png`), 64, 96);
		}
		await image(join(odd, 'o.png'), 64, 64);
		await image(join(root, 'images', '5', 'five.png'), 64, 64);
		await image(join(root, 'images', '0_x', 'zero.png'), 64, 64);
		await image(join(root, 'images', 'abc', 'abc.png'), 64, 64);
		await image(join(root, 'images', 'stray.png'), 64, 64);
		for (let i = 0; i < 3; i++) {
			await image(join(root, 'reg', '1_woman', `r${i}.png`), 64, 64);
		}
	});
	after(async () => {
		await rm(root, { recursive: true, force: true });
	});

	it('finds the subsets sd-scripts trains, with repeats, class tokens, images and captions', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux' });
		const byName = Object.fromEntries(folder.subsets.map((s) => [s.name, s]));
		assert.deepEqual(folder.subsets.map((s) => `${s.isReg ? 'reg/' : ''}${s.name}`), ['10_my_char woman', '16_3mm4w4ts0n woman body', '24_3mm4w4ts0n woman', '5', 'reg/1_woman']);
		const face = byName['24_3mm4w4ts0n woman'];
		assert.equal(face.repeats, 24);
		assert.deepEqual(face.images.map((i) => i.name), ['f0.png', 'f1.png', 'f2.png', 'f3.PNG', 'f5.jpg', 'f6.webp']);
		assert.deepEqual(face.images.map((i) => i.hasCaption), [true, true, true, false, true, true]);
		assert.equal(face.images[0].caption, '3mm4w4ts0n, smile, tag0');
		assert.equal(face.images[0].tagCount, 3);
		assert.equal(face.images[0].captionLineCount, 2);
		assert.equal(face.images[4].captionProblem, 'empty');
		assert.equal(face.images[5].captionProblem, 'not-utf8');
		assert.deepEqual(face.orphanCaptions, [join(face.dir, 'orphan.txt')]);
		assert.equal(byName['10_my_char woman'].classTokens, 'my_char woman');
		assert.equal(byName['5'].classTokens, '');
		assert.equal(byName['1_woman'].isReg, true);
	});

	it('reports what sd-scripts skips or stops on, naming the file', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux' });
		const codes = (code: string): string[] => folder.warnings.filter((w) => w.code === code).map((w) => w.path ?? '');
		assert.deepEqual(codes('ignored-folder').sort(), [join(root, 'images', '.ipynb_checkpoints'), join(root, 'images', 'abc')]);
		assert.deepEqual(codes('zero-repeats'), [join(root, 'images', '0_x')]);
		assert.deepEqual(codes('extension-case'), [join(root, 'images', '24_3mm4w4ts0n woman', 'f4.Jpg')]);
		assert.deepEqual(codes('empty-caption'), [join(root, 'images', '24_3mm4w4ts0n woman', 'f5.txt')]);
		assert.deepEqual(codes('caption-not-utf8'), [join(root, 'images', '24_3mm4w4ts0n woman', 'f6.txt')]);
		assert.deepEqual(codes('stray-images'), [join(root, 'images')]);
		assert.equal(folder.warnings[0].severity, 'error');
	});

	it('on Windows the mixed-case extension is an image too', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'win32' });
		assert.equal(folder.subsets.find((s) => s.name === '24_3mm4w4ts0n woman')!.images.length, 7);
	});

	it('computes the running-training numbers, reg included', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux', training: { batchSize: 2 } });
		// train: 1x10 + 2x16 + 6x24 + 1x5 = 191; reg 3 images x 1 grow to 191 -> 382 samples, batch 2 -> 191 batches.
		assert.equal(folder.steps?.trainImagesTimesRepeats, 191);
		assert.equal(folder.steps?.regImagesTimesRepeats, 3);
		assert.equal(folder.steps?.regSamplesUsed, 191);
		assert.equal(folder.steps?.batchesPerEpoch, 191);
		assert.equal(folder.steps?.totalSteps, 1910);
	});

	it('with buckets, reads every image size: 64x64 -> 512x512 bucket, 64x96 -> 384x640', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux', training: { enableBucket: true, batchSize: 4 } });
		// 384x640: 2 body x 16 = 32; 512x512: 10 + 6x24 + 5 + reg 191 = 350 -> 8 + 88 = 96 batches.
		assert.deepEqual(folder.steps?.buckets, [{ width: 384, height: 640, count: 32 }, { width: 512, height: 512, count: 350 }]);
		assert.equal(folder.steps?.batches, 96);
	});

	it('infers trigger and class from the subset names when there is no settings file', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux' });
		assert.equal(folder.settingsFileExists, false);
		assert.equal(folder.trigger, '3mm4w4ts0n');
		assert.equal(folder.classWord, 'woman');
		assert.equal(folder.triggerSource, 'subsets');
		const prefixChecks = folder.checks.filter((c) => c.code === 'trigger-prefix').map((c) => c.subsetDir);
		assert.deepEqual(prefixChecks, [join(root, 'images', '10_my_char woman'), join(root, 'images', '5')]);
	});

	it('guesses roles from names and image shape', async () => {
		const folder = await scanTrainingFolder(root, { platform: 'linux' });
		const roles = Object.fromEntries(folder.subsets.map((s) => [s.name, s.role]));
		assert.equal(roles['16_3mm4w4ts0n woman body'], 'body');
		assert.equal(roles['24_3mm4w4ts0n woman'], 'face');
		assert.equal(roles['1_woman'], 'reg');
	});

	it('a folder that does not exist or has no subsets gives a clear error, not a throw', async () => {
		const missing = await scanTrainingFolder(join(root, 'nope'));
		assert.equal(missing.warnings[0].code, 'folder-missing');
		const empty = await mkdtemp(join(tmpdir(), 'lw-empty-'));
		try {
			const noImages = await scanTrainingFolder(empty);
			assert.equal(noImages.warnings[0].code, 'no-images-dir');
			await mkdir(join(empty, 'images'));
			const noSubsets = await scanTrainingFolder(empty);
			assert.equal(noSubsets.warnings[0].code, 'no-subsets');
			assert.equal(noSubsets.steps, undefined);
		} finally {
			await rm(empty, { recursive: true, force: true });
		}
	});

	it('a symlink loop becomes a warning naming the link', async () => {
		const loopRoot = await mkdtemp(join(tmpdir(), 'lw-loop-'));
		try {
			const subset = join(loopRoot, 'images', '3_x woman');
			await mkdir(subset, { recursive: true });
			await image(join(subset, 'a.png'), 32, 32);
			await symlink(join(subset, 'loop-b'), join(subset, 'loop-a'));
			await symlink(join(subset, 'loop-a'), join(subset, 'loop-b'));
			const folder = await scanTrainingFolder(loopRoot);
			assert.equal(folder.subsets[0].images.length, 1);
			const broken = folder.warnings.filter((w) => w.code === 'broken-link');
			assert.equal(broken.length, 2);
			assert.match(broken[0].message, /symbolic link loop/);
		} finally {
			await rm(loopRoot, { recursive: true, force: true });
		}
	});

	it('discovers training folders one and two levels down', async () => {
		const parent = await mkdtemp(join(tmpdir(), 'lw-parent-'));
		try {
			await mkdir(join(parent, 'alice', 'images', '10_alice woman'), { recursive: true });
			await mkdir(join(parent, 'group', 'bob'), { recursive: true });
			await writeFile(join(parent, 'group', 'bob', 'lora-workbench.yaml'), 'trigger: bob\n');
			await mkdir(join(parent, 'notes', 'images', 'misc'), { recursive: true });
			assert.deepEqual(await findTrainingFolders(parent), [join(parent, 'alice'), join(parent, 'group', 'bob')]);
		} finally {
			await rm(parent, { recursive: true, force: true });
		}
	});

	it('reads image sizes from PNG, JPEG and WebP headers', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lw-size-'));
		try {
			await image(join(dir, 'a.png'), 300, 200);
			await image(join(dir, 'a.jpg'), 123, 77, 'jpeg');
			await image(join(dir, 'a.webp'), 90, 160, 'webp');
			assert.deepEqual(await readImageSizeFromHeader(join(dir, 'a.png')), [300, 200]);
			assert.deepEqual(await readImageSizeFromHeader(join(dir, 'a.jpg')), [123, 77]);
			assert.deepEqual(await readImageSizeFromHeader(join(dir, 'a.webp')), [90, 160]);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe('captions and orphans', () => {
	it('an image takes its own caption, two images may share one, the legacy face-crop name is found, and only unused caption files are orphans', async () => {
		const root = await mkdtemp(join(tmpdir(), 'lw-orphans-'));
		try {
			const dir = join(root, 'images', '10_zq7 woman');
			await mkdir(dir, { recursive: true });
			for (const name of ['x.png', 'x.jpg', 'own.png', 'p_q_r_s_t.png', 'bare.png']) {
				await writeFile(join(dir, name), '');
			}
			for (const name of ['x.txt', 'own.txt', 'p.txt', 'zeta.txt', 'lone.txt']) {
				await writeFile(join(dir, name), 'zq7, smile');
			}
			await mkdir(join(dir, 'folder.txt')); // a folder, not a caption file
			const subset = (await scanTrainingFolder(root, { platform: 'linux', bucketPreview: false })).subsets[0];
			assert.deepEqual(subset.images.map((i) => `${i.name}:${i.hasCaption ? i.captionPath.slice(dir.length + 1) : '-'}`),
				['bare.png:-', 'own.png:own.txt', 'p_q_r_s_t.png:p.txt', 'x.jpg:x.txt', 'x.png:x.txt']);
			assert.deepEqual(subset.orphanCaptions, [join(dir, 'lone.txt'), join(dir, 'zeta.txt')]);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});
});

describe('compareCodePoints (Python\'s str order)', () => {
	/** What Python compares: the strings' code points, one by one. */
	function byCodePoint(a: string, b: string): number {
		const x = [...a].map((c) => c.codePointAt(0)!);
		const y = [...b].map((c) => c.codePointAt(0)!);
		for (let i = 0; i < Math.min(x.length, y.length); i++) {
			if (x[i] !== y[i]) {
				return x[i] - y[i];
			}
		}
		return x.length - y.length;
	}

	it('orders as code points do, where UTF-16 order differs (above U+FFFF against U+E000-FFFF)', () => {
		assert.ok(compareCodePoints('img_\u{1F600}.png', 'img_\uFF5E.png') > 0, 'U+1F600 sorts after U+FF5E, as in Python');
		assert.ok('img_\u{1F600}.png' < 'img_\uFF5E.png', 'while UTF-16 order puts it first');
		let state = 7;
		const random = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
		const alphabet = ['a', 'b', '_', '0', '\u00e9', '\u4e2d', '\ud7ff', '\ue000', '\uff5e', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}'];
		const word = () => Array.from({ length: Math.floor(random() * 5) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
		for (let n = 0; n < 20_000; n++) {
			const a = word();
			const b = random() < 0.3 ? a + word() : word();
			assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(byCodePoint(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
		}
	});
});

describe('rescan of changed subsets', () => {
	let root = '';
	let dir = '';
	before(async () => {
		root = await mkdtemp(join(tmpdir(), 'lw-rescan-'));
		dir = join(root, 'images', '24_zq7 woman');
		await mkdir(dir, { recursive: true });
		for (const [name, width] of [['a', 64], ['b', 80], ['c', 96], ['e', 48]] as const) {
			await image(join(dir, `${name}.png`), width, 64);
		}
		await writeFile(join(dir, 'a.txt'), 'zq7, smile');
		await writeFile(join(dir, 'b.txt'), 'zq7, old b');
		await writeFile(join(dir, 'c.txt'), 'zq7, old c');
		await writeFile(join(dir, 'e.txt'), '');
	});
	after(async () => { await rm(root, { recursive: true, force: true }); });

	it('reads again only the files the watch named, and what had a problem; keeps the rest of the last scan', async () => {
		const previous = await scanTrainingFolder(root);
		const old = previous.subsets[0].images;
		assert.deepEqual(old.map((i) => i.caption), ['zq7, smile', 'zq7, old b', 'zq7, old c', undefined]);
		assert.equal(old[3].captionProblem, 'empty');
		const oldTags = old.map((i) => imageCaptionTags(i));
		assert.deepEqual(oldTags, [['zq7', 'smile'], ['zq7', 'old b'], ['zq7', 'old c'], []]);

		await writeFile(join(dir, 'b.txt'), 'zq7, new b, red hair');
		await writeFile(join(dir, 'c.txt'), 'zq7, new c'); // not named below: the rescan must not see it
		await writeFile(join(dir, 'e.txt'), 'zq7, e now written'); // not named, but its caption had a problem
		await image(join(dir, 'b.png'), 112, 64);
		await image(join(dir, 'd.png'), 72, 64);
		await writeFile(join(dir, 'd.txt'), 'zq7, d');
		const changed = new Set(['b.txt', 'b.png', 'd.png', 'd.txt'].map((name) => join(dir, name)));
		const rescanned = await rescanSubsets(previous, [dir], {}, new Map([[dir, changed]]));
		const images = rescanned.subsets[0].images;
		assert.deepEqual(images.map((i) => i.name), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
		assert.deepEqual(images.map((i) => i.caption), ['zq7, smile', 'zq7, new b, red hair', 'zq7, old c', 'zq7, d', 'zq7, e now written']);
		assert.deepEqual(images.map((i) => i.tagCount), [2, 3, 2, 2, 2]);
		assert.deepEqual(images.map((i) => i.size), [[64, 64], [112, 64], [96, 64], [72, 64], [48, 64]]);
		assert.equal(images[0].size, old[0].size, 'an unchanged image keeps its size without a read');
		assert.equal(images[0].caption, old[0].caption);
		// Tags already cut go with an unchanged caption, and only with it.
		assert.equal(imageCaptionTags(images[0]), oldTags[0], 'an unchanged caption keeps the tags cut from it');
		assert.equal(imageCaptionTags(images[2]), oldTags[2]);
		assert.deepEqual(images.map((i) => imageCaptionTags(i)), [['zq7', 'smile'], ['zq7', 'new b', 'red hair'], ['zq7', 'old c'], ['zq7', 'd'], ['zq7', 'e now written']]);
		// They travel with the image object only: a webview or thread message (a structured clone) and JSON leave them out.
		assert.equal(images[0][CUT_TAGS]?.tags, oldTags[0]);
		assert.equal(structuredClone(images[0])[CUT_TAGS], undefined);
		assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(images[0]))).sort(), Object.keys(images[0]).sort());
		assert.deepEqual(rescanned.subsets[0].problems.filter((p) => p.code === 'empty-caption'), []);

		// Without names, the subset is read whole.
		const whole = await rescanSubsets(previous, [dir]);
		assert.equal(whole.subsets[0].images[2].caption, 'zq7, new c');
	});
});
