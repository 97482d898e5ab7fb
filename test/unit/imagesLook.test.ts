import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { Sharp } from 'sharp';
import { checkImages } from '../../src/core/images/checkImages';
import { findSimilarGroups } from '../../src/core/images/duplicates';
import { imageCheckOptions } from '../../src/core/images/options';
import { ImageProblem } from '../../src/core/images/types';
import { sharedFixture } from '../support/paths';

/** A sharp, colourful, evenly lit texture: none of the look checks should fire on it. */
function texture(size = 640) {
	return sharp({ create: { width: size, height: size, channels: 3, background: { r: 128, g: 128, b: 128 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
}

const codes = (problems: ImageProblem[], file: string) => problems.filter((p) => p.file === file).map((p) => p.code).sort();

describe('image look checks on generated images', () => {
	let dir: string;
	let files: Record<string, string>;
	let problems: ImageProblem[];

	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-look-'));
		const noise = await texture().png().toBuffer();
		const make = async (name: string, edit: (s: Sharp) => Sharp) => {
			const path = join(dir, name);
			await edit(sharp(noise)).png().toFile(path);
			return path;
		};
		files = {
			sharp: await make('sharp.png', (s) => s),
			blurred: await make('blurred.png', (s) => s.blur(4)),
			dark: await make('dark.png', (s) => s.linear(0.15, 0)),
			bright: await make('bright.png', (s) => s.linear(0.2, 215)),
			red: await make('red.png', (s) => s.recomb([[1, 0.3, 0.2], [0, 0.7, 0], [0, 0, 0.5]])),
			gray: await make('gray.png', (s) => s.grayscale().toColourspace('srgb')),
		};
		const entries = Object.values(files).map((path) => ({ path, role: 'unknown' as const }));
		// All are edits of one texture, so they are near-duplicates of each other by design.
		problems = (await checkImages(entries, imageCheckOptions({ disabled: new Set(['near-duplicate', 'same-shoot']) }))).problems;
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('finds nothing wrong with a sharp, neutral, well exposed image', () => {
		assert.deepEqual(codes(problems, files.sharp), []);
	});
	it('flags a Gaussian-blurred copy as blurry, with the measured sharpness', () => {
		const blurry = problems.find((p) => p.file === files.blurred && p.code === 'blurry');
		assert.ok(blurry, JSON.stringify(codes(problems, files.blurred)));
		assert.ok((blurry.details.sharpness as number) < 50);
		assert.match(blurry.message, /blurry/);
	});
	it('flags a darkened copy as dark and a brightened one as overexposed', () => {
		assert.deepEqual(codes(problems, files.dark), ['dark']);
		assert.ok(codes(problems, files.bright).includes('overexposed'));
		assert.ok(!codes(problems, files.bright).includes('dark'));
	});
	it('flags a red-lit copy as colored-light and names the colour', () => {
		const cast = problems.find((p) => p.file === files.red && p.code === 'colored-light');
		assert.ok(cast, JSON.stringify(codes(problems, files.red)));
		assert.match(cast.message, /red/);
	});
	it('flags the one grayscale picture in a colour set', () => {
		assert.deepEqual(codes(problems, files.gray), ['grayscale']);
		assert.equal(problems.filter((p) => p.code === 'grayscale').length, 1);
	});
	it('does not call a black-and-white set grayscale', async () => {
		const entries = [files.gray, files.gray].map((path, i) => ({ path: i ? path : files.gray, role: 'unknown' as const }));
		const report = await checkImages(entries, imageCheckOptions({ disabled: new Set(['near-duplicate', 'same-shoot']) }));
		assert.deepEqual(report.problems.map((p) => p.code), []);
	});
	it('honours configured thresholds and disabled codes', async () => {
		const entries = [{ path: files.blurred, role: 'unknown' as const }];
		assert.deepEqual((await checkImages(entries, imageCheckOptions({ thresholds: { blurVariance: 0 } }))).problems.map((p) => p.code), []);
		assert.deepEqual((await checkImages(entries, imageCheckOptions({ disabled: new Set(['blurry']) }))).problems.map((p) => p.code), []);
	});
});

describe('real photos pass the look checks', () => {
	it('no blurry, dark, overexposed or colored-light on the shared portraits', async () => {
		const entries = ['obama.jpg', 'obama2.jpg', 'two_people.jpg', 'biden.jpg', 'unsplash_makhmutova_dina.jpg'].map((n) => ({ path: sharedFixture('photos', 'people', n), role: 'unknown' as const }));
		const report = await checkImages(entries, imageCheckOptions());
		assert.deepEqual(report.problems.filter((p) => ['blurry', 'dark', 'overexposed', 'colored-light'].includes(p.code)).map((p) => `${p.file}: ${p.code}`), []);
	});

	describe('issue 19.5: dark but sharp, blown highlights, white backgrounds', () => {
		let dir: string;
		const look = (report: Awaited<ReturnType<typeof checkImages>>, file: string) => report.problems
			.filter((p) => p.file === file && ['blurry', 'dark', 'overexposed'].includes(p.code)).map((p) => p.code).sort();
		before(async () => {
			dir = await mkdtemp(join(tmpdir(), 'lora-look-real-'));
		});
		after(() => rm(dir, { recursive: true, force: true }));

		it('a sharp photo darkened to 30% is dark, not blurry; the same photo blurred is blurry', async () => {
			const dark = join(dir, 'obama_dark.jpg');
			const blurred = join(dir, 'obama1_blurred.jpg');
			await sharp(sharedFixture('photos', 'people', 'obama.jpg')).linear(0.3, 0).jpeg({ quality: 92 }).toFile(dark);
			await sharp(sharedFixture('photos', 'people', 'obama1.jpg')).rotate().blur(1.5).jpeg({ quality: 92 }).toFile(blurred);
			const report = await checkImages([dark, blurred].map((path) => ({ path, role: 'unknown' as const })), imageCheckOptions({ disabled: new Set(['near-duplicate', 'same-shoot']) }));
			assert.deepEqual(look(report, dark), ['dark']);
			assert.deepEqual(look(report, blurred), ['blurry']);
		});

		it('blown skin in the middle is overexposed; a white studio background around a well exposed face is not', async () => {
			const blown = join(dir, 'obama1_blown.jpg');
			const onWhite = join(dir, 'obama_on_white.jpg');
			await sharp(sharedFixture('photos', 'people', 'obama1.jpg')).rotate().linear(1.8, 0).jpeg({ quality: 92 }).toFile(blown);
			// A headshot on a white backdrop: white above and beside the person (a third of the picture), none on them.
			const person = await sharp(sharedFixture('photos', 'people', 'obama.jpg')).resize(640, 820, { fit: 'cover', position: 'north' }).toBuffer();
			await sharp({ create: { width: 1000, height: 1000, channels: 3, background: { r: 255, g: 255, b: 255 } } })
				.composite([{ input: person, left: 180, top: 180 }]).jpeg({ quality: 92 }).toFile(onWhite);
			const report = await checkImages([blown, onWhite].map((path) => ({ path, role: 'unknown' as const })), imageCheckOptions({ disabled: new Set(['near-duplicate', 'same-shoot']) }));
			assert.deepEqual(look(report, blown), ['overexposed']);
			assert.deepEqual(look(report, onWhite), [], 'most of the picture is white, the person is not blown out');
		});
	});
});

describe('near-duplicates and same shoot', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-dup-'));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('groups a resized, recompressed copy with its original and leaves other photos alone', async () => {
		const original = sharedFixture('photos', 'people', 'obama.jpg');
		const copy = join(dir, 'obama_copy.jpg');
		const slightCrop = join(dir, 'obama_crop.jpg');
		await sharp(original).resize(600).jpeg({ quality: 70 }).toFile(copy);
		const meta = await sharp(original).metadata();
		await sharp(original).extract({ left: 20, top: 20, width: meta.width - 40, height: meta.height - 40 }).toFile(slightCrop);
		const others = ['obama1.jpg', 'biden.jpg', 'two_people.jpg'].map((n) => sharedFixture('photos', 'people', n));
		const entries = [original, copy, slightCrop, ...others].map((path) => ({ path, role: 'unknown' as const }));
		const report = await checkImages(entries, imageCheckOptions());
		const near = report.groups.filter((g) => g.kind === 'near-duplicate');
		assert.equal(near.length, 1);
		assert.deepEqual(near[0].files, [original, copy, slightCrop].sort());
		const onCopy = report.problems.find((p) => p.file === copy && p.code === 'near-duplicate');
		assert.ok(onCopy);
		assert.ok((onCopy.details.partners as Array<{ distance: number }>).every((p) => p.distance <= 6));
		for (const other of others) {
			assert.ok(!report.problems.some((p) => p.file === other && p.code === 'near-duplicate'), other);
		}
	});

	it('does not list a near-duplicate again under same shoot: the copies stand as one picture there (issue 19.5)', () => {
		// A and B are copies (2 bits apart); C is the same shoot as both (10 and 8 bits).
		const groups = findSimilarGroups([
			{ file: 'a.jpg', hash: '0000000000000000' },
			{ file: 'b.jpg', hash: '0000000000000003' },
			{ file: 'c.jpg', hash: '00000000000003ff' },
		], 6, 14);
		assert.deepEqual(groups.map((g) => [g.kind, g.files]), [['near-duplicate', ['a.jpg', 'b.jpg']], ['same-shoot', ['a.jpg', 'c.jpg']]]);
		assert.deepEqual(groups[1].pairs, [{ a: 'a.jpg', b: 'c.jpg', distance: 8 }], 'the closest copy\'s distance');
	});

	it('finds a mirrored copy (a flipped selfie, a re-post) as a near-duplicate, which the plain hash does not (issue 19.5)', async () => {
		const original = sharedFixture('photos', 'people', 'obama1.jpg');
		const flipped = join(dir, 'obama1_flipped.jpg');
		await sharp(original).rotate().flop().resize(700).jpeg({ quality: 80 }).toFile(flipped);
		const others = ['obama.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg'].map((n) => sharedFixture('photos', 'people', n));
		const entries = [original, flipped, ...others].map((path) => ({ path, role: 'unknown' as const }));
		const report = await checkImages(entries, imageCheckOptions());
		const near = report.groups.filter((g) => g.kind === 'near-duplicate');
		assert.deepEqual(near.map((g) => g.files), [[original, flipped].sort()]);
		// Without the mirror the two hashes are far apart: the mirror is what finds it.
		const plain = report.analyses.filter((a) => a.entry.path === original || a.entry.path === flipped).map((a) => BigInt(`0x${a.hash}`));
		const bits = (plain[0] ^ plain[1]).toString(2).replace(/0/g, '').length;
		assert.ok(bits > imageCheckOptions().thresholds.sameShootDistance, `plain hash distance ${bits}`);
		for (const other of others) {
			assert.ok(!report.problems.some((p) => p.file === other && (p.code === 'near-duplicate')), other);
		}
	});
});
