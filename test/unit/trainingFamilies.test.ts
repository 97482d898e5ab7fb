import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parse as parseYaml } from 'yaml';

import { repoRoot, sharedDir } from '../support/paths';
import { FLUX_EXTRA_OPTIONS, SDXL_EXTRA_OPTIONS, SD_SCRIPTS_OPTIONS, optionsFor } from '../../src/core/training/sdScriptsOptions';
import { buildRunFiles, RunInput } from '../../src/core/training/runFiles';
import { checkTrainingConfig } from '../../src/core/training/optionCheck';
import { FAMILY_PRESETS, presetFor } from '../../src/core/training/settingsTable';
import { readTrainingSection, trainingSectionDiff } from '../../src/core/training/trainingFields';
import { sdScriptsBackend } from '../../src/core/training/sdScriptsBackend';
import { MODEL_FAMILIES, ModelFamily, TrainerSettings } from '../../src/core/training/trainingSettings';
import { importKohyaIntoFolder } from '../../src/core/training/kohyaFolder';
import { applySettingsEdits } from '../../src/core/settings';
import { scanTrainingFolder } from '../../src/core/dataset';

/**
 * SDXL and Flux.1 (issue 18): each family's run files use only the options its script accepts, taken from the
 * scripts' argparse at the pinned sd-scripts commit (test/fixtures/sd-scripts-options/, train_network.py's from
 * ../shared), and its preset holds what sd-scripts' documentation gives for that script.
 */

const list = (path: string): string[] => readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const OPTION_LISTS: Record<ModelFamily, string[]> = {
	sd15: list(join(sharedDir(), 'reference', 'sd-scripts-options.txt')),
	sdxl: list(join(repoRoot(), 'test', 'fixtures', 'sd-scripts-options', 'sdxl_train_network.txt')),
	flux1: list(join(repoRoot(), 'test', 'fixtures', 'sd-scripts-options', 'flux_train_network.txt')),
};

/** Flux.1's four model files, as a user has them on disk. */
const FLUX_FILES: Partial<TrainerSettings> = {
	baseModel: '/models/flux1-dev.safetensors', clipL: '/models/clip_l.safetensors', t5xxl: '/models/t5xxl_fp16.safetensors', ae: '/models/ae.safetensors',
};

function input(settings: TrainerSettings): RunInput {
	return {
		root: '/data/lora', trigger: '3mm4w4ts0n', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/data/lora/model/runs/x',
		subsets: [{ dir: '/data/lora/images/24_3mm4w4ts0n woman', repeats: 24, classTokens: '3mm4w4ts0n woman', isReg: false }],
	};
}

function flat(document: Record<string, unknown>): Record<string, unknown> {
	return Object.assign({}, ...Object.values(document).filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)));
}

function settingsOf(family: ModelFamily, more: Partial<TrainerSettings> = {}): TrainerSettings {
	return { ...presetFor(family), ...(family === 'flux1' ? FLUX_FILES : {}), ...more };
}

test('the SDXL and Flux.1 option tables are exactly their scripts\' argparse lists (pinned commit), train_network.py\'s plus their own', () => {
	assert.equal(OPTION_LISTS.sdxl.length, 196);
	assert.equal(OPTION_LISTS.flux1.length, 215);
	for (const family of MODEL_FAMILIES) {
		assert.deepEqual(Object.keys(optionsFor(family)).sort(), [...OPTION_LISTS[family]].sort(), family);
	}
	// Each list is train_network.py's and more: the SDXL and Flux.1 trainers build on its parser.
	for (const key of Object.keys(SD_SCRIPTS_OPTIONS)) {
		assert.ok(OPTION_LISTS.sdxl.includes(key) && OPTION_LISTS.flux1.includes(key), key);
	}
	assert.deepEqual(Object.keys(SDXL_EXTRA_OPTIONS).sort(), ['cache_text_encoder_outputs', 'cache_text_encoder_outputs_to_disk', 'disable_mmap_load_safetensors']);
	assert.ok(['clip_l', 't5xxl', 'ae', 'guidance_scale', 'timestep_sampling', 'model_prediction_type', 'discrete_flow_shift', 'blocks_to_swap'].every((k) => k in FLUX_EXTRA_OPTIONS));
});

