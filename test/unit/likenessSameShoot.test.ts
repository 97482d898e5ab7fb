import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { checkImages, CheckReport } from '../../src/core/images/checkImages';
import { createFaceDetector, FaceDetector } from '../../src/core/images/faceDetector';
import { imageCheckOptions } from '../../src/core/images/options';
import { problemMeasure } from '../../src/core/images/problemText';
import { FaceSource, PictureFaces } from '../../src/core/likeness/faces';
import { DEFAULT_LIKENESS_THRESHOLDS } from '../../src/core/likeness/identity';
import { regroupWithScenes, sameScene } from '../../src/core/likeness/sameShoot';
import { sceneDistance } from '../../src/core/likeness/scene';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const people = (name: string) => sharedFixture('photos', 'people', name);
const SAME_PERSON = DEFAULT_LIKENESS_THRESHOLDS.unsure;

/** The same shoot framed again: a 70% crop moved off-centre, 5% brighter (the perceptual hash sees another picture). */
async function reframe(from: string, to: string): Promise<void> {
	const { info } = await sharp(from).rotate().raw().toBuffer({ resolveWithObject: true });
	await sharp(from).rotate().extract({ left: Math.round(info.width * 0.2), top: Math.round(info.height * 0.05), width: Math.round(info.width * 0.7), height: Math.round(info.height * 0.7) })
		.modulate({ brightness: 1.05 }).jpeg({ quality: 92 }).toFile(to);
}

/** The detector and the identity model are real; the pictures are the shared portraits and reframed copies of them. */
describe('same-shoot groups by person, background and light (real models)', () => {
	let detector: FaceDetector;
	let work: string;
	let source: FaceSource;
	const pictures = new Map<string, PictureFaces>();
	const file = (name: string) => join(work, name);
	const names = ['obama.jpg', 'obama-reframed.jpg', 'obama3.jpg', 'biden.jpg', 'biden-reframed.jpg', 'obama2.jpg'];

	before(async () => {
		detector = await createFaceDetector(MODEL);
		work = await fs.mkdtemp(join(tmpdir(), 'lw-sameshoot-'));
		source = new FaceSource({ cacheDir: join(work, 'cache'), detector });
		for (const name of ['obama.jpg', 'obama3.jpg', 'biden.jpg', 'obama2.jpg']) {
			await fs.copyFile(people(name), file(name));
		}
		await reframe(people('obama.jpg'), file('obama-reframed.jpg'));
		await reframe(people('biden.jpg'), file('biden-reframed.jpg'));
		for (const name of names) {
			pictures.set(name, await source.read(file(name)));
		}
	});
	after(async () => {
		await detector.release();
		await fs.rm(work, { recursive: true, force: true });
	});

	it('a reframed picture is the same scene; another shoot of the same person and the same shoot of someone else are not', () => {
		const p = (name: string) => pictures.get(name)!;
		assert.ok(p('obama.jpg').scene && p('obama-reframed.jpg').scene, 'a picture with a face has a scene signature');
		const reframed = sceneDistance(p('obama.jpg').scene!, p('obama-reframed.jpg').scene!)!;
		const otherShoot = sceneDistance(p('obama.jpg').scene!, p('obama3.jpg').scene!)!;
		assert.ok(reframed.background < otherShoot.background && reframed.lighting < otherShoot.lighting, `${JSON.stringify(reframed)} vs ${JSON.stringify(otherShoot)}`);
		assert.ok(sameScene(p('obama.jpg'), p('obama-reframed.jpg'), SAME_PERSON));
		assert.ok(sameScene(p('biden.jpg'), p('biden-reframed.jpg'), SAME_PERSON));
		assert.ok(!sameScene(p('obama.jpg'), p('obama3.jpg'), SAME_PERSON), 'another shoot of the same person');
		assert.ok(!sameScene(p('obama.jpg'), p('obama2.jpg'), SAME_PERSON), 'another shoot of the same person');
		assert.ok(!sameScene(p('obama.jpg'), p('biden.jpg'), SAME_PERSON), 'someone else');
		assert.ok(!sameScene(p('obama-reframed.jpg'), p('biden-reframed.jpg'), SAME_PERSON), 'someone else');
		// Without likeness data (a picture not read for faces) nothing is claimed.
		assert.ok(!sameScene(p('obama.jpg'), undefined, SAME_PERSON));
		assert.ok(!sameScene(p('obama.jpg'), { ...p('obama-reframed.jpg'), scene: undefined }, SAME_PERSON));
	});

	it('Check Images alone misses the reframed pictures (hash far apart); with the likeness data they are same-shoot pairs', async () => {
		const options = imageCheckOptions({ disabled: new Set(['wrong-size', 'low-resolution']) });
		const report: CheckReport = await checkImages(names.map((n) => ({ path: file(n), role: 'unknown' as const })), options);
		assert.deepEqual(report.groups.filter((g) => g.kind === 'same-shoot' || g.kind === 'near-duplicate'), [], 'the hash puts none of them together');
		const t = options.thresholds;
		const { groups, problems } = regroupWithScenes(report, [...pictures.values()], t.nearDuplicateDistance, t.sameShootDistance, SAME_PERSON, options.disabled);
		assert.deepEqual(groups.map((g) => [g.kind, g.files.map((f) => f.slice(work.length + 1))]), [
			['same-shoot', ['biden-reframed.jpg', 'biden.jpg']],
			['same-shoot', ['obama-reframed.jpg', 'obama.jpg']],
		]);
		assert.ok(groups.every((g) => g.pairs.every((pair) => pair.scene === true && pair.distance > t.sameShootDistance)));
		const shoot = problems.filter((p) => p.code === 'same-shoot');
		assert.deepEqual(shoot.map((p) => p.file.slice(work.length + 1)).sort(), ['biden-reframed.jpg', 'biden.jpg', 'obama-reframed.jpg', 'obama.jpg']);
		const onObama = shoot.find((p) => p.file === file('obama.jpg'))!;
		assert.equal(onObama.message.split(':')[0], 'Looks like the same shoot as obama-reframed.jpg (the same person before the same background in the same light)');
		assert.equal(problemMeasure(onObama), 'same person, background, light');
		// The rest of the report's problems are kept; same-shoot turned off stays off.
		assert.equal(problems.length - shoot.length, report.problems.length);
		assert.deepEqual(regroupWithScenes(report, [...pictures.values()], t.nearDuplicateDistance, t.sameShootDistance, SAME_PERSON, new Set(['same-shoot'])).groups, []);
	});
});
