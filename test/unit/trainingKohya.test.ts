import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { sharedFixture } from '../support/paths';
import { exportKohyaConfig, importKohyaConfig } from '../../src/core/training/kohya';
import { buildRunFiles } from '../../src/core/training/runFiles';
import { optionOf } from '../../src/core/training/sdScriptsOptions';
import { SD_SCRIPTS_SCRIPTS } from '../../src/core/training/sdScriptsScripts';

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
		// The flux preset's family (flux1_checkbox) picks flux_train_network.py and its option list.
		assert.deepEqual(files.errors, [], files.errors.join('\n'));
		assert.equal(files.script, SD_SCRIPTS_SCRIPTS[imported.settings.model]);
		for (const key of Object.keys(imported.settings.extra)) {
			assert.ok(optionOf(imported.settings.model, key), `${key} passed through but is not an option of ${files.script}`);
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
	for (const key of ['model_list', 'save_as_bool', 'mem_eff_save']) {
		assert.ok(result.kept.includes(key), `${key} reported`);
		assert.deepEqual(result.settings.kohyaKept[key], original[key], `${key} kept as it was`);
	}
	// SD1.5's clip_skip is not a Flux.1 setting: kept for export, not given to flux_train_network.py.
	assert.equal(result.settings.kohyaKept.clip_skip, 1);
	assert.equal(result.settings.clipSkip, null);
	assert.ok(result.ignored.some((i) => i.key === 'max_train_steps'));
	assert.ok(result.ignored.some((i) => i.key === 'train_data_dir'));
	assert.equal(result.settings.extra.save_every_n_steps, 50);
	assert.equal(result.settings.outputName, 'Flux.my-super-duper-model-name-goes-here-v1.0');
});

test('the Flux.1 preset imports as flux1: its model files, its training parameters and networks.lora_flux', () => {
	const original = load('flux1D - adamw8bit fp8.json');
	const { settings, warnings } = importKohyaConfig(original);
	assert.equal(settings.model, 'flux1');
	assert.equal(settings.networkModule, 'networks.lora_flux');
	assert.equal(settings.baseModel, original.pretrained_model_name_or_path);
	assert.equal(settings.clipL, original.clip_l);
	assert.equal(settings.t5xxl, original.t5xxl);
	assert.equal(settings.ae, original.ae);
	assert.equal(settings.timestepSampling, 'sigmoid');
	assert.equal(settings.modelPredictionType, 'raw');
	assert.equal(settings.discreteFlowShift, 3);
	assert.equal(settings.guidanceScale, 1);
	assert.equal(settings.fp8Base, true);
	assert.equal(settings.cacheTextEncoderOutputs, true, 'flux1_cache_text_encoder_outputs');
	assert.equal(settings.extra.cache_text_encoder_outputs_to_disk, true);
	assert.equal(settings.extra.apply_t5_attn_mask, true);
	assert.equal(settings.extra.t5xxl_max_token_length, 512);
	assert.ok(!warnings.some((w) => /not an SD1\.5 LoRA type|another script/.test(w)), warnings.join('\n'));
	const files = runFilesFor(settings);
	assert.equal(files.script, 'flux_train_network.py');
	const flat = Object.assign({}, ...Object.values(files.trainingConfig)) as Record<string, unknown>;
	assert.equal(flat.network_module, 'networks.lora_flux');
	assert.equal(flat.clip_l, original.clip_l);
	assert.equal(flat.timestep_sampling, 'sigmoid');
	assert.equal(flat.cache_text_encoder_outputs, true);
	assert.equal(flat.clip_skip, undefined, 'clip_skip is not written for Flux.1');
	// And back: the GUI gets its Flux.1 checkbox, LoRA type and panel fields.
	const exported = exportKohyaConfig(settings, { trigger: 'x' });
	assert.equal(exported.flux1_checkbox, true);
	assert.equal(exported.sdxl, false);
	assert.equal(exported.LoRA_type, 'Flux1');
	assert.equal(exported.flux1_cache_text_encoder_outputs, true);
	assert.equal(exported.t5xxl, original.t5xxl);
});

test('an SDXL config (sdxl: true) imports as sdxl with sdxl_train_network.py, and exports sdxl: true', () => {
	const gui = { ...load('sd15 - EDG_LoraOptiSettings.json'), sdxl: true, sdxl_cache_text_encoder_outputs: true, sdxl_no_half_vae: true, network_train_unet_only: false, max_resolution: '1024,1024', pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0' };
	const { settings, warnings } = importKohyaConfig(gui);
	assert.equal(settings.model, 'sdxl');
	assert.equal(settings.noHalfVae, true);
	assert.equal(settings.cacheTextEncoderOutputs, true);
	assert.equal(settings.networkTrainUnetOnly, true, 'caching the text encoders needs network_train_unet_only on SDXL');
	assert.ok(warnings.some((w) => /network_train_unet_only/.test(w)));
	assert.ok(!warnings.some((w) => /imported for SD1\.5/.test(w)));
	const files = runFilesFor({ ...settings, shuffleCaption: false });
	assert.deepEqual(files.errors, []);
	assert.equal(files.script, 'sdxl_train_network.py');
	const exported = exportKohyaConfig(settings, { trigger: 'x' });
	assert.equal(exported.sdxl, true);
	assert.equal(exported.flux1_checkbox, false);
	assert.equal(exported.sdxl_cache_text_encoder_outputs, true);
	assert.equal(exported.sdxl_no_half_vae, true);
	assert.equal(importKohyaConfig(exported).settings.model, 'sdxl');
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