for (const family of MODEL_FAMILIES) {
	test(`${family}: the preset's run files use only options of ${sdScriptsBackend.script(family)}, with argparse's types`, () => {
		const files = buildRunFiles(input(settingsOf(family)));
		assert.deepEqual(files.errors, []);
		assert.equal(files.script, sdScriptsBackend.script(family));
		const keys = Object.keys(flat(files.trainingConfig));
		assert.ok(keys.length > 20);
		for (const key of keys) {
			assert.ok(OPTION_LISTS[family].includes(key), `${key} is not an option of ${files.script}`);
		}
		assert.deepEqual(checkTrainingConfig(files.trainingConfig, family), []);
	});
}

test('a key of another family\'s script is refused by the check of this family\'s list', () => {
	const flux = buildRunFiles(input(settingsOf('flux1'))).trainingConfig;
	assert.deepEqual(checkTrainingConfig(flux, 'flux1'), []);
	const asSd15 = checkTrainingConfig(flux, 'sd15');
	for (const key of ['clip_l', 't5xxl', 'ae', 'guidance_scale', 'timestep_sampling', 'model_prediction_type', 'discrete_flow_shift', 'cache_text_encoder_outputs']) {
		assert.ok(asSd15.some((e) => e.includes(`${key}: not an option of train_network.py`)), `${key}: ${asSd15.join('; ')}`);
	}
	assert.ok(checkTrainingConfig(flux, 'sdxl').some((e) => e.includes('clip_l: not an option of sdxl_train_network.py')));
	// extra: options are checked against the family's script too.
	const read = readTrainingSection({ model: 'sdxl', extra: { blocks_to_swap: 8, cache_text_encoder_outputs_to_disk: true } });
	assert.deepEqual(read.problems.map((p) => p.message), ['training.extra.blocks_to_swap is not an option of sdxl_train_network.py; it is ignored']);
	assert.deepEqual(read.settings.extra, { cache_text_encoder_outputs_to_disk: true });
});

test('SDXL preset: sd-scripts\' documented command (1024 with buckets, networks.lora, text encoders cached, not trained)', () => {
	const files = buildRunFiles(input(settingsOf('sdxl')));
	const config = flat(files.trainingConfig);
	assert.equal(config.pretrained_model_name_or_path, 'stabilityai/stable-diffusion-xl-base-1.0');
	assert.equal(config.network_module, 'networks.lora');
	assert.equal(config.network_dim, 32n);
	assert.equal(config.network_alpha, 16);
	assert.equal(config.cache_text_encoder_outputs, true);
	assert.equal(config.network_train_unet_only, true);
	assert.equal(config.gradient_checkpointing, true);
	assert.equal(config.cache_latents, true);
	assert.equal(config.clip_skip, undefined);
	const dataset = (files.datasetConfig.datasets as Record<string, unknown>[])[0];
	assert.equal(dataset.resolution, 1024n);
	assert.equal(dataset.enable_bucket, true);
	assert.match(files.promptText ?? '--w 1024', /--w 1024/);
	assert.equal(presetFor('sdxl').sample.width, 1024);
});

