import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { guideChecks } from '../../src/core/datasetChecks';
import { scanTrainingFolder } from '../../src/core/dataset';
import { trainingFolderEntries } from '../../src/core/images/checkFolder';
import { sizeProblems } from '../../src/core/images/imageChecks';
import { imageCheckOptions } from '../../src/core/images/options';
import type { SourceInfo } from '../../src/core/images/decode';
import { targetSizeForRole } from '../../src/core/images/types';

/** Issue 18.4: image checks and crops use the family's resolution (1024 for SDXL and Flux.1); guide checks say they are SD1.5's. */

const info = (width: number, height: number): SourceInfo => ({ format: 'png', width, height, orientation: 1, space: 'srgb', depth: 'uchar', pages: 1, hasAlpha: false, bytes: 1 });

test('targets scale with the training side: 512x512 / 512x768 for SD1.5, 1024x1024 / 1024x1536 at 1024', () => {
	assert.deepEqual(targetSizeForRole('face'), { width: 512, height: 512 });
	assert.deepEqual(targetSizeForRole('body'), { width: 512, height: 768 });
	assert.deepEqual(targetSizeForRole('face', 1024), { width: 1024, height: 1024 });
	assert.deepEqual(targetSizeForRole('body', 1024), { width: 1024, height: 1536 });
	assert.deepEqual(targetSizeForRole('costume', 1024), { width: 1024, height: 1536 });
	assert.equal(targetSizeForRole('reg', 1024), undefined);
});

test('a 512x512 face is fine for SD1.5 but too small at 1024; a 1024x1024 face is the SDXL target', () => {
	const sd15 = imageCheckOptions();
	const xl = imageCheckOptions({ trainingSide: 1024, bucketsEnabled: true });
	const face = { path: '/f/images/10_x woman/a.png', role: 'face' as const };
	assert.deepEqual(sizeProblems(face, info(512, 512), sd15), []);
	const small = sizeProblems(face, info(512, 512), xl);
	assert.deepEqual(small.map((p) => [p.code, p.severity]), [['low-resolution', 'warning']]);
	assert.match(small[0].message, /smaller than the face target 1024x1024/);
	assert.deepEqual(sizeProblems(face, info(1024, 1024), xl), []);
	assert.deepEqual(sizeProblems(face, info(1024, 1024), sd15).map((p) => p.code), ['wrong-size']);
	const body = sizeProblems({ ...face, role: 'body' }, info(1024, 1400), xl);
	assert.deepEqual(body.map((p) => [p.code, p.severity, p.details.target]), [['low-resolution', 'warning', '1024x1536']]);
});

test('a folder with model: sdxl or flux1 is checked at 1024 with buckets on; its guide checks say they are SD1.5\'s', async () => {
	for (const model of ['sd15', 'sdxl', 'flux1'] as const) {
		const root = mkdtempSync(join(tmpdir(), `family-size-${model}-`));
		const subset = join(root, 'images', '24_x woman');
		mkdirSync(subset, { recursive: true });
		await sharp({ create: { width: 1024, height: 1024, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(subset, 'a.png'));
		writeFileSync(join(root, 'lora-workbench.yaml'), `trigger: x\nclass: woman\nsubsets:\n  "images/24_x woman":\n    role: face\n${model === 'sd15' ? '' : `training:\n  model: ${model}\n`}`);
		const entries = await trainingFolderEntries(root);
		assert.equal(entries.trainingSide, model === 'sd15' ? 512 : 1024, model);
		assert.equal(entries.bucketsEnabled, model !== 'sd15', model);
		const folder = await scanTrainingFolder(root);
		const faces = guideChecks(folder).find((c) => c.code === 'face-images');
		const steps = guideChecks(folder).find((c) => c.code === 'total-steps');
		if (model === 'sd15') {
			assert.equal(faces?.message, 'Face images 1 (guide: 25-30)');
		} else {
			assert.equal(faces?.message, `Face images 1 (SD1.5 guide, not tuned for ${model === 'sdxl' ? 'SDXL' : 'Flux.1'}: 25-30)`);
			assert.match(steps?.message ?? '', /\(SD1\.5 guide, not tuned for (SDXL|Flux\.1): about 1500 or fewer\)/);
		}
	}
});
