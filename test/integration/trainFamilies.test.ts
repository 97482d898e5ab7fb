import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import type { TrainResult } from '../../src/trainer/trainCommand';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { repoRoot, testWorkspace } from '../support/paths';
import { lossPanel } from '../support/webviews';

/**
 * Issue 18: one SDXL and one Flux.1 training end to end with the stand-in trainer (test/fixtures/standin-sd-scripts,
 * which runs as sdxl_train_network.py / flux_train_network.py and writes their metadata): the family's script and
 * run files, its checkpoints and metadata, the console parsed into the status bar and the loss panel.
 */

const STANDIN = () => join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');

function metadataOf(path: string): Record<string, string> {
	const bytes = readFileSync(path);
	const length = Number(bytes.readBigUInt64LE(0));
	return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')).__metadata__;
}

/** Small safetensors files with the tensor names of Flux.1's four parts (what the preflight reads of them). */
function fluxModelFiles(dir: string): Record<'baseModel' | 'clipL' | 't5xxl' | 'ae', string> {
	mkdirSync(dir, { recursive: true });
	const file = (name: string, tensors: Record<string, number[]>): string => {
		const path = join(dir, name);
		writeFileSync(path, encodeSafetensors(Object.fromEntries(Object.entries(tensors).map(([n, shape]) => [n, { dtype: 'F16' as const, shape, data: new Uint8Array(8) }])), {}));
		return path;
	};
	return {
		baseModel: file('flux1-dev.safetensors', { 'double_blocks.0.img_attn.qkv.weight': [2, 2] }),
		clipL: file('clip_l.safetensors', { 'text_model.encoder.layers.0.mlp.fc1.weight': [2, 2] }),
		t5xxl: file('t5xxl_fp16.safetensors', { 'encoder.block.0.layer.0.SelfAttention.q.weight': [2, 2] }),
		ae: file('ae.safetensors', { 'decoder.conv_in.weight': [512, 16, 3, 3] }),
	};
}

async function makeFolder(name: string, training: string): Promise<string> {
	return makeTrainingFolder(testWorkspace() ?? tmpdir(), name, {
		subsets: [{ repeats: 2, classTokens: `${name} woman`, images: 3, size: [256, 256], caption: (i) => `${name}, a woman ${i % 2 ? 'smiling at the camera in a park' : 'standing by a window in soft light'}` }],
		settingsYaml: `trigger: ${name}\nclass: woman\ntraining:\n  epochs: 2\n${training}`,
	});
}

async function trainAndWatch(root: string, name: string) {
	const api = await activateExtension();
	const watch = api.testing.trainingWatch;
	await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
	const panel = await waitFor('the loss panel', () => lossPanel(api)?.lastInit && lossPanel(api));
	const result = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', root, { skipConfirm: true });
	assert.ok(result?.run, `the ${name} training started (errors: ${result?.errors.join('; ') || 'none'})`);
	const exit = await result.run.whenExited();
	assert.deepEqual(exit, { code: 0, signal: null });
	assert.equal(result.run.state, 'finished');
	const watched = watch.history.all.find((r) => r.run === (result.run as unknown));
	assert.ok(watched, 'the run is watched');
	await watch.history.whenWritten(watched.id);
	// The console of sdxl_/flux_train_network.py is train_network.py's loop: the same parser reads it.
	assert.match(watch.statusItem.visibleText ?? '', new RegExp(`^\\$\\(check\\) ${name} · finished · epoch 2/2 · 12/12 · loss `));
	const posted = await waitFor('every step in the loss panel', () => (panel.postedPoints.get(watched.id)?.length ?? 0) >= 12 && panel.postedPoints.get(watched.id));
	assert.deepEqual([...new Set(posted)].filter((s) => s > 0), Array.from({ length: 12 }, (_, i) => i + 1));
	assert.equal(watched.progress.checkpoints.length, 2);
	return result;
}

