import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sharedDir, repoRoot } from '../support/paths';
import { SD_SCRIPTS_OPTIONS } from '../../src/core/training/sdScriptsOptions';
import { buildRunFiles, tensorBoardTarget, writeRunFiles, RunInput } from '../../src/core/training/runFiles';
import { checkDatasetConfig } from '../../src/core/training/datasetConfigRules';
import { checkTrainingConfig } from '../../src/core/training/optionCheck';
import { resolvePrecision } from '../../src/core/training/trainingSettings';
import { guidePreset } from '../../src/core/training/settingsTable';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import { workbenchSettingsSchema } from '../../src/core/training/settingsSchema';
import { fromToml as parse, int } from '../../src/core/training/tomlModel';

const optionNames = readFileSync(join(sharedDir(), 'reference', 'sd-scripts-options.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);

function input(overrides: Partial<RunInput> = {}): RunInput {
	return {
		root: '/data/my lora',
		trigger: '3mm4w4ts0n',
		classWord: 'woman',
		settings: guidePreset(),
		subsets: [
			{ dir: '/data/my lora/images/24_3mm4w4ts0n woman', repeats: 24, classTokens: '3mm4w4ts0n woman', isReg: false },
			{ dir: '/data/my lora/images/16_3mm4w4ts0n woman body', repeats: 16, classTokens: '3mm4w4ts0n woman body', isReg: false },
		],
		gpu: { bf16: true },
		runFilesDir: '/data/my lora/model/runs/x',
		...overrides,
	};
}

/** Flattens a config TOML the way read_config_from_file does: one level, sections dropped. */
function flatten(document: Record<string, unknown>): Record<string, unknown> {
	const flat: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(document)) {
		if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
			Object.assign(flat, value);
		} else {
			flat[key] = value;
		}
	}
	return flat;
}

test('the embedded option table is exactly train_network.py\'s option list', () => {
	assert.deepEqual(Object.keys(SD_SCRIPTS_OPTIONS).sort(), [...optionNames].sort());
	assert.equal(optionNames.length, 193);
});

test('the guide preset holds the guide\'s values', () => {
	const preset = guidePreset();
	assert.equal(preset.baseModel, 'stable-diffusion-v1-5/stable-diffusion-v1-5', 'the maintained copy: RunwayML removed its repository in 2024');
	assert.equal(preset.networkModule, 'networks.lora');
	assert.equal(preset.batchSize, 1);
	assert.equal(preset.epochs, 10);
	assert.equal(preset.saveEveryNEpochs, 1);
	assert.equal(preset.captionExtension, '.txt');
	assert.equal(preset.networkDim, 32);
	assert.equal(preset.networkAlpha, 32);
	assert.equal(preset.resolution, '512,512');
	assert.equal(preset.enableBucket, false);
	assert.equal(preset.outputName, '', 'empty output name means the trigger word');
	assert.equal(preset.outputDir, 'model');
	assert.equal(preset.loggingDir, 'log');
	assert.deepEqual(resolvePrecision(preset, { bf16: true }), { mixedPrecision: 'bf16', savePrecision: 'bf16', optimizer: 'AdamW8bit' });
	assert.deepEqual(resolvePrecision(preset, { bf16: false }), { mixedPrecision: 'fp16', savePrecision: 'fp16', optimizer: 'AdamW' });
});

test('every generated training key is a train_network.py option, with the guide\'s values', () => {
	const files = buildRunFiles(input());
	assert.deepEqual(files.errors, []);
	const written = parse(readTomlText(files.trainingConfig));
	const flat = flatten(written);
	for (const key of Object.keys(flat)) {
		assert.ok(optionNames.includes(key), `${key} is not in sd-scripts-options.txt`);
	}
	assert.equal(flat.pretrained_model_name_or_path, 'stable-diffusion-v1-5/stable-diffusion-v1-5');
	assert.equal(flat.network_module, 'networks.lora');
	assert.equal(flat.network_dim, 32n);
	assert.equal(flat.network_alpha, 32, 'alpha is a float option');
	assert.equal(flat.train_batch_size, 1n);
	assert.equal(flat.max_train_epochs, 10n);
	assert.equal(flat.save_every_n_epochs, 1n);
	assert.equal(flat.mixed_precision, 'bf16');
	assert.equal(flat.optimizer_type, 'AdamW8bit');
	assert.equal(flat.output_name, '3mm4w4ts0n');
	assert.equal(flat.output_dir, join('/data/my lora', 'model'));
	assert.equal(flat.logging_dir, join('/data/my lora', 'log'));
	assert.equal(flat.log_with, 'tensorboard', 'TensorBoard logging on, for the loss panel\'s learning rate');
	assert.deepEqual(tensorBoardTarget(files), { dir: join('/data/my lora', 'log'), prefix: '3mm4w4ts0n-' });
	assert.equal(flat.learning_rate, 1e-4);
	assert.equal(flat.sample_prompts, undefined, 'sampling is off in the guide');
});

