import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, utimesSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensorsHeader } from '../../src/core/checkpoints/safetensors';
import { epochFileName, parseCheckpointName, parseSampleName, sampleFileName, stepFileName } from '../../src/core/checkpoints/checkpointNames';
import { summarizeMetadata } from '../../src/core/checkpoints/metadata';
import { listCheckpoints, usageSnippet } from '../../src/core/checkpoints/checkpointList';
import { parseSamplePrompts } from '../../src/core/checkpoints/samplePrompts';
import { buildCompareGrid } from '../../src/core/checkpoints/compareGrid';

/** Metadata as sd-scripts writes it: every value a string (reference §8). */
const SD_SCRIPTS_METADATA: Record<string, string> = {
	ss_output_name: '3mm4w4ts0n',
	ss_base_model_version: 'sd_v1',
	ss_sd_model_name: 'v1-5-pruned-emaonly.safetensors',
	ss_network_module: 'networks.lora',
	ss_network_dim: '32',
	ss_network_alpha: '32.0',
	ss_epoch: '3',
	ss_num_epochs: '10',
	ss_steps: '1464',
	ss_max_train_steps: '4880',
	ss_resolution: '(512, 512)',
	ss_learning_rate: '0.0001',
	ss_unet_lr: 'None',
	ss_optimizer: 'bitsandbytes.optim.adamw.AdamW8bit',
	ss_mixed_precision: 'bf16',
	ss_num_train_images: '928',
	ss_training_started_at: '1771243994.5',
	ss_training_finished_at: '1771245794.5',
	ss_dataset_dirs: JSON.stringify({ '24_3mm4w4ts0n woman': { n_repeats: 24, img_count: 28 }, '16_3mm4w4ts0n woman': { n_repeats: 16, img_count: 16 } }),
	ss_tag_frequency: JSON.stringify({ '24_3mm4w4ts0n woman': { '3mm4w4ts0n': 28, smile: 9, '1girl': 28 } }),
	sshs_model_hash: 'abc123',
	'modelspec.architecture': 'stable-diffusion-v1/lora',
};

function loraFile(dir: string, name: string, metadata = SD_SCRIPTS_METADATA): string {
	const path = join(dir, name);
	const weights = new Uint8Array(new Float32Array([0.1, -0.2, 0.3, 0.4]).buffer);
	writeFileSync(path, encodeSafetensors({
		'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': { dtype: 'F32', shape: [2, 2], data: weights },
		'lora_unet_down_blocks_0_attentions_0_proj_in.alpha': { dtype: 'F32', shape: [], data: new Uint8Array(new Float32Array([32]).buffer) },
	}, metadata));
	return path;
}

test('reads the header and metadata without the tensors', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'st-'));
	const header = await readSafetensorsHeader(loraFile(dir, 'a.safetensors'));
	assert.equal(header.tensors.length, 2);
	assert.equal(header.metadata.ss_network_dim, '32');
	assert.equal(header.headerBytes % 8, 0);
});

test('malformed files give clear errors: truncated, length past the end, huge length, not JSON', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'st-'));
	writeFileSync(join(dir, 'tiny.safetensors'), Buffer.from([1, 2, 3]));
	await assert.rejects(readSafetensorsHeader(join(dir, 'tiny.safetensors')), /only 3 bytes/);
	const past = Buffer.alloc(16);
	past.writeBigUInt64LE(1000n);
	writeFileSync(join(dir, 'past.safetensors'), past);
	await assert.rejects(readSafetensorsHeader(join(dir, 'past.safetensors')), /runs past the end/);
	const huge = Buffer.alloc(16);
	huge.writeBigUInt64LE(2n ** 60n);
	writeFileSync(join(dir, 'huge.safetensors'), huge);
	await assert.rejects(readSafetensorsHeader(join(dir, 'huge.safetensors')), /larger than the/);
	const notJson = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('abcd')]);
	writeFileSync(join(dir, 'nj.safetensors'), notJson);
	await assert.rejects(readSafetensorsHeader(join(dir, 'nj.safetensors')), /not valid UTF-8 JSON/);
	const full = loraFile(dir, 'cut.safetensors');
	const bytes = readFileSync(full);
	writeFileSync(full, bytes.subarray(0, bytes.length - 4));
	await assert.rejects(readSafetensorsHeader(full), /truncated/);
});