describe('Train SDXL and Flux.1 LoRAs with the stand-in trainer', function () {
	this.timeout(300_000);

	before(async () => {
		await activateExtension();
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', STANDIN(), vscode.ConfigurationTarget.Global);
		process.env.LORA_STANDIN_STEP_SECONDS = '0.02';
	});

	after(async () => {
		const api = await activateExtension();
		await api.testing.trainer.runs.stopAll();
		delete process.env.LORA_STANDIN_STEP_SECONDS;
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', undefined, vscode.ConfigurationTarget.Global);
	});

	it('Check Trainer Setup says which families this sd-scripts trains', async () => {
		const api = await activateExtension();
		const report = await api.testing.trainer.setup.report(true);
		const families = report.items.find((i) => i.id === 'families');
		assert.ok(families?.ok, JSON.stringify(families));
		assert.equal(families.detail, 'trains SD1.5 (train_network.py), SDXL (sdxl_train_network.py), Flux.1 (flux_train_network.py)');
	});

	it('an SDXL folder trains with sdxl_train_network.py at 1024 with buckets, and its checkpoints say SDXL', async () => {
		const root = await makeFolder('sdxl7r41n', '  model: sdxl\n');
		const result = await trainAndWatch(root, 'sdxl7r41n');
		const plan = result.plan!;
		assert.equal(plan.family, 'sdxl');
		assert.ok(plan.command.args.includes(join(STANDIN(), 'sdxl_train_network.py')), plan.command.args.join(' '));
		const config = readFileSync(plan.files.configFile, 'utf8');
		assert.match(config, /sdxl_train_network\.py/);
		assert.match(config, /^pretrained_model_name_or_path = "stabilityai\/stable-diffusion-xl-base-1\.0"$/m);
		assert.match(config, /^cache_text_encoder_outputs = true$/m);
		assert.match(config, /^network_train_unet_only = true$/m);
		assert.doesNotMatch(config, /clip_l|t5xxl|guidance_scale/);
		const dataset = readFileSync(plan.files.datasetConfigFile, 'utf8');
		assert.match(dataset, /^resolution = 1024$/m);
		assert.match(dataset, /^enable_bucket = true$/m);
		const console = readFileSync(result.run!.logFile, 'utf8');
		assert.match(console, /caching text encoder outputs\./);
		assert.match(console, /total optimization steps \/ 学習ステップ数: 12/);
		const checkpoint = join(root, 'model', 'sdxl7r41n-000001.safetensors');
		assert.ok(existsSync(checkpoint), 'the epoch checkpoint has sd-scripts\' name');
		const metadata = metadataOf(join(root, 'model', 'sdxl7r41n.safetensors'));
		assert.equal(metadata.ss_base_model_version, 'sdxl_base_v1-0');
		assert.equal(metadata.ss_network_module, 'networks.lora');
	});

	it('a Flux.1 folder trains with flux_train_network.py, networks.lora_flux and its four model files', async () => {
		const models = fluxModelFiles(join(testWorkspace() ?? tmpdir(), 'flux-models'));
		const root = await makeFolder('flux7r41n', `  model: flux1\n${Object.entries(models).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('')}`);
		const result = await trainAndWatch(root, 'flux7r41n');
		const plan = result.plan!;
		assert.equal(plan.family, 'flux1');
		assert.ok(plan.command.args.includes(join(STANDIN(), 'flux_train_network.py')), plan.command.args.join(' '));
		const config = readFileSync(plan.files.configFile, 'utf8');
		assert.match(config, /^network_module = "networks\.lora_flux"$/m);
		assert.match(config, new RegExp(`^t5xxl = ${JSON.stringify(models.t5xxl).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
		assert.match(config, /^timestep_sampling = "shift"$/m);
		assert.match(config, /^guidance_scale = 1\.0$/m);
		assert.match(config, /^fp8_base = true$/m);
		assert.doesNotMatch(config, /clip_skip|max_token_length|no_half_vae/);
		const console = readFileSync(result.run!.logFile, 'utf8');
		assert.match(console, /FLUX: Gradient checkpointing enabled\./);
		const metadata = metadataOf(join(root, 'model', 'flux7r41n.safetensors'));
		assert.equal(metadata.ss_base_model_version, 'flux1');
		assert.equal(metadata.ss_network_module, 'networks.lora_flux');
		assert.equal(metadata.ss_timestep_sampling, 'shift');
		assert.ok(existsSync(join(root, 'model', 'flux7r41n-000001.safetensors')));
	});

	it('a Flux.1 folder without its model files is refused before anything starts, naming each', async () => {
		const api = await activateExtension();
		const root = await makeFolder('flux3mpty', '  model: flux1\n');
		const before = api.testing.trainer.runs.all.length;
		const result = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', root, { skipConfirm: true });
		assert.equal(result?.started, false);
		for (const key of ['baseModel', 'clipL', 't5xxl', 'ae']) {
			assert.ok(result.errors.some((e) => e.includes(`training.${key} is empty: flux_train_network.py needs`)), `${key}: ${result.errors.join('\n')}`);
		}
		assert.equal(api.testing.trainer.runs.all.length, before, 'nothing was queued');
	});
});