function readTomlText(document: Record<string, unknown>): string {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { toToml } = require('../../src/core/training/tomlModel') as typeof import('../../src/core/training/tomlModel');
	return toToml(document as never);
}

test('ints and floats keep their TOML types (sd-scripts checks isinstance)', () => {
	const text = readTomlText({ a: int(512), b: 32, c: 0.0001, d: [int(512), int(768)] });
	assert.match(text, /^a = 512$/m);
	assert.match(text, /^b = 32\.0$/m);
	assert.match(text, /^c = 0\.0001$/m);
	assert.match(text, /^d = \[ 512, 768 \]$/m);
	const parsed = parse(text);
	assert.equal(typeof parsed.a, 'bigint');
	assert.equal(typeof parsed.b, 'number');
});

test('the dataset config sets caption_extension and passes sd-scripts\' schema rules', () => {
	const files = buildRunFiles(input());
	const parsed = parse(readTomlText(files.datasetConfig));
	assert.deepEqual(checkDatasetConfig(parsed as Record<string, unknown>), []);
	assert.equal((parsed.general as Record<string, unknown>).caption_extension, '.txt');
	const dataset = (parsed.datasets as Record<string, unknown>[])[0];
	assert.equal(dataset.resolution, 512n);
	assert.equal(dataset.batch_size, 1n);
	const subsets = dataset.subsets as Record<string, unknown>[];
	assert.equal(subsets.length, 2);
	assert.equal(subsets[0].image_dir, '/data/my lora/images/24_3mm4w4ts0n woman');
	assert.equal(subsets[0].num_repeats, 24n);
	assert.equal(subsets[0].class_tokens, '3mm4w4ts0n woman');
});

test('the dataset rules reject what voluptuous rejects', () => {
	const base = () => ({ general: { caption_extension: '.txt' }, datasets: [{ resolution: int(512), subsets: [{ image_dir: '/x', num_repeats: int(2) }] }] });
	const extra = base();
	(extra.datasets[0].subsets[0] as Record<string, unknown>).batch_size = int(2);
	assert.match(checkDatasetConfig(extra).join('\n'), /extra keys not allowed @ data\['datasets'\]\[0\]\['subsets'\]\[0\]\['batch_size'\]/);
	const intForFloat = base();
	(intForFloat.datasets[0] as Record<string, unknown>).validation_split = int(0);
	assert.match(checkDatasetConfig(intForFloat).join('\n'), /expected float for dictionary value @ data\['datasets'\]\[0\]\['validation_split'\]/);
	const stringResolution = base();
	(stringResolution.datasets[0] as Record<string, unknown>).resolution = '512';
	assert.match(checkDatasetConfig(stringResolution).join('\n'), /expected int or a list of two ints/);
	const noDir = base();
	delete (noDir.datasets[0].subsets[0] as Record<string, unknown>).image_dir;
	assert.match(checkDatasetConfig(noDir).join('\n'), /required key not provided .*image_dir/);
	const bucket = base();
	Object.assign(bucket.datasets[0], { enable_bucket: true, min_bucket_reso: int(640) });
	assert.match(checkDatasetConfig(bucket).join('\n'), /min_bucket_reso/);
	const noResolution = base();
	delete (noResolution.datasets[0] as Record<string, unknown>).resolution;
	assert.match(checkDatasetConfig(noResolution).join('\n'), /resolution is required/);
});

test('the training config check catches unknown keys, wrong types and bad choices', () => {
	const errors = checkTrainingConfig({ a: { learning_rat: 1e-4, resolution: int(512), mixed_precision: 'fp32', network_dim: 32.5 }, b: { network_dim: int(4) } });
	const text = errors.join('\n');
	assert.match(text, /learning_rat: not an option/);
	assert.match(text, /resolution: expected str/);
	assert.match(text, /mixed_precision: fp32 is not one of/);
	assert.match(text, /network_dim: expected int, got float/);
	assert.match(text, /\[b\] network_dim: also set in \[a\]/);
});