test('Flux.1 preset: networks.lora_flux, the four model files, and the values sd-scripts recommends', () => {
	const files = buildRunFiles(input(settingsOf('flux1')));
	const config = flat(files.trainingConfig);
	assert.equal(config.network_module, 'networks.lora_flux');
	assert.equal(config.pretrained_model_name_or_path, FLUX_FILES.baseModel);
	assert.equal(config.clip_l, FLUX_FILES.clipL);
	assert.equal(config.t5xxl, FLUX_FILES.t5xxl);
	assert.equal(config.ae, FLUX_FILES.ae);
	assert.equal(config.guidance_scale, 1);
	assert.equal(config.timestep_sampling, 'shift');
	assert.equal(config.discrete_flow_shift, 3.1582);
	assert.equal(config.model_prediction_type, 'raw');
	assert.equal(config.fp8_base, true);
	assert.equal(config.cache_text_encoder_outputs, true);
	assert.equal(config.gradient_checkpointing, true);
	assert.equal(config.blocks_to_swap, undefined, 'only for small GPUs: the preflight says how many');
	assert.equal(config.network_dim, 16n);
	assert.equal(config.network_alpha, 1);
	for (const sd of ['clip_skip', 'v2', 'max_token_length', 'vae', 'no_half_vae']) {
		assert.ok(!(sd in config), `${sd} is not written for Flux.1`);
	}
	const swap = flat(buildRunFiles(input(settingsOf('flux1', { blocksToSwap: 18 }))).trainingConfig);
	assert.equal(swap.blocks_to_swap, 18n);
});

test('Flux.1 without its model files, or SDXL caching text encoders while training them, is refused before anything runs', () => {
	const bare = buildRunFiles(input(presetFor('flux1')));
	for (const key of ['baseModel', 'clipL', 't5xxl', 'ae']) {
		assert.ok(bare.errors.some((e) => e.startsWith(`training.${key} is empty: flux_train_network.py needs`)), `${key}: ${bare.errors.join('; ')}`);
	}
	const sdxl = buildRunFiles(input(settingsOf('sdxl', { networkTrainUnetOnly: false })));
	assert.ok(sdxl.errors.some((e) => /cacheTextEncoderOutputs needs networkTrainUnetOnly/.test(e)), sdxl.errors.join('; '));
	const shuffle = buildRunFiles(input(settingsOf('flux1', { shuffleCaption: true })));
	assert.ok(shuffle.errors.some((e) => /cacheTextEncoderOutputs cannot be combined with shuffleCaption/.test(e)));
	// SDXL and Flux.1 check bucket steps of 32 (sd15: 64).
	assert.deepEqual(buildRunFiles(input(settingsOf('sdxl', { bucketResoSteps: 96 }))).errors, []);
	assert.ok(buildRunFiles(input(settingsOf('sdxl', { bucketResoSteps: 100 }))).errors.some((e) => /multiple of 32/.test(e)));
	assert.ok(buildRunFiles(input(settingsOf('sd15', { enableBucket: true, bucketResoSteps: 96 }))).errors.some((e) => /multiple of 64/.test(e)));
});

test('the script and the command line follow the family', () => {
	for (const family of MODEL_FAMILIES) {
		const { command } = sdScriptsBackend.build({
			...input(settingsOf(family)), family, sdScriptsDir: '/sd', launcher: { kind: 'executable', path: 'accelerate' },
		});
		assert.ok(command.args.includes(join('/sd', sdScriptsBackend.script(family))), command.args.join(' '));
	}
});

test('a setting of another family is reported, not written; a file keeps only what differs from its family\'s preset', () => {
	const read = readTrainingSection({ model: 'flux1', clipSkip: 2, clipL: '/m/clip_l.safetensors' });
	assert.deepEqual(read.problems.map((p) => p.path), ['training.clipSkip']);
	assert.match(read.problems[0].message, /training\.clipSkip is for SD1\.5 only; training\.model is flux1, so flux_train_network\.py does not get it/);
	const sd15 = readTrainingSection({ t5xxl: '/m/t5.safetensors' });
	assert.match(sd15.problems[0].message, /training\.t5xxl is for Flux\.1 only/);
	// The diff against the family's preset keeps model: and what the user changed, nothing of the preset.
	assert.deepEqual(trainingSectionDiff(read.settings), { model: 'flux1', clipSkip: 2, clipL: '/m/clip_l.safetensors' });
	assert.deepEqual(trainingSectionDiff(presetFor('sdxl')), { model: 'sdxl' });
	assert.deepEqual(trainingSectionDiff(presetFor('sd15')), {});
});

