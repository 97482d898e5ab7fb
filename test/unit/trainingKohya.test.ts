import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { sharedFixture } from '../support/paths';
import { exportKohyaConfig, importKohyaConfig } from '../../src/core/training/kohya';
import { buildRunFiles } from '../../src/core/training/runFiles';
import { SD_SCRIPTS_OPTIONS } from '../../src/core/training/sdScriptsOptions';

const presetDir = sharedFixture('kohya-presets');
const presets = readdirSync(presetDir).filter((f) => f.endsWith('.json')).sort();

function load(name: string): Record<string, unknown> {
	return JSON.parse(readFileSync(join(presetDir, name), 'utf8'));
}

function runFilesFor(settings: ReturnType<typeof importKohyaConfig>['settings']) {
	return buildRunFiles({
		root: '/t', trigger: 'x', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/t/run',
		subsets: [{ dir: '/t/images/10_x woman', repeats: 10, classTokens: 'x woman', isReg: false }],
	});
}

test('the three kohya_ss presets are there to test', () => {
	assert.equal(presets.length, 3);
});

for (const name of presets) {
	test(`kohya preset "${name}" imports into valid run files`, () => {
		const imported = importKohyaConfig(load(name));
		const files = runFilesFor(imported.settings);
		// The flux preset sets a non-SD1.5 model family: it imports, with a warning, and still gives valid files.
		assert.deepEqual(files.errors, [], files.errors.join('\n'));
		for (const key of Object.keys(imported.settings.extra)) {
			assert.ok(SD_SCRIPTS_OPTIONS[key], `${key} passed through but is not an sd-scripts option`);
		}
	});

	test(`kohya preset "${name}" round-trips through export`, () => {
		const original = load(name);
		const first = importKohyaConfig(original);
		const exported = exportKohyaConfig(first.settings, { trigger: 'x' });
		const second = importKohyaConfig(exported);
		const third = importKohyaConfig(exportKohyaConfig(second.settings, { trigger: 'x' }));
		assert.deepEqual(third.settings, second.settings, 'export then import is stable');
		// The GUI has no "auto" and no "output name = trigger word": those are the only fields allowed to change.
		const changed = Object.keys(first.settings).filter((k) => !isDeepStrictEqual((first.settings as never)[k], (second.settings as never)[k]));
		assert.deepEqual(changed.filter((k) => !['mixedPrecision', 'savePrecision', 'optimizer', 'outputName'].includes(k)), []);
		// Every key of the original comes back (legacy keys under their new name), with its value as the GUI reads it.
		const renamed: Record<string, string> = { lora_network_weights: 'network_weights', conv_dims: 'conv_block_dims', conv_alphas: 'conv_block_alphas' };
		const coerce = (v: unknown): unknown => (typeof v === 'string' && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v) ? Number(v) : v);
		const differences: string[] = [];
		for (const [key, value] of Object.entries(original)) {
			const target = renamed[key] ?? key;
			let expected = coerce(value);
			if (key === 'xformers' && typeof value === 'boolean') { expected = value ? 'xformers' : 'none'; }
			if (key === 'max_train_epochs' && (expected === '' || expected === 0)) { expected = 0; }
			if (key === 'lr_scheduler_num_cycles' || key === 'lr_scheduler_power') { expected = expected === '' ? 0 : expected; }
			if (!(target in exported)) {
				differences.push(`${key}: missing from the export`);
			} else if (JSON.stringify(exported[target]) !== JSON.stringify(expected)) {
				differences.push(`${key}: ${JSON.stringify(value)} came back as ${JSON.stringify(exported[target])}`);
			}
		}
		assert.deepEqual(differences, []);
	});
}

test('numbers stored as strings and legacy keys are read as the GUI reads them', () => {
	const result = importKohyaConfig(load('sd15 - EDG_LoraOptiSettings.json'));
	const s = result.settings;
	assert.equal(s.learningRate, 0.0001);
	assert.equal(s.textEncoderLr, 5e-5);
	assert.equal(s.unetLr, 0.0001);
	assert.equal(s.seed, 1234);
	assert.equal(s.noiseOffset, 0.05);
	assert.equal(s.resolution, '512,650'.replace('650', '650'));
	assert.equal(s.attention, 'xformers', 'a boolean xformers means the xformers dropdown value');
	assert.equal(s.networkDim, 64);
	assert.equal(s.batchSize, 3);
	assert.equal(s.bucketResoSteps, 64);
	assert.equal(s.clipSkip, 2);
	assert.equal(s.optimizer, 'AdamW8bit');
	assert.equal(s.networkModule, 'networks.lora');
	assert.ok(result.migrated.includes('lora_network_weights → network_weights'));
	assert.ok(result.migrated.includes('conv_dims → conv_block_dims'));
	assert.ok(result.kept.includes('no_token_padding'), 'a legacy key with no meaning now is kept and reported');
});

test('LyCORIS iA3 with Prodigy maps onto lycoris.kohya and optimizer args', () => {
	const result = importKohyaConfig(load('iA3-Prodigy-sd15.json'));
	const s = result.settings;
	assert.equal(s.networkModule, 'lycoris.kohya');
	assert.ok(s.networkArgs.includes('algo=ia3'));
	assert.equal(s.optimizer, 'Prodigy');
	assert.deepEqual(s.optimizerArgs, ['d_coef=1.0', 'weight_decay=0.01', 'safeguard_warmup=False', 'use_bias_correction=False']);
	assert.equal(s.epochs, 300);
	assert.equal(s.seed, 31337);
	assert.equal(s.keepTokens, 1);
	assert.equal(s.shuffleCaption, true);
	assert.equal(s.extra.scale_weight_norms, 1);
	assert.equal(s.extra.adaptive_noise_scale, 0.005);
	assert.ok(result.warnings.some((w) => /lycoris/i.test(w)));
});

test('keys without an sd-scripts meaning are kept and reported, never dropped', () => {
	const original = load('flux1D - adamw8bit fp8.json');
	const result = importKohyaConfig(original);
	for (const key of ['flux1_checkbox', 't5xxl', 'ae', 'clip_l', 'timestep_sampling', 'model_list', 'save_as_bool']) {
		assert.ok(result.kept.includes(key), `${key} reported`);
		assert.deepEqual(result.settings.kohyaKept[key], original[key], `${key} kept as it was`);
	}
	assert.ok(result.warnings.some((w) => /Flux1 is not an SD1\.5 LoRA type/.test(w)));
	assert.ok(result.ignored.some((i) => i.key === 'max_train_steps'));
	assert.ok(result.ignored.some((i) => i.key === 'train_data_dir'));
	assert.equal(result.settings.extra.save_every_n_steps, 50);
	assert.equal(result.settings.outputName, 'Flux.my-super-duper-model-name-goes-here-v1.0');
});

test('additional_parameters become sd-scripts options; unknown words are reported', () => {
	const result = importKohyaConfig({ LoRA_type: 'Standard', additional_parameters: '--max_grad_norm 0.5 --noise_offset_random_strength --bogus 1 --network_args conv_dim=4' });
	assert.equal(result.settings.extra.max_grad_norm, 0.5);
	assert.equal(result.settings.extra.noise_offset_random_strength, true);
	assert.deepEqual(result.settings.extra.network_args, ['conv_dim=4']);
	assert.ok(result.warnings.some((w) => w.includes('--bogus')));
});

test('a file that is not a config object is refused with a clear message', () => {
	assert.throws(() => importKohyaConfig([1, 2]), /not a kohya_ss GUI config/);
});
