import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { checkImages } from '../../src/core/images/checkImages';
import { faceMargin, mainFace, proposeCrop } from '../../src/core/images/cropProposal';
import { decodeForAnalysis } from '../../src/core/images/decode';
import { createFaceDetector, FaceDetector } from '../../src/core/images/faceDetector';
import { imageCheckOptions } from '../../src/core/images/options';
import { FaceBox } from '../../src/core/images/types';
import { PORTRAITS } from '../support/fixtures';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const people = (name: string) => sharedFixture('photos', 'people', name);

async function facesIn(detector: FaceDetector, path: string): Promise<{ faces: FaceBox[]; width: number; height: number }> {
	const decoded = await decodeForAnalysis(path, { maxPixels: 1e8 });
	assert.ok(decoded.ok, path);
	return { faces: await detector.detect(decoded.image, 0.8), width: decoded.info.width, height: decoded.info.height };
}

describe('YuNet face detection on the shared photos', () => {
	let detector: FaceDetector;
	before(async () => {
		detector = await createFaceDetector(MODEL);
	});
	after(() => detector.release());

	for (const name of PORTRAITS) {
		it(`finds exactly one face in ${name}, inside the picture`, async () => {
			const { faces, width } = await facesIn(detector, people(name));
			assert.equal(faces.length, 1, JSON.stringify(faces.map((f) => [f.x, f.y, f.width, f.score])));
			const face = faces[0];
			assert.ok(face.score >= 0.8 && face.score <= 1);
			assert.ok(face.width > width * 0.1, 'a portrait face is not tiny');
			assert.equal(face.landmarks.length, 5);
			// Eyes sit inside the box, in the upper half.
			for (const eye of face.landmarks.slice(0, 2)) {
				assert.ok(eye.x > face.x && eye.x < face.x + face.width && eye.y > face.y && eye.y < face.y + face.height / 2 + face.height * 0.1);
			}
		});
	}
	it('finds two faces in two_people.jpg, side by side', async () => {
		const { faces } = await facesIn(detector, people('two_people.jpg'));
		assert.equal(faces.length, 2);
		const [a, b] = [...faces].sort((p, q) => p.x - q.x);
		assert.ok(a.x + a.width < b.x, 'the boxes do not overlap');
	});
	it('finds many faces in solvay1927.jpg (about 29)', async () => {
		const { faces } = await facesIn(detector, people('solvay1927.jpg'));
		assert.ok(faces.length >= 25 && faces.length <= 32, String(faces.length));
	});
	it('finds no face where the person shows none (darknet_person.jpg)', async () => {
		assert.equal((await facesIn(detector, people('darknet_person.jpg'))).faces.length, 0);
	});
	for (const name of readdirSync(sharedFixture('photos', 'other'))) {
		it(`finds no face in the animal/no-people picture ${name}`, async () => {
			assert.equal((await facesIn(detector, sharedFixture('photos', 'other', name))).faces.length, 0);
		});
	}
	it('reports boxes in source pixels of the EXIF-oriented image', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lora-exif-'));
		try {
			// Stored rotated a quarter turn, with EXIF orientation 6 saying "turn it back".
			const rotated = join(dir, 'rotated.jpg');
			await sharp(people('obama.jpg')).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
			const upright = await facesIn(detector, people('obama.jpg'));
			const fromExif = await facesIn(detector, rotated);
			assert.equal(fromExif.width, upright.width);
			assert.equal(fromExif.faces.length, 1);
			assert.ok(Math.abs(fromExif.faces[0].x - upright.faces[0].x) < 12 && Math.abs(fromExif.faces[0].y - upright.faces[0].y) < 12);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe('face crop proposals on the shared portraits', () => {
	let detector: FaceDetector;
	before(async () => {
		detector = await createFaceDetector(MODEL);
	});
	after(() => detector.release());

	for (const name of PORTRAITS) {
		it(`the 512x512 and 512x768 proposals for ${name} hold the whole face with margin`, async () => {
			const { faces, width, height } = await facesIn(detector, people(name));
			const face = mainFace(faces)!;
			for (const target of [{ width: 512, height: 512 }, { width: 512, height: 768 }]) {
				const { box, basis } = proposeCrop(width, height, target, faces);
				assert.equal(basis, 'face');
				assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height, `inside the image: ${JSON.stringify(box)}`);
				assert.ok(Math.abs(box.width / box.height - target.width / target.height) < 0.01);
				const margin = faceMargin(box, face);
				// Where the image is wide enough the margin is generous; a face filling the frame gets what is there.
				const room = Math.min(face.x, face.y, width - face.x - face.width, height - face.y - face.height);
				assert.ok(margin >= Math.min(0.08 * face.height, room), `${target.height}: margin ${margin} for face ${JSON.stringify(face)}`);
				// Centred on the face horizontally unless the image edge stops it.
				const offCentre = Math.abs(box.x + box.width / 2 - (face.x + face.width / 2));
				assert.ok(offCentre < 2 || box.x === 0 || box.x + box.width === width, `centred: ${offCentre}`);
			}
		});
	}
	it('frames a close-up from above the hair to the neck and a body shot down to the waist, where there is room', () => {
		const face: FaceBox = { x: 1800, y: 1000, width: 300, height: 400, score: 0.9, landmarks: [] };
		const close = proposeCrop(4000, 4000, { width: 512, height: 512 }, [face]).box;
		const body = proposeCrop(4000, 4000, { width: 512, height: 768 }, [face]).box;
		assert.ok(face.y - close.y >= face.height * 0.35, 'room for the hair');
		assert.ok(close.y + close.height - (face.y + face.height) >= face.height * 0.4, 'down to the neck');
		assert.ok(close.height <= face.height * 2.2, 'still a close-up');
		assert.ok(body.y + body.height - (face.y + face.height) >= face.height * 3, 'down to the waist');
		assert.ok(close.height < body.height);
	});
	it('without a face proposes the largest centred box', () => {
		const { box, basis } = proposeCrop(1000, 600, { width: 512, height: 512 }, []);
		assert.equal(basis, 'center');
		assert.deepEqual(box, { x: 200, y: 0, width: 600, height: 600 });
	});
});

describe('face checks', () => {
	it('no-face in a face or body subset, other-people anywhere, none for a single portrait', async () => {
		const entries = [
			{ path: people('darknet_person.jpg'), role: 'face' as const },
			{ path: people('two_people.jpg'), role: 'body' as const },
			{ path: people('obama.jpg'), role: 'unknown' as const },
			{ path: sharedFixture('photos', 'other', 'dog.jpg'), role: 'body' as const },
		];
		const report = await checkImages(entries, imageCheckOptions({ faceModelPath: MODEL, disabled: new Set(['wrong-size', 'low-resolution']) }));
		const codes = (file: string) => report.problems.filter((p) => p.file === file && p.code !== 'same-shoot').map((p) => p.code);
		assert.deepEqual(codes(entries[0].path), ['no-face']);
		assert.deepEqual(codes(entries[1].path), ['other-people']);
		assert.equal((report.problems.find((p) => p.code === 'other-people')!.details.faces as unknown[]).length, 2);
		assert.deepEqual(codes(entries[2].path), []);
		// A body subset checks that the person is there (issue 19.5): the guide's body shots include the face.
		assert.deepEqual(codes(entries[3].path), ['no-face'], 'a dog in a body subset');
		assert.match(report.problems.find((p) => p.file === entries[3].path)!.message, /No face was found in this body shot/);
		assert.equal(report.faceDetectorError, undefined);
	});
	it('other-people also for a second person half in the frame, whose cut face scores under the face score (issue 19.5)', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lora-half-'));
		try {
			// two_people.jpg: the right-hand face spans about x 792-934 of 1126; cut the picture through its middle.
			const half = join(dir, 'half.jpg');
			const meta = await sharp(people('two_people.jpg')).metadata();
			await sharp(people('two_people.jpg')).extract({ left: 0, top: 0, width: Math.round(meta.width! * 863 / 1126), height: meta.height! }).jpeg().toFile(half);
			const singles = ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg', 'unsplash_makhmutova_dina.jpg'].map(people);
			const entries = [half, ...singles].map((path) => ({ path, role: 'body' as const }));
			const report = await checkImages(entries, imageCheckOptions({ faceModelPath: MODEL, disabled: new Set(['wrong-size', 'low-resolution', 'near-duplicate', 'same-shoot']) }));
			const others = report.problems.filter((p) => p.code === 'other-people');
			assert.deepEqual(others.map((p) => p.file), [half], 'only the cut picture; no single portrait gains a stray face');
			assert.match(others[0].message, /^2 faces were found \(1 of them cut by the edge: another person half in the frame\)/);
			const strict = await checkImages([{ path: half, role: 'body' as const }], imageCheckOptions({ faceModelPath: MODEL, thresholds: { edgeFaceScore: 0.8 } }));
			assert.ok(!strict.problems.some((p) => p.code === 'other-people'), 'without the edge score the half face is missed');
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('face-cut-off when the crop slices through the face, face-too-small in a wide face shot', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lora-faces-'));
		try {
			const cut = join(dir, 'cut.jpg');
			// obama.jpg's face spans roughly x 372-609, y 87-422 at 910x1137: keep the top half of the face only.
			await sharp(people('obama.jpg')).extract({ left: 200, top: 0, width: 600, height: 260 }).jpeg().toFile(cut);
			const far = join(dir, 'far.jpg');
			const small = await sharp(people('two_people.jpg')).extract({ left: 0, top: 0, width: 560, height: 661 }).resize({ height: 200 }).toBuffer();
			await sharp(small).extend({ top: 156, bottom: 156, left: 170, right: 512 - 170 - 169, background: '#808080' }).resize(512, 512, { fit: 'fill' }).jpeg().toFile(far);
			const report = await checkImages([{ path: cut, role: 'unknown' }, { path: far, role: 'face' }], imageCheckOptions({ faceModelPath: MODEL, thresholds: { faceScore: 0.6 }, disabled: new Set(['low-resolution', 'wrong-size']) }));
			const cutProblem = report.problems.find((p) => p.file === cut && p.code === 'face-cut-off');
			assert.ok(cutProblem, JSON.stringify(report.problems.map((p) => [p.file, p.code])));
			assert.ok((cutProblem.details.edges as string[]).includes('bottom'));
			assert.ok(report.problems.some((p) => p.file === far && p.code === 'face-too-small'), JSON.stringify(report.problems.map((p) => [p.file, p.code, p.details])));
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
	it('says why the face checks did not run when the model is missing, and still checks the rest', async () => {
		const report = await checkImages([{ path: people('obama.jpg'), role: 'face' }], imageCheckOptions({ faceModelPath: '/nonexistent/yunet.onnx' }));
		assert.match(report.faceDetectorError ?? '', /yunet\.onnx could not be loaded.*faceModelPath/);
		assert.ok(report.problems.some((p) => p.code === 'wrong-size'));
	});
});
