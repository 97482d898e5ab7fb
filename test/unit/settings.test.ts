import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySettingsEdits, loadSettings, newSettingsText, parseSettings, renameSettingsKey, updateSettingsFile } from '../../src/core/settings';

describe('lora-workbench.yaml settings', () => {
	it('a missing file gives the guide defaults', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lw-settings-'));
		try {
			const { settings, fileExists } = await loadSettings(dir);
			assert.equal(fileExists, false);
			assert.deepEqual({ ...settings.training, extra: undefined }, {
				model: 'sd15', batchSize: 1, epochs: 10, gradientAccumulationSteps: 1, gpus: 1, enableBucket: false, resolution: [512, 512],
				minBucketReso: 256, maxBucketReso: 1024, bucketResoSteps: 64, bucketNoUpscale: false, captionExtension: '.txt', extra: undefined, randomCrop: false, cacheLatents: true,
			});
			assert.deepEqual(settings.checks, { maxTotalSteps: 1500, faceBodyRatio: [1.5, 2], faceImages: [25, 30], bodyImages: [15, 20] });
			assert.equal(settings.trigger, undefined);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('the file written for a new folder parses back to what was asked', () => {
		const text = newSettingsText({ trigger: '3mm4w4ts0n', classWord: 'woman', subsets: { 'images/24_3mm4w4ts0n woman': 'face', 'images/16_3mm4w4ts0n woman': 'body' } });
		const settings = parseSettings(text);
		assert.deepEqual(settings.problems, []);
		assert.equal(settings.trigger, '3mm4w4ts0n');
		assert.equal(settings.classWord, 'woman');
		assert.deepEqual(settings.subsets, { 'images/24_3mm4w4ts0n woman': { role: 'face' }, 'images/16_3mm4w4ts0n woman': { role: 'body' } });
		assert.equal(settings.training.epochs, 10);
	});

	it('model: sdxl or flux1 gives that family\'s preset to the dataset side too (1024, buckets on)', () => {
		for (const model of ['sdxl', 'flux1']) {
			const settings = parseSettings(`training:\n  model: ${model}\n`);
			assert.deepEqual(settings.problems, [], model);
			assert.equal(settings.training.model, model);
			assert.deepEqual(settings.training.resolution, [1024, 1024], model);
			assert.equal(settings.training.enableBucket, true, model);
			assert.equal(settings.trainer.settings.model, model);
		}
		// What the file sets wins over the family's preset; an unknown family is a problem and reads as sd15.
		assert.deepEqual(parseSettings('training:\n  model: sdxl\n  resolution: 896\n').training.resolution, [896, 896]);
		const bad = parseSettings('training:\n  model: sd3\n');
		assert.equal(bad.training.model, 'sd15');
		assert.match(bad.problems.join('\n'), /training\.model must be one of sd15, sdxl, flux1/);
	});

	it('a new folder for SDXL or Flux.1 writes model: and that preset\'s values; Flux.1 names its four model files', () => {
		const sdxl = newSettingsText({ trigger: 't', classWord: 'woman', subsets: {}, model: 'sdxl' });
		assert.match(sdxl, /^ {2}model: sdxl$/m);
		assert.match(sdxl, /^ {2}resolution: 1024$/m);
		assert.match(sdxl, /^ {2}enableBucket: true$/m);
		assert.equal(parseSettings(sdxl).trainer.settings.model, 'sdxl');
		assert.deepEqual(parseSettings(sdxl).problems, []);
		const flux = newSettingsText({ trigger: 't', classWord: 'woman', subsets: {}, model: 'flux1' });
		for (const key of ['baseModel', 'clipL', 't5xxl', 'ae']) {
			assert.match(flux, new RegExp(`^ {2}${key}: ""$`, 'm'), key);
		}
		assert.equal(parseSettings(flux).trainer.settings.networkModule, 'networks.lora_flux');
		assert.doesNotMatch(newSettingsText({ trigger: 't', classWord: 'woman', subsets: {} }), /model:/);
	});

	it('resolution accepts 512, "512,768" and [512, 768]', () => {
		assert.deepEqual(parseSettings('training:\n  resolution: 640\n').training.resolution, [640, 640]);
		assert.deepEqual(parseSettings('training:\n  resolution: "512,768"\n').training.resolution, [512, 768]);
		assert.deepEqual(parseSettings('training:\n  resolution: [512, 768]\n').training.resolution, [512, 768]);
	});

	it('bad values become problems naming the key, and defaults are used', () => {
		const settings = parseSettings('training:\n  batchSize: two\n  epochs: 0\n  enableBucket: yes please\nsubsets:\n  images/1_x:\n    role: hero\n');
		assert.equal(settings.training.batchSize, 1);
		assert.equal(settings.training.epochs, 10);
		assert.equal(settings.problems.length, 4);
		assert.match(settings.problems[0], /training\.batchSize/);
		assert.match(settings.problems[3], /subsets."images\/1_x".role/);
	});

	it('invalid YAML is a problem with the line, never a throw', () => {
		const settings = parseSettings('trigger: [unclosed\nclass: woman\n');
		assert.equal(settings.problems.length, 1);
		assert.match(settings.problems[0], /not valid YAML/);
	});

	it('unknown training keys are kept in extra; other sections stay readable in raw', () => {
		const settings = parseSettings('training:\n  networkDim: 32\nlint:\n  rules:\n    duplicate-tag: off\n');
		assert.deepEqual(settings.training.extra, { networkDim: 32 });
		assert.deepEqual(settings.raw.lint, { rules: { 'duplicate-tag': 'off' } });
	});

	it('edits keep comments and key order', () => {
		const text = '# my notes\ntrigger: abc # the word\n\ntraining:\n  # fast\n  epochs: 10\n  batchSize: 1\n';
		const next = applySettingsEdits(text, [{ path: ['training', 'epochs'], value: 6 }, { path: ['subsets', 'images/24_abc woman', 'role'], value: 'face' }]);
		assert.equal(next, '# my notes\ntrigger: abc # the word\n\ntraining:\n  # fast\n  epochs: 6\n  batchSize: 1\nsubsets:\n  images/24_abc woman:\n    role: face\n');
		assert.equal(applySettingsEdits(next, [{ path: ['subsets'], value: undefined }]), '# my notes\ntrigger: abc # the word\n\ntraining:\n  # fast\n  epochs: 6\n  batchSize: 1\n');
	});

	it('updateSettingsFile creates the file when missing and rewrites it atomically', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lw-settings-'));
		try {
			await updateSettingsFile(dir, [{ path: ['training', 'batchSize'], value: 2 }]);
			const first = await readFile(join(dir, 'lora-workbench.yaml'), 'utf8');
			assert.match(first, /^# LoRA Workbench settings/);
			assert.equal((await loadSettings(dir)).settings.training.batchSize, 2);
			await writeFile(join(dir, 'lora-workbench.yaml'), `${first}# kept\n`);
			await updateSettingsFile(dir, [{ path: ['trigger'], value: 'zed' }]);
			const second = await readFile(join(dir, 'lora-workbench.yaml'), 'utf8');
			assert.match(second, /# kept/);
			assert.match(second, /trigger: zed/);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe('renameSettingsKey', () => {
	it('renames a subset entry in place and keeps its comments', () => {
		const text = 'subsets:\n  # faces\n  images/24_a woman:\n    role: face # set by hand\n  images/16_a woman:\n    role: body\n';
		assert.equal(renameSettingsKey(text, ['subsets'], 'images/24_a woman', 'images/20_a woman'),
			'subsets:\n  # faces\n  images/20_a woman:\n    role: face # set by hand\n  images/16_a woman:\n    role: body\n');
		assert.equal(renameSettingsKey(text, ['subsets'], 'images/1_missing', 'x'), text);
	});
});