test('each family has a preset with its source in sd-scripts\' docs', () => {
	assert.equal(FAMILY_PRESETS.sd15.id, 'guide-sd15-person');
	assert.match(FAMILY_PRESETS.sdxl.source, /docs\/sdxl_train_network\.md/);
	assert.match(FAMILY_PRESETS.flux1.source, /docs\/flux_train_network\.md/);
	for (const family of MODEL_FAMILIES) {
		assert.equal(presetFor(family).model, family);
		assert.equal(presetFor(family).preset, FAMILY_PRESETS[family].id);
	}
});

test('a kohya_ss Flux.1 preset imported into a folder writes model: flux1 and its model files into lora-workbench.yaml', () => {
	const preset = JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'kohya-presets', 'flux1D - adamw8bit fp8.json'), 'utf8'));
	const imported = importKohyaIntoFolder(preset, undefined);
	const text = applySettingsEdits('trigger: x\nclass: woman\n', imported.edits);
	const read = readTrainingSection(parseYaml(text).training);
	assert.equal(read.settings.model, 'flux1');
	assert.equal(read.settings.networkModule, 'networks.lora_flux');
	assert.equal(read.settings.t5xxl, preset.t5xxl);
	assert.equal(read.settings.timestepSampling, 'sigmoid');
	assert.deepEqual(read.problems, [], 'nothing of another family is written');
	assert.match(text, /^ {2}model: flux1$/m);
});

test('step math of an SDXL folder is sd-scripts\' with its preset\'s buckets at 1024, as for any folder with those settings', async () => {
	const parent = mkdtempSync(join(tmpdir(), 'family-steps-'));
	const make = async (name: string, training: string): Promise<string> => {
		const subset = join(parent, name, 'images', `10_${name} woman`);
		mkdirSync(subset, { recursive: true });
		for (const [i, [w, h]] of [[1024, 1024], [832, 1216], [1216, 832], [1024, 1536]].entries()) {
			await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(subset, `${i}.png`));
			writeFileSync(join(subset, `${i}.txt`), `${name}, 1girl`);
		}
		writeFileSync(join(parent, name, 'lora-workbench.yaml'), `trigger: ${name}\nclass: woman\ntraining:\n${training}`);
		return join(parent, name);
	};
	const sdxl = await scanTrainingFolder(await make('xl', '  model: sdxl\n  batchSize: 2\n'));
	const same = await scanTrainingFolder(await make('sd', '  batchSize: 2\n  resolution: 1024\n  enableBucket: true\n  maxBucketReso: 2048\n'));
	assert.ok(sdxl.steps, 'steps are computed');
	assert.deepEqual(sdxl.steps, same.steps);
	// Three buckets of 10 each at batch 2 (1024x1024 and 1024x1536 share no bucket): per-bucket ceilings.
	assert.ok(sdxl.steps.batchesPerEpoch >= 20, JSON.stringify(sdxl.steps));
});

test('SDXL in fp16 (a GPU without bf16) gets sd-scripts\' no_half_vae advice as a note', () => {
	const fp16 = buildRunFiles({ ...input(settingsOf('sdxl')), gpu: { bf16: false } });
	assert.deepEqual(fp16.errors, []);
	assert.ok(fp16.notes.some((n) => /set training\.noHalfVae: true/.test(n)), fp16.notes.join('\n'));
	assert.ok(!buildRunFiles(input(settingsOf('sdxl'))).notes.some((n) => /noHalfVae/.test(n)), 'not with bf16');
	assert.ok(!buildRunFiles({ ...input(settingsOf('sdxl', { noHalfVae: true })), gpu: { bf16: false } }).notes.some((n) => /noHalfVae/.test(n)));
});