test('sampling writes a prompt file and its options', () => {
	const settings = guidePreset();
	settings.sample.enabled = true;
	const files = buildRunFiles(input({ settings }));
	assert.deepEqual(files.errors, []);
	const flat = flatten(parse(readTomlText(files.trainingConfig)));
	assert.equal(flat.sample_prompts, join('/data/my lora/model/runs/x', 'sample-prompts.txt'));
	assert.equal(flat.sample_every_n_epochs, 1n);
	assert.equal(flat.sample_sampler, 'euler_a');
	const lines = files.promptText!.split('\n').filter((l) => l && !l.startsWith('#'));
	assert.equal(lines[0], '3mm4w4ts0n woman, portrait, looking at viewer --n lowres, blurry, bad anatomy --w 512 --h 512 --d 42 --l 7 --s 28');
});

test('bad settings become errors instead of files sd-scripts would reject', () => {
	const settings = guidePreset();
	settings.lrWarmupSteps = 100;
	settings.colorAug = true;
	settings.extra = { learning_rat: 1 } as Record<string, unknown>;
	const files = buildRunFiles(input({ settings, subsets: [] }));
	const text = files.errors.join('\n');
	assert.match(text, /constant schedule/);
	assert.match(text, /cacheLatents cannot be combined/);
	assert.match(text, /no image subsets/);
	assert.match(text, /learning_rat/);
});

test('extra options pass through typed, and replace a generated key', () => {
	const settings = guidePreset();
	settings.extra = { noise_offset_random_strength: true, max_grad_norm: 0.5, network_dim: 16, lr_scheduler_args: 'a=1 b=2' };
	const files = buildRunFiles(input({ settings }));
	assert.deepEqual(files.errors, []);
	const flat = flatten(parse(readTomlText(files.trainingConfig)));
	assert.equal(flat.noise_offset_random_strength, true);
	assert.equal(flat.max_grad_norm, 0.5);
	assert.equal(flat.network_dim, 16n);
	assert.deepEqual(flat.lr_scheduler_args, ['a=1', 'b=2']);
});

test('writeRunFiles writes parseable files with a header', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'lora run $ "q" ü '));
	const settings = guidePreset();
	settings.sample.enabled = true;
	const files = buildRunFiles(input({ settings, root: dir, runFilesDir: join(dir, 'run files') }));
	await writeRunFiles(files);
	assert.deepEqual(readdirSync(join(dir, 'run files')).sort(), ['config.toml', 'dataset.toml', 'sample-prompts.txt']);
	const config = readFileSync(files.configFile, 'utf8');
	assert.match(config, /^# Written by LoRA Workbench/);
	assert.equal(flatten(parse(config)).output_dir, join(dir, 'model'));
});

test('the YAML training section is read with defaults, and bad values are reported', () => {
	const { settings, problems } = readTrainingSection({ batchSize: 2, resolution: [512, 768], networkDim: 'big', sample: { enabled: true, steps: 0 }, extra: { nope: 1, seed: 3 }, epochz: 3 });
	assert.equal(settings.batchSize, 2);
	assert.equal(settings.resolution, '512,768');
	assert.equal(settings.networkDim, 32);
	assert.equal(settings.sample.enabled, true);
	assert.equal(settings.sample.steps, 28);
	assert.deepEqual(settings.extra, { seed: 3 });
	const text = problems.map((p) => p.message).join('\n');
	assert.match(text, /training\.networkDim must be a whole number/);
	assert.match(text, /training\.sample\.steps must be at least 1/);
	assert.match(text, /training\.extra\.nope is not an option/);
	assert.match(text, /unknown setting training\.epochz/);
});

test('schemas/lora-workbench.schema.json is the generated schema', () => {
	const path = join(repoRoot(), 'schemas', 'lora-workbench.schema.json');
	const expected = `${JSON.stringify(workbenchSettingsSchema(), null, '\t')}\n`;
	if (process.env.UPDATE_SCHEMA) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		require('node:fs').writeFileSync(path, expected);
	}
	assert.equal(readFileSync(path, 'utf8'), expected, 'regenerate with UPDATE_SCHEMA=1 npx tsx --test test/unit/trainingConfig.test.ts');
});

test('the TensorBoard folder follows training.extra; wandb alone turns it off', () => {
	const wandb = { ...input() };
	wandb.settings = { ...wandb.settings, extra: { log_with: 'wandb' } };
	assert.equal(tensorBoardTarget(buildRunFiles(wandb)), undefined);
	const prefixed = { ...input() };
	prefixed.settings = { ...prefixed.settings, extra: { log_prefix: 'mine_', log_with: 'all' } };
	assert.deepEqual(tensorBoardTarget(buildRunFiles(prefixed)), { dir: join('/data/my lora', 'log'), prefix: 'mine_' });
});