test('summarizes sd-scripts metadata in human terms', () => {
	const summary = summarizeMetadata(SD_SCRIPTS_METADATA);
	const field = (label: string) => summary.fields.find((f) => f.label === label)?.value;
	assert.equal(field('Rank / alpha'), '32 / 32.0');
	assert.equal(field('Epoch / step'), '3 of 10 / 1464 of 4880');
	assert.equal(field('Training time'), '30 min 0 s');
	assert.match(field('Base model') ?? '', /Stable Diffusion 1\.x \(v1-5-pruned-emaonly/);
	assert.equal(field('UNet learning rate'), undefined, '"None" values are left out');
	assert.match(field('Folders') ?? '', /24_3mm4w4ts0n woman: 28 images × 24/);
	assert.deepEqual(summary.tagFrequency[0].tags[0], { tag: '1girl', count: 28 });
	assert.equal(summary.hasTrainingMetadata, true);
	assert.equal(summarizeMetadata({}).hasTrainingMetadata, false);
});

test('checkpoint and sample names follow sd-scripts', () => {
	assert.equal(epochFileName('3mm4w4ts0n', 2), '3mm4w4ts0n-000002.safetensors');
	assert.equal(stepFileName('my lora', 500), 'my lora-step00000500.safetensors');
	assert.deepEqual(parseCheckpointName('my-lora-000010.safetensors'), { kind: 'epoch', outputName: 'my-lora', epoch: 10, extension: '.safetensors' });
	assert.deepEqual(parseCheckpointName('x-step00000500.ckpt'), { kind: 'step', outputName: 'x', step: 500, extension: '.ckpt' });
	assert.deepEqual(parseCheckpointName('x.pt'), { kind: 'final', outputName: 'x', extension: '.pt' });
	assert.equal(parseCheckpointName('notes.txt'), undefined);
	assert.deepEqual(parseSampleName('mylora_e000003_00_20260216121314_42.png'), { outputName: 'mylora', epoch: 3, step: undefined, promptIndex: 0, timestamp: '20260216121314', seed: 42 });
	assert.deepEqual(parseSampleName('mylora_000500_01_20260216121314.png'), { outputName: 'mylora', epoch: undefined, step: 500, promptIndex: 1, timestamp: '20260216121314', seed: undefined });
	assert.equal(parseSampleName('e000001_00_20260216121314.png')?.epoch, 1);
	assert.equal(sampleFileName('my_lora', { epoch: 3, promptIndex: 0, timestamp: '20260216121314', seed: 42 }), 'my_lora_e000003_00_20260216121314_42.png');
	assert.equal(parseSampleName('holiday.png'), undefined);
});

test('lists checkpoints newest first with ckpt files marked as without metadata', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'ck-'));
	const names = ['3mm4w4ts0n-000001.safetensors', '3mm4w4ts0n-000002.safetensors', '3mm4w4ts0n.safetensors', 'old.ckpt'];
	names.forEach((name, i) => {
		loraFile(dir, name);
		utimesSync(join(dir, name), 1_700_000_000 + i * 60, 1_700_000_000 + i * 60);
	});
	writeFileSync(join(dir, 'readme.txt'), 'x');
	mkdirSync(join(dir, '3mm4w4ts0n-000001-state'));
	const list = await listCheckpoints(dir);
	assert.deepEqual(list.map((c) => c.fileName), ['old.ckpt', '3mm4w4ts0n.safetensors', '3mm4w4ts0n-000002.safetensors', '3mm4w4ts0n-000001.safetensors']);
	assert.equal(list[0].hasMetadata, false);
	assert.deepEqual(await listCheckpoints(join(dir, 'missing')), []);
	assert.equal(usageSnippet('3mm4w4ts0n-000007.safetensors', '3mm4w4ts0n'), '<lora:3mm4w4ts0n-000007:0.75> 3mm4w4ts0n');
});

test('sample prompts are parsed and validated as sd-scripts reads them', () => {
	const text = [
		'# comment',
		'',
		'3mm4w4ts0n woman, portrait --n lowres --w 512 --h 768 --d 42 --l 7.5 --s 28',
		'a woman --w 500 --s abc --ss dpm++_2m_karras --x foo',
	].join('\n');
	const { prompts, problems } = parseSamplePrompts(text, '3mm4w4ts0n');
	assert.equal(prompts.length, 2);
	assert.deepEqual({ ...prompts[0] }, { line: 2, index: 0, prompt: '3mm4w4ts0n woman, portrait', negative: 'lowres', width: 512, height: 768, seed: 42, steps: 28, scale: 7.5 });
	assert.equal(prompts[1].width, 496);
	assert.deepEqual(problems.map((p) => p.code).sort(), ['bad-number', 'bad-size', 'missing-trigger', 'unknown-option', 'unknown-sampler']);
	assert.deepEqual(parseSamplePrompts('3mm4w4ts0n --w 512', '3mm4w4ts0n').problems, []);
});

test('the compare grid puts prompts in rows and epochs in columns', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'grid-'));
	for (const name of ['lora_e000001_00_20260101000000_1.png', 'lora_e000002_00_20260101000100_1.png', 'lora_e000001_01_20260101000000_2.png',
		'lora_e000002_00_20250101000000_1.png', 'other_e000001_00_20260101000000.png', 'notes.txt']) {
		writeFileSync(join(dir, name), '');
	}
	const grid = await buildCompareGrid(dir, 'lora', [{ line: 0, index: 0, prompt: 'p0', width: 512, height: 512, steps: 30, scale: 7 }]);
	assert.deepEqual(grid.columns.map((c) => c.label), ['epoch 1', 'epoch 2']);
	assert.equal(grid.rows.length, 2);
	assert.equal(grid.rows[0].prompt, 'p0');
	assert.match(grid.rows[0].cells.e2, /20260101000100/, 'the newest sample of a cell wins');
	assert.equal(grid.rows[1].cells.e2, undefined);
});
