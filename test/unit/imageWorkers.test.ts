import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkImages } from '../../src/core/images/checkImages';
import { decodeForAnalysis } from '../../src/core/images/decode';
import { createFaceDetector } from '../../src/core/images/faceDetector';
import { ImageWorkers } from '../../src/core/images/imageWorkers';
import { imageCheckOptions } from '../../src/core/images/options';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const photos = ['people', 'other'].flatMap((dir) => readdirSync(sharedFixture('photos', dir)).map((name) => sharedFixture('photos', dir, name)));

test('the worker threads check the shared photos exactly as the calling thread does', async () => {
	const entries = photos.map((path, i) => ({ path, role: i % 2 ? 'body' as const : 'face' as const }));
	const options = imageCheckOptions({ concurrency: 2, faceModelPath: MODEL });
	const detector = await createFaceDetector(MODEL);
	try {
		const here = await checkImages(entries, options, { detector });
		const threads = await checkImages(entries, options);
		assert.equal(threads.faceDetectorError, undefined);
		const strip = (report: typeof here) => report.analyses.map(({ timings: _timings, ...rest }) => rest);
		assert.deepEqual(strip(threads), strip(here));
		assert.deepEqual(threads.problems, here.problems);
		assert.deepEqual(threads.groups, here.groups);
	} finally {
		await detector.release();
	}
});

test('the workers\' detector finds the faces the calling thread finds, and leaves the caller its pixels', async () => {
	const workers = await ImageWorkers.start({ threads: 1, faceModelPath: MODEL });
	const detector = await createFaceDetector(MODEL);
	try {
		for (const path of photos.filter((p) => p.includes('people'))) {
			const decoded = await decodeForAnalysis(path, { maxPixels: 1e8 });
			assert.ok(decoded.ok, path);
			const before = Buffer.from(decoded.image.data);
			assert.deepEqual(await workers.detector.detect(decoded.image, 0.6), await detector.detect(decoded.image, 0.6), path);
			assert.ok(before.equals(decoded.image.data), 'the pixels stay with the caller');
		}
	} finally {
		await detector.release();
		await workers.release();
	}
});

test('a face model that cannot load is said, and the other checks still run in the workers', async () => {
	const report = await checkImages([{ path: photos[0], role: 'face' }], imageCheckOptions({ faceModelPath: sharedFixture('photos', 'people', 'obama.jpg') }));
	assert.match(report.faceDetectorError ?? '', /could not be loaded/);
	assert.equal(report.analyses.length, 1);
	assert.equal(report.analyses[0].faces, undefined);
	assert.ok(report.analyses[0].measures);
});

test('starting the workers with a model that cannot load, again and again, rejects each time and never aborts the process', async () => {
	// In a process of its own: a thread stopped while onnxruntime-node was still loading its model aborted the whole
	// process ("terminate called after throwing an instance of 'Napi::Error'"), in most runs of 20 starts.
	const script = [
		`const { ImageWorkers } = require(${JSON.stringify(resolve(__dirname, '../../src/core/images/imageWorkers'))});`,
		'(async () => {',
		'  for (let i = 0; i < 20; i++) {',
		`    await ImageWorkers.start({ threads: 2, faceModelPath: ${JSON.stringify(join(tmpdir(), 'no-such-model.onnx'))} }).then(() => { throw new Error('started'); }, () => undefined);`,
		'  }',
		"  console.log('all rejected');",
		'})();',
	].join('\n');
	const result = spawnSync(process.execPath, ['--import', 'tsx', '--eval', script], { encoding: 'utf8' });
	assert.equal(result.status, 0, `exit ${result.status ?? result.signal}: ${result.stderr.split('\n').filter((line) => !line.includes('npm warn')).join('\n')}`);
	assert.match(result.stdout, /all rejected/);
});
