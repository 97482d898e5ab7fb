import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot, sharedFixture } from '../support/paths';
import { runCli } from '../../src/cli';
import { importKohyaConfig } from '../../src/core/training/kohya';
import { importKohyaIntoFolder } from '../../src/core/training/kohyaFolder';
import { applySettingsEdits } from '../../src/core/settings';
import { buildRunFiles } from '../../src/core/training/runFiles';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import type { TrainerSettings } from '../../src/core/training/trainingSettings';

/**
 * The kohya_ss GUI's own SD1.5 presets, as the GUI turns them into sd-scripts arguments (kohya_gui/lora_gui.py
 * train_model at 45088f04). The keys below are the ones of its presets that went wrong before; each case is the
 * GUI's preset file cut down to the keys that matter (the three full presets in ../shared are tested as a whole).
 */

const standin = join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');

function runFiles(settings: TrainerSettings) {
	return buildRunFiles({
		root: '/t', trigger: 'x', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/t/run',
		subsets: [{ dir: '/t/images/10_x woman', repeats: 10, classTokens: 'x woman', isReg: false }],
	});
}

function flat(settings: TrainerSettings): Record<string, unknown> {
	return Object.assign({}, ...Object.values(runFiles(settings).trainingConfig));
}

test('optimizer_args, lr_scheduler_args and lr_scheduler_type lose the quotes the GUI strips', () => {
	const { settings } = importKohyaConfig({
		LoRA_type: 'Standard', optimizer: 'AdamW', optimizer_args: '"weight_decay=0.1" "betas=0.9,0.99"',
		lr_scheduler: 'cosine', lr_scheduler_args: '"T_max=100"', lr_scheduler_type: '"CosineAnnealingLR"',
	});
	const config = flat(settings);
	assert.deepEqual(config.optimizer_args, ['weight_decay=0.1', 'betas=0.9,0.99']);
	assert.deepEqual(config.lr_scheduler_args, ['T_max=100']);
	assert.equal(config.lr_scheduler_type, 'CosineAnnealingLR');
	assert.deepEqual(runFiles(settings).errors, []);
	// "sd15 - LoKr v2.0" passes them in additional_parameters, quoted; common_gui.py drops the quotes there too.
	const additional = flat(importKohyaConfig({ additional_parameters: '--lr_scheduler_type "CosineAnnealingLR" --lr_scheduler_args "T_max=1000" "eta_min=0e-0"' }).settings);
	assert.equal(additional.lr_scheduler_type, 'CosineAnnealingLR');
	assert.deepEqual(additional.lr_scheduler_args, ['T_max=1000', 'eta_min=0e-0']);
});

test('noise keys follow noise_offset_type as in the GUI: adaptive_noise_scale only with an Original noise_offset, Multires keys only for Multires', () => {
	const alone = importKohyaConfig({ noise_offset_type: 'Original', noise_offset: 0, adaptive_noise_scale: 0.00357 });
	assert.equal(flat(alone.settings).adaptive_noise_scale, undefined, 'sd-scripts refuses adaptive_noise_scale without noise_offset');
	assert.equal(alone.settings.kohyaKept.adaptive_noise_scale, 0.00357, 'kept for export');
	const original = flat(importKohyaConfig({ noise_offset: 0.05, adaptive_noise_scale: 0.005, multires_noise_iterations: 8 }).settings);
	assert.equal(original.noise_offset, 0.05, 'noise_offset_type defaults to Original');
	assert.equal(original.adaptive_noise_scale, 0.005);
	assert.equal(original.multires_noise_iterations, undefined);
	const multires = importKohyaConfig({ noise_offset_type: 'Multires', noise_offset: 0.05, multires_noise_iterations: 10, multires_noise_discount: 0.2 });
	const config = flat(multires.settings);
	assert.equal(Number(config.multires_noise_iterations), 10);
	assert.equal(config.multires_noise_discount, 0.2);
	assert.equal(config.noise_offset, undefined, 'the GUI passes noise_offset only for Original');
	assert.equal(multires.settings.kohyaKept.noise_offset_type, 'Multires', 'given back on export');
});

test('LoKr gets every LyCORIS argument the GUI passes, use_cp included, defaults for what the preset leaves out', () => {
	const { settings } = importKohyaConfig({ LoRA_type: 'LyCORIS/LoKr', network_dim: 100000, network_alpha: 1, conv_dim: 100000, factor: 8, use_cp: true, train_norm: false });
	assert.equal(settings.networkModule, 'lycoris.kohya');
	assert.deepEqual(settings.networkArgs, ['preset=full', 'conv_dim=100000', 'conv_alpha=1', 'use_tucker=False', 'rank_dropout=0', 'bypass_mode=False', 'dora_wd=False',
		'module_dropout=0', 'factor=8', 'use_cp=True', 'use_scalar=False', 'decompose_both=False', 'rank_dropout_scale=False', 'algo=lokr', 'train_norm=False']);
	assert.deepEqual(importKohyaConfig({ LoRA_type: 'LyCORIS/iA3', train_on_input: false }).settings.networkArgs, ['preset=full', 'conv_dim=1', 'conv_alpha=1', 'train_on_input=False', 'algo=ia3']);
});

