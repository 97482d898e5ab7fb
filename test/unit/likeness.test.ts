import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { createFaceDetector, FaceDetector } from '../../src/core/images/faceDetector';
import { FaceSource, PictureFaces } from '../../src/core/likeness/faces';
import { distance, identityReport, userReference } from '../../src/core/likeness/identity';
import { groupSamples, hamming, recommend, EpochStats } from '../../src/core/likeness/epochs';
import { folderLikeness, LikenessInputError, likenessSettingsFromYaml } from '../../src/core/likeness/likeness';
import { headPose, tiltBin, yawBin } from '../../src/core/likeness/pose';
import { mergeLikenessProblems } from '../../src/core/likeness/imageProblems';
import { poseSpread } from '../../src/core/likeness/poseSpread';
import { problemMeasure } from '../../src/core/images/problemText';
import type { ImageProblem } from '../../src/core/images/types';
import type { IdentityReport } from '../../src/core/likeness/identity';
import { sharedFixture } from '../support/paths';
import { scanTrainingFolder } from '../../src/core/dataset';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const people = (name: string) => sharedFixture('photos', 'people', name);
const STAMP = '20260216121314';

/** The identity model and the detector are real; only the pictures are arranged. */
describe('likeness: identity embeddings on the fixture photos (real model)', () => {
	let detector: FaceDetector;
	let work: string;
	let source: FaceSource;
	const read = new Map<string, PictureFaces>();
	const faces = async (name: string): Promise<PictureFaces> => {
		if (!read.has(name)) {
			read.set(name, await source.read(people(name)));
		}
		return read.get(name)!;
	};

	before(async () => {
		detector = await createFaceDetector(MODEL);
		work = await fs.mkdtemp(join(tmpdir(), 'lw-likeness-'));
		source = new FaceSource({ cacheDir: join(work, 'cache'), detector });
	});
	after(async () => {
		await detector.release();
		await fs.rm(work, { recursive: true, force: true });
	});

	it('puts one person\'s photos close together and another person far away', async () => {
		const obama = await Promise.all(['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg'].map(faces));
		const biden = await Promise.all(['biden.jpg', 'biden2.jpg'].map(faces));
		const emb = (p: PictureFaces) => p.faces[0].embedding!;
		for (const p of [...obama, ...biden]) {
			assert.equal(p.faces.length, 1, basename(p.file));
			assert.equal(p.faces[0].embedding?.length, 128);
		}
		for (let i = 0; i < obama.length; i++) {
			for (let j = i + 1; j < obama.length; j++) {
				assert.ok(distance(emb(obama[i]), emb(obama[j])) < 0.5, `${basename(obama[i].file)} vs ${basename(obama[j].file)}`);
			}
			for (const b of biden) {
				assert.ok(distance(emb(obama[i]), emb(b)) > 0.65, `${basename(obama[i].file)} vs ${basename(b.file)}`);
			}
		}
		assert.ok(distance(emb(biden[0]), emb(biden[1])) < 0.5);
	});

	it('finds the stray picture with the dataset as its own reference, and Solvay\'s faces each get a distance', async () => {
		const pictures = await Promise.all(['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'solvay1927.jpg'].map(faces));
		const report = identityReport(pictures);
		assert.equal(report.reference?.source, 'dataset');
		const verdict = (name: string) => report.pictures.find((p) => basename(p.file) === name)!;
		for (const name of ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg']) {
			assert.equal(verdict(name).verdict, 'same', `${name}: ${verdict(name).distance}`);
		}
		assert.equal(verdict('biden.jpg').verdict, 'wrong');
		const wrong = report.problems.filter((p) => p.code === 'wrong-person').map((p) => basename(p.file));
		assert.ok(wrong.includes('biden.jpg'));
		assert.ok(!wrong.some((n) => n.startsWith('obama')));
		const solvay = report.problems.find((p) => p.code === 'other-people' && basename(p.file) === 'solvay1927.jpg');
		assert.ok(solvay, 'the group photo is other-people');
		const solvayFaces = solvay.details.faces as { distance?: number; person: boolean }[];
		assert.ok(solvayFaces.length > 10, `${solvayFaces.length} faces`);
		assert.equal(solvayFaces.filter((f) => f.person).length, 1, 'one face is marked as the nearest');
		assert.ok(solvayFaces.filter((f) => f.distance !== undefined).length > 10, 'most faces are measured');
		assert.match(solvay.message, /solvay1927\.jpg shows \d+ faces \(distances: /);
	});

	it('takes the user\'s reference pictures over the dataset, and names a reference without a face', async () => {
		const pictures = await Promise.all(['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'biden.jpg'].map(faces));
		const dog = await source.read(sharedFixture('photos', 'other', 'dog.jpg'));
		const user = userReference([await faces('biden2.jpg'), dog, await faces('two_people.jpg')]);
		assert.equal(user.reference?.faces, 1);
		assert.equal(user.notes.length, 2);
		assert.match(user.notes[0], /dog\.jpg has no face/);
		assert.match(user.notes[1], /two_people\.jpg shows 2 faces/);
		const report = identityReport(pictures, { reference: user.reference });
		const verdict = (name: string) => report.pictures.find((p) => basename(p.file) === name)!.verdict;
		assert.equal(verdict('biden.jpg'), 'same');
		assert.equal(verdict('obama.jpg'), 'wrong');
	});

	it('reads a picture\'s faces from the cache the second time, and again from the model when the content changes', async () => {
		const copy = join(work, 'copy.jpg');
		await fs.copyFile(people('obama2.jpg'), copy);
		const fresh = new FaceSource({ cacheDir: join(work, 'cache2'), detector });
		const first = await fresh.read(copy);
		assert.equal(first.cached, false);
		const second = await new FaceSource({ cacheDir: join(work, 'cache2'), detector }).read(copy);
		assert.equal(second.cached, true);
		assert.deepEqual(second.faces, first.faces);
		await sharp(people('obama2.jpg')).flop().jpeg().toFile(copy + '.tmp.jpg');
		await fs.rename(copy + '.tmp.jpg', copy);
		const changed = await new FaceSource({ cacheDir: join(work, 'cache2'), detector }).read(copy);
		assert.equal(changed.cached, false);
		assert.notEqual(changed.hash, first.hash);
		// A mirrored copy is still the same person (a mirrored duplicate is no new identity).
		assert.ok(distance(changed.faces[0].embedding!, first.faces[0].embedding!) < 0.4);
	});

	it('measures head pose from the landmarks: a mirrored face turns the other way, a rotated one rolls', async () => {
		const original = (await faces('obama1.jpg')).faces[0].pose;
		const mirrorPath = join(work, 'mirror.jpg');
		await sharp(people('obama1.jpg')).flop().jpeg().toFile(mirrorPath);
		const mirrored = (await source.read(mirrorPath)).faces[0].pose;
		assert.ok(Math.abs(original.yaw) > 12, `obama1 is turned (yaw ${original.yaw})`);
		assert.equal(Math.sign(mirrored.yaw), -Math.sign(original.yaw));
		assert.ok(Math.abs(Math.abs(mirrored.yaw) - Math.abs(original.yaw)) < 6, `${original.yaw} vs ${mirrored.yaw}`);
		const rotatedPath = join(work, 'rotated.jpg');
		await sharp(people('obama.jpg')).rotate(20, { background: '#808080' }).jpeg().toFile(rotatedPath);
		const upright = (await faces('obama.jpg')).faces[0].pose;
		const rotated = (await source.read(rotatedPath)).faces[0].pose;
		assert.ok(Math.abs(rotated.roll - upright.roll - 20) < 5, `roll ${upright.roll} -> ${rotated.roll}`);
		assert.equal(yawBin(upright.yaw), 'front');
		// Synthetic landmarks: the nose low between eyes and mouth is a face looking down (seen from above).
		const down = headPose([{ x: 40, y: 40 }, { x: 80, y: 40 }, { x: 60, y: 78 }, { x: 45, y: 85 }, { x: 75, y: 85 }]);
		const up = headPose([{ x: 40, y: 40 }, { x: 80, y: 40 }, { x: 60, y: 50 }, { x: 45, y: 85 }, { x: 75, y: 85 }]);
		assert.equal(tiltBin(down.pitch), 'from above');
		assert.equal(tiltBin(up.pitch), 'from below');
	});

	it('names a greyscale picture and a picture without a face', async () => {
		const gray = join(work, 'gray.jpg');
		await sharp(people('obama3.jpg')).greyscale().jpeg().toFile(gray);
		const pictures = [...await Promise.all(['obama.jpg', 'obama1.jpg', 'obama2.jpg'].map(faces)), await source.read(gray), await source.read(sharedFixture('photos', 'other', 'kite.jpg'))];
		const report = identityReport(pictures);
		const greyNote = report.problems.find((p) => p.code === 'grayscale');
		assert.match(greyNote?.message ?? '', /gray\.jpg is black and white/);
		assert.equal(report.pictures.find((p) => p.file === gray)?.verdict, 'same', 'the greyscale copy is still the person');
		assert.match(report.problems.find((p) => p.code === 'no-face')?.message ?? '', /No face was found in kite\.jpg/);
	});
});

describe('likeness: epochs from sample images (real model)', () => {
	let root: string;
	const cacheDir = () => join(root, '..', 'cache');
	before(async () => {
		const parent = await fs.mkdtemp(join(tmpdir(), 'lw-epochs-'));
		root = join(parent, 'person');
		const subset = join(root, 'images', '10_ohwx man');
		await fs.mkdir(subset, { recursive: true });
		for (const name of ['obama.jpg', 'obama1.jpg', 'obama3.jpg', 'biden.jpg']) {
			await sharp(people(name)).rotate().resize(768, 768, { fit: 'inside' }).jpeg().toFile(join(subset, name));
		}
		const sample = join(root, 'model', 'sample');
		await fs.mkdir(sample, { recursive: true });
		const write = async (epoch: number, index: number, from: string) => sharp(from).rotate().resize(512, 512, { fit: 'inside' }).png()
			.toFile(join(sample, `ohwx_e${String(epoch).padStart(6, '0')}_${String(index).padStart(2, '0')}_${STAMP}.png`));
		// Epoch 1: not the person yet. Epoch 2: the person, in pictures not in the training set. Epoch 3: a training picture copied.
		await write(1, 0, people('biden2.jpg'));
		await write(1, 1, sharedFixture('photos', 'other', 'dog.jpg'));
		await write(2, 0, people('obama2.jpg'));
		await write(2, 1, people('obama2.jpg'));
		await write(3, 0, join(subset, 'obama1.jpg'));
		await write(3, 1, people('obama2.jpg'));
	});
	after(async () => {
		await fs.rm(join(root, '..'), { recursive: true, force: true });
	});

	it('scores every epoch, finds the copy, and recommends the alike epoch before copying starts', async () => {
		const result = await folderLikeness(root, { cacheDir: cacheDir(), faceModelPath: MODEL }, true);
		const epochs = result.epochs!;
		assert.deepEqual(epochs.epochs.map((e) => e.label), ['epoch 1', 'epoch 2', 'epoch 3']);
		const [e1, e2, e3] = epochs.epochs;
		assert.equal(e1.noFace, 0.5, 'the dog sample has no face');
		assert.ok(e1.spread!.median > 0.6, `epoch 1 is someone else (${e1.spread!.median})`);
		assert.ok(e2.spread!.median < 0.5, `epoch 2 is the person (${e2.spread!.median})`);
		assert.equal(e2.copying, 0);
		assert.equal(e3.copying, 0.5);
		assert.equal(basename(e3.samples.find((s) => s.copies)!.copies!), 'obama1.jpg');
		assert.equal(epochs.recommendation?.key, 'e2');
		assert.match(epochs.recommendation!.reason, /^Epoch 2: median face distance 0\.\d\d .* before copying starts at epoch 3\.$/);
		assert.equal(result.identity.problems.filter((p) => p.code === 'wrong-person').map((p) => basename(p.file)).join(), 'biden.jpg');
		// The second run reads every picture from the cache.
		const again = await folderLikeness(root, { cacheDir: cacheDir(), faceModelPath: MODEL }, true);
		assert.equal(again.cached, again.read);
		assert.deepEqual(again.epochs, epochs);
		// Another run's output name: its samples are not this run's epochs.
		await assert.rejects(folderLikeness(root, { cacheDir: cacheDir(), faceModelPath: MODEL }, true, 'otherlora'), /There are no sample images in .*sample/);
		assert.equal((await folderLikeness(root, { cacheDir: cacheDir(), faceModelPath: MODEL }, true, 'ohwx')).epochs?.epochs.length, 3);
	});

	it('uses an already scanned folder as given, with no scan of its own (the extension passes its service\'s)', async () => {
		const scanned = await scanTrainingFolder(root, { readCaptions: false });
		const subset = scanned.subsets[0];
		// What the service's scan says, not what a fresh scan would find: three of the four pictures.
		const given = { ...scanned, subsets: [{ ...subset, images: subset.images.filter((image) => image.name !== 'biden.jpg') }] };
		const result = await folderLikeness(given, { cacheDir: cacheDir(), faceModelPath: MODEL });
		assert.equal(result.identity.problems.filter((p) => p.code === 'wrong-person').length, 0, 'biden.jpg is not in the given folder');
		assert.equal(result.read, 3);
	});

	it('names a sample folder whose files carry no epoch number', async () => {
		const plain = join(root, 'generated');
		await fs.mkdir(plain, { recursive: true });
		await sharp(people('obama2.jpg')).resize(256).png().toFile(join(plain, 'portrait.png'));
		await assert.rejects(folderLikeness(root, { cacheDir: cacheDir(), faceModelPath: MODEL }, plain), (err: Error) => {
			assert.ok(err instanceof LikenessInputError);
			assert.match(err.message, /No file in .*generated has an epoch number in its name \(e\.g\. .*portrait\.png\)/);
			return true;
		});
	});
});

describe('likeness: pure parts', () => {
	it('groups sample names by epoch and step and lists the rest', () => {
		const { groups, unmatched } = groupSamples(['/s/x_e000002_00_20260216121314.png', '/s/x_e000002_01_20260216121314_42.png', '/s/x_000500_00_20260216121314.png', '/s/cat.png']);
		assert.deepEqual([...groups.keys()], ['e2', 's500']);
		assert.equal(groups.get('e2')!.files.length, 2);
		assert.deepEqual(unmatched, ['/s/cat.png']);
	});

	it('recommends the best epoch when none copies, and says so', () => {
		const e = (epoch: number, median: number, copying = 0): EpochStats => ({ key: `e${epoch}`, label: `epoch ${epoch}`, epoch, samples: [], spread: { min: median, q1: median, median, q3: median, max: median }, alike: 1, noFace: 0, severalFaces: 0, copying });
		assert.equal(recommend([e(0, 0.9), e(1, 0.7), e(2, 0.45), e(3, 0.44)])?.key, 'e2', 'within 5% of the best, earlier wins');
		assert.match(recommend([e(1, 0.7), e(2, 0.45), e(3, 0.40)])!.reason, /^Epoch 3: .*the best of all epochs\) and no sample of any epoch copies/);
		assert.equal(recommend([e(1, 0.7), e(2, 0.41, 0.5), e(3, 0.40, 0.25)])?.key, 'e3', 'the one copying least when all alike ones copy');
		assert.match(recommend([e(1, 0.8), e(2, 0.7)])!.reason, /^Epoch 2 comes closest, but no epoch looks like the person yet/);
		assert.equal(recommend([]), undefined);
	});

	it('counts differing hash bits', () => {
		assert.equal(hamming('0000000000000000', '000000000000000f'), 4);
		assert.equal(hamming('', 'ab'), 64);
	});

	it('reads likeness.reference and thresholds from lora-workbench.yaml', () => {
		const s = likenessSettingsFromYaml({ likeness: { reference: ['ref/a.jpg', '/abs/b.jpg'], thresholds: { wrong: 0.7, unsure: 'x' } } }, '/data/person');
		assert.deepEqual(s.reference, ['/data/person/ref/a.jpg', '/abs/b.jpg']);
		assert.equal(s.thresholds.wrong, 0.7);
		assert.equal(s.thresholds.unsure, 0.5);
		assert.deepEqual(likenessSettingsFromYaml({ likeness: { reference: 'me.png' } }, '/d').reference, ['/d/me.png']);
	});

	it('merges identity verdicts into the image problems: farthest first, other-people keeps its words and gains distances', () => {
		const checks: ImageProblem[] = [{ file: '/d/two.jpg', code: 'other-people', severity: 'warning', message: '2 faces were found: crop.', details: { faces: [] } }];
		const identity = {
			problems: [
				{ file: '/d/a.jpg', code: 'identity-unsure', severity: 'info', distance: 0.55, message: 'a unsure', details: { distance: 0.55 } },
				{ file: '/d/b.jpg', code: 'wrong-person', severity: 'warning', distance: 0.7, message: 'b wrong', details: { distance: 0.7 } },
				{ file: '/d/c.jpg', code: 'wrong-person', severity: 'warning', distance: 0.9, message: 'c wrong', details: { distance: 0.9 } },
				{ file: '/d/two.jpg', code: 'other-people', severity: 'warning', distance: 0.3, message: 'x', details: { faces: [{ x: 10, y: 20, distance: 0.3, person: true }, { x: 300, y: 20, distance: 0.85, person: false }] } },
				{ file: '/d/n.jpg', code: 'no-face', severity: 'info', message: 'none', details: {} },
			],
		} as unknown as IdentityReport;
		const merged = mergeLikenessProblems(checks, identity);
		assert.deepEqual(merged.map((p) => `${p.code} ${p.file}`), ['other-people /d/two.jpg', 'wrong-person /d/c.jpg', 'wrong-person /d/b.jpg', 'identity-unsure /d/a.jpg']);
		assert.equal(merged[0].message, '2 faces were found: crop. Distance of each face to the person: the person at 10,20: 0.30; a face at 300,20: 0.85.');
		assert.equal(problemMeasure(merged[0]), '2 faces, nearest 0.30');
		assert.equal(problemMeasure(merged[1]), 'distance 0.90');
		assert.deepEqual(mergeLikenessProblems([], identity, new Set(['wrong-person'])).map((p) => p.code), ['identity-unsure'], 'a disabled code stays out');
	});

	it('names the angles no face shows', () => {
		const at = (yaw: number, pitch: number) => ({ file: `/d/${yaw}_${pitch}.jpg`, hash: '', width: 1, height: 1, phash: '', grayscale: false, faces: [{ x: 0, y: 0, width: 50, height: 50, score: 1, landmarks: [], touchesBorder: false, pose: { yaw, pitch, roll: 0 } }] });
		const spread = poseSpread([at(0, 0), at(-30, 0), at(60, -20)]);
		assert.deepEqual(spread.missing, ['no face looking up (from below)']);
		assert.equal(spread.turn['three-quarter left'], 1);
		assert.equal(spread.tilt['from above'], 1);
		assert.deepEqual(poseSpread([]).missing, [], 'no faces: nothing measured, nothing claimed missing');
	});
});

describe('likeness: captions against the measured pose', () => {
	it('flags an angle tag the face does not show, with its place in the caption', async () => {
		const { poseContradictions, removeTag } = await import('../../src/core/likeness/poseCaption');
		const caption = 'ohwx, 1boy, from side, smile\nsecond line, from above';
		const frontal = poseContradictions(caption, { yaw: 3, pitch: 2, roll: 0 });
		assert.deepEqual(frontal.map((c) => [c.tag, caption.slice(c.start, c.end)]), [['from side', 'from side']]);
		assert.match(frontal[0].message, /^"from side" does not match the picture: the face is turned 3°/);
		assert.equal(removeTag(caption, frontal[0].start, frontal[0].end), 'ohwx, 1boy, smile\nsecond line, from above');
		assert.deepEqual(poseContradictions('from_side, ohwx', { yaw: 40, pitch: 0, roll: 0 }), [], 'a turned face is from the side');
		assert.deepEqual(poseContradictions('ohwx, from below', { yaw: 0, pitch: -20, roll: 0 }).map((c) => c.tag), ['from below']);
		assert.equal(removeTag('from below', 0, 10), '');
		assert.equal(removeTag('ohwx, from below', 6, 16), 'ohwx');
	});
});