test('caption_extension .none-use-foldername, an SD3 config and a removed base model id are said, not imported silently', () => {
	const result = importKohyaConfig({ caption_extension: '.none-use-foldername', sd3_checkbox: true, max_resolution: '1024,1024', pretrained_model_name_or_path: 'runwayml/stable-diffusion-v1-5' });
	assert.equal(result.settings.captionExtension, '.txt');
	assert.ok(result.warnings.some((w) => w.startsWith('caption_extension ".none-use-foldername" makes sd-scripts ignore every caption file')), result.warnings.join('\n'));
	assert.ok(result.warnings.some((w) => w.startsWith('this config is for sd3 (sd3_checkbox: true)') && w.includes('resolution 1024,1024') && w.includes('train_network.py')), result.warnings.join('\n'));
	// SDXL is a family of its own now: no such warning, the family is sdxl.
	const sdxl = importKohyaConfig({ sdxl: true, max_resolution: '1024,1024' });
	assert.equal(sdxl.settings.model, 'sdxl');
	assert.ok(!sdxl.warnings.some((w) => w.startsWith('this config is for')), sdxl.warnings.join('\n'));
	assert.equal(result.settings.baseModel, 'stable-diffusion-v1-5/stable-diffusion-v1-5');
	assert.ok(result.migrated.includes('pretrained_model_name_or_path runwayml/stable-diffusion-v1-5 → stable-diffusion-v1-5/stable-diffusion-v1-5'));
});

test('a preset without sample keys leaves the folder\'s sampling and prompts as they were', () => {
	const current = { sample: { enabled: true, prompts: ['{trigger} {class}, smiling'] } };
	const imported = importKohyaIntoFolder({ LoRA_type: 'Standard', network_dim: 16 }, current);
	const yaml = parseYaml(applySettingsEdits(`training:\n  sample:\n    enabled: true\n    prompts: ["{trigger} {class}, smiling"]\n`, imported.edits));
	const after = readTrainingSection(yaml.training).settings;
	assert.equal(after.sample.enabled, true);
	assert.deepEqual(after.sample.prompts, ['{trigger} {class}, smiling']);
	assert.equal(after.networkDim, 16);
	const withKeys = importKohyaIntoFolder({ sample_every_n_epochs: 0, sample_prompts: '' }, current);
	assert.equal(withKeys.settings.sample.enabled, false, 'a preset that turns sampling off does');
});

test('bucket_reso_steps 1 (7 of the GUI\'s 11 SD1.5 presets): the CLI and the VS Code import both clamp it to 64 and say so', async () => {
	const preset = { LoRA_type: 'Standard', enable_bucket: true, bucket_reso_steps: 1, network_dim: 8, network_alpha: 1, learning_rate: 0.0001, optimizer: 'AdamW8bit' };
	const note = 'bucket_reso_steps 1 is refused by train_network.py (it must be divisible by 64 for SD1.5); imported as 64';
	const editor = importKohyaIntoFolder(preset, undefined);
	assert.ok(editor.warnings.includes(note), editor.warnings.join('\n'));
	assert.equal(editor.settings.bucketResoSteps, 64);

	const parent = mkdtempSync(join(tmpdir(), 'kohya-cli-'));
	const root = join(parent, 'k0hya');
	mkdirSync(join(root, 'images', '10_k0hya woman'), { recursive: true });
	writeFileSync(join(root, 'images', '10_k0hya woman', 'a.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64'));
	writeFileSync(join(root, 'images', '10_k0hya woman', 'a.txt'), 'k0hya, smile');
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: k0hya\nclass: woman\n');
	const presetFile = join(parent, 'preset.json');
	writeFileSync(presetFile, JSON.stringify(preset));
	const err: string[] = [];
	const code = await runCli(['config', root, '--out', join(parent, 'out'), '--kohya', presetFile, '--sd-scripts', standin], { out: () => undefined, err: (t) => err.push(t), cwd: parent });
	assert.equal(code, 0, err.join('\n'));
	assert.ok(err.includes(`kohya: warning: ${note}`), err.join('\n'));
	assert.match(readFileSync(join(parent, 'out', 'dataset.toml'), 'utf8'), /bucket_reso_steps = 64/);
});

test('the GUI\'s SD1.5 presets in ../shared keep rank, alpha, learning rate, module and optimizer in the run files', () => {
	for (const [name, expected] of [
		['sd15 - EDG_LoraOptiSettings.json', { network_dim: 64, network_module: 'networks.lora' }],
		['iA3-Prodigy-sd15.json', { network_module: 'lycoris.kohya', optimizer_type: 'Prodigy' }],
	] as const) {
		const preset = JSON.parse(readFileSync(sharedFixture('kohya-presets', name), 'utf8'));
		const files = runFiles(importKohyaConfig(preset).settings);
		assert.deepEqual(files.errors, [], `${name}: ${files.errors.join('; ')}`);
		const config: Record<string, unknown> = Object.assign({}, ...Object.values(files.trainingConfig));
		for (const [key, value] of Object.entries(expected)) {
			assert.equal(typeof config[key] === 'bigint' ? Number(config[key]) : config[key], value, `${name}: ${key}`);
		}
		assert.equal(Number(config.network_dim), Math.round(Number(preset.network_dim)), `${name}: rank`);
		assert.equal(config.network_alpha, Number(preset.network_alpha), `${name}: alpha`);
		assert.equal(config.learning_rate, Number(preset.learning_rate), `${name}: learning rate`);
		assert.equal(config.optimizer_type, preset.optimizer, `${name}: optimizer`);
	}
});
