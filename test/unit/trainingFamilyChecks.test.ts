import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import { familyOfBaseModelVersion, summarizeMetadata } from '../../src/core/checkpoints/metadata';
import { scanTrainingFolder } from '../../src/core/dataset';
import { fluxModelFileFindings, gpuMemoryAdvice, missingFamilyError, missingFamilyFiles } from '../../src/core/training/familyChecks';
import { planTraining } from '../../src/core/training/plan';
import { preflightFindings } from '../../src/core/training/preflight';
import { familiesItem } from '../../src/core/training/setup';
import { presetFor } from '../../src/core/training/settingsTable';
import type { TrainerSettings } from '../../src/core/training/trainingSettings';

/** Issue 18.2: the setup check and the preflight know what each model family needs. */

const standin = join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');

function tensorFile(path: string, tensors: Record<string, number[]>): string {
	const data = new Uint8Array(8);
	writeFileSync(path, encodeSafetensors(Object.fromEntries(Object.entries(tensors).map(([name, shape]) => [name, { dtype: 'F16' as const, shape, data }])), {}));
	return path;
}

/** Small files with the tensor names (and the AE's 16 channels) of Flux.1's four parts. */
function fluxFiles(dir: string): Pick<TrainerSettings, 'baseModel' | 'clipL' | 't5xxl' | 'ae'> {
	mkdirSync(dir, { recursive: true });
	return {
		baseModel: tensorFile(join(dir, 'flux1-dev.safetensors'), { 'double_blocks.0.img_attn.qkv.weight': [2, 2], 'single_blocks.0.linear1.weight': [2, 2] }),
		clipL: tensorFile(join(dir, 'clip_l.safetensors'), { 'text_model.encoder.layers.0.mlp.fc1.weight': [2, 2] }),
		t5xxl: tensorFile(join(dir, 't5xxl_fp16.safetensors'), { 'encoder.block.0.layer.0.SelfAttention.q.weight': [2, 2] }),
		ae: tensorFile(join(dir, 'ae.safetensors'), { 'decoder.conv_in.weight': [512, 16, 3, 3], 'encoder.conv_in.weight': [128, 3, 3, 3] }),
	};
}

test('Flux.1\'s four model files: present, whole, and each the right model by its header', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'flux-files-'));
	const files = fluxFiles(join(dir, 'models'));
	const settings = { ...presetFor('flux1'), ...files };
	assert.deepEqual(await fluxModelFileFindings(dir, settings), { errors: [], notes: [] });
	// Relative paths are read from the training folder, as sd-scripts (run there) reads them.
	assert.deepEqual((await fluxModelFileFindings(dir, { ...settings, clipL: 'models/clip_l.safetensors' })).errors, []);

	const swapped = await fluxModelFileFindings(dir, { ...settings, clipL: files.t5xxl, t5xxl: files.clipL });
	assert.equal(swapped.errors.length, 2);
	assert.match(swapped.errors[0], /^training\.clipL .*t5xxl_fp16\.safetensors is not the CLIP-L text encoder \(clip_l\.safetensors\): its header has none of that model's tensors \(it has 1 tensors, e\.g\. encoder\.block\.0/);

	const sdVae = tensorFile(join(dir, 'models', 'sdxl_vae.safetensors'), { 'decoder.conv_in.weight': [512, 4, 3, 3] });
	assert.match((await fluxModelFileFindings(dir, { ...settings, ae: sdVae })).errors.join('\n'), /training\.ae has 4 latent channels: it is a Stable Diffusion VAE, not Flux\.1's ae\.safetensors/);

	// A download cut short: the header declares more data than the file holds.
	const cut = tensorFile(join(dir, 'models', 'cut.safetensors'), { 'double_blocks.0.img_attn.qkv.weight': [2, 2] });
	truncateSync(cut, 20 + 100);
	const cutFindings = await fluxModelFileFindings(dir, { ...settings, baseModel: cut });
	assert.match(cutFindings.errors.join('\n'), /^training\.baseModel must be the Flux\.1 transformer .*cut\.safetensors: .*(truncated|past the end)/);

	const missing = await fluxModelFileFindings(dir, { ...settings, ae: 'models/nope.safetensors' });
	assert.match(missing.errors[0], /^training\.ae models\/nope\.safetensors does not exist \(looked for .*nope\.safetensors\); point it at the Flux\.1 autoencoder/);
	// A diffusers folder is not a file flux_train_network.py loads.
	mkdirSync(join(dir, 'FLUX.1-dev'));
	assert.match((await fluxModelFileFindings(dir, { ...settings, baseModel: join(dir, 'FLUX.1-dev') })).errors[0], /single files, not diffusers folders/);
	// Nothing to check for the other families.
	assert.deepEqual(await fluxModelFileFindings(dir, { ...presetFor('sdxl'), ae: 'nope' }), { errors: [], notes: [] });
});

test('the preflight refuses a family the installed sd-scripts lacks, naming the files and the version it needs', async () => {
	const old = mkdtempSync(join(tmpdir(), 'old-sd-scripts-'));
	writeFileSync(join(old, 'train_network.py'), '');
	writeFileSync(join(old, 'sdxl_train_network.py'), '');
	mkdirSync(join(old, 'networks'));
	mkdirSync(join(old, 'library'));
	writeFileSync(join(old, 'networks', 'lora.py'), '');
	writeFileSync(join(old, 'library', 'sdxl_train_util.py'), '');
	assert.deepEqual(missingFamilyFiles(old, 'sdxl'), []);
	assert.deepEqual(missingFamilyFiles(old, 'flux1'), ['flux_train_network.py', 'networks/lora_flux.py', 'library/flux_train_utils.py']);
	assert.equal(missingFamilyError(old, 'sd15', undefined), undefined);
	assert.deepEqual(missingFamilyFiles(standin, 'flux1'), [], 'the stand-in trains every family');

	const item = familiesItem(old);
	assert.equal(item.ok, false);
	assert.equal(item.blocking, false, 'only a folder that trains Flux.1 needs it');
	assert.match(item.detail, /trains SD1\.5 \(train_network\.py\), SDXL \(sdxl_train_network\.py\); not Flux\.1 \(no flux_train_network\.py/);
	assert.match(item.fix ?? '', /Flux\.1 needs sd-scripts 0\.10\.0 or later/);
	assert.equal(familiesItem(standin).ok, true);

	const parent = mkdtempSync(join(tmpdir(), 'family-preflight-'));
	const root = join(parent, 'fl4x');
	mkdirSync(join(root, 'images', '10_fl4x woman'), { recursive: true });
	writeFileSync(join(root, 'images', '10_fl4x woman', 'a.png'), '');
	writeFileSync(join(root, 'images', '10_fl4x woman', 'a.txt'), 'fl4x, a woman smiling');
	const files = fluxFiles(join(parent, 'models'));
	writeFileSync(join(root, 'lora-workbench.yaml'), `trigger: fl4x\nclass: woman\ntraining:\n  model: flux1\n${Object.entries(files).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('')}`);
	const folder = await scanTrainingFolder(root);
	const plan = planTraining(folder, { gpu: { bf16: true }, sdScriptsDir: old, launcher: { kind: 'executable', path: 'accelerate' } });
	assert.equal(plan.family, 'flux1');
	assert.ok(plan.command.args.includes(join(old, 'flux_train_network.py')));
	const refused = await preflightFindings(folder, plan, { environment: { sdScriptsDir: old, sdScriptsVersion: 'version 0.9.1' } });
	assert.ok(refused.errors.some((e) => e.startsWith(`training.model is flux1, but the sd-scripts in ${old} (version 0.9.1) has no flux_train_network.py, networks/lora_flux.py, library/flux_train_utils.py: Flux.1 LoRAs need sd-scripts 0.10.0 or later`)), refused.errors.join('\n'));
	const fine = await preflightFindings(folder, planTraining(folder, { gpu: { bf16: true }, sdScriptsDir: standin, launcher: { kind: 'executable', path: 'accelerate' } }), { environment: { sdScriptsDir: standin, gpuMemoryMiB: 12 * 1024 } });
	assert.deepEqual(fine.errors.filter((e) => /flux|training\.(baseModel|clipL|t5xxl|ae)/i.test(e)), []);
	assert.ok(fine.warnings.some((w) => /the GPU has 12 GB; flux_train_network\.py as set will likely run out of memory\. sd-scripts' advice for 12 GB: training\.blocksToSwap: 16/.test(w)), fine.warnings.join('\n'));
});

test('GPU memory advice follows sd-scripts\' table for Flux.1 and its SDXL recommendations; none for SD1.5 or a big GPU', () => {
	const flux = presetFor('flux1');
	assert.deepEqual(gpuMemoryAdvice(flux, 24 * 1024), []);
	assert.deepEqual(gpuMemoryAdvice(flux, undefined), []);
	assert.match(gpuMemoryAdvice(flux, 16 * 1024)[0], /advice for 16 GB: training\.blocksToSwap: 8$/);
	assert.match(gpuMemoryAdvice(flux, 10 * 1024)[0], /training\.blocksToSwap: 22/);
	assert.match(gpuMemoryAdvice(flux, 8 * 1024)[0], /training\.blocksToSwap: 28/);
	assert.deepEqual(gpuMemoryAdvice({ ...flux, blocksToSwap: 16 }, 12 * 1024), [], 'already swapping enough');
	assert.match(gpuMemoryAdvice({ ...flux, fp8Base: false, gradientCheckpointing: false, blocksToSwap: 16 }, 12 * 1024)[0], /training\.gradientCheckpointing: true, training\.fp8Base: true$/);
	const sdxl = presetFor('sdxl');
	assert.deepEqual(gpuMemoryAdvice(sdxl, 12 * 1024), []);
	assert.match(gpuMemoryAdvice({ ...sdxl, gradientCheckpointing: false, cacheTextEncoderOutputs: false }, 10 * 1024)[0], /sdxl_train_network\.py .*training\.gradientCheckpointing: true, training\.cacheTextEncoderOutputs: true \(with networkTrainUnetOnly: true\), training\.fp8Base: true/);
	assert.deepEqual(gpuMemoryAdvice(presetFor('sd15'), 4 * 1024), []);
});

test('checkpoint metadata names SDXL and Flux.1 as sd-scripts writes them, with Flux.1\'s training parameters', () => {
	const field = (metadata: Record<string, string>, label: string) => summarizeMetadata(metadata).fields.find((f) => f.label === label)?.value;
	assert.equal(field({ ss_base_model_version: 'sdxl_base_v1-0' }, 'Base model'), 'SDXL 1.0');
	assert.equal(field({ ss_base_model_version: 'flux1', ss_sd_model_name: 'flux1-dev.safetensors' }, 'Base model'), 'Flux.1 (flux1-dev.safetensors)');
	const flux = { ss_base_model_version: 'flux1', ss_network_module: 'networks.lora_flux', ss_guidance_scale: '1.0', ss_timestep_sampling: 'shift', ss_discrete_flow_shift: '3.1582', ss_model_prediction_type: 'raw' };
	assert.equal(field(flux, 'Network'), 'networks.lora_flux');
	assert.equal(field(flux, 'Guidance scale'), '1.0');
	assert.equal(field(flux, 'Timestep sampling'), 'shift, shift 3.1582');
	assert.equal(field(flux, 'Model prediction'), 'raw');
	assert.equal(familyOfBaseModelVersion('sd_v1'), 'sd15');
	assert.equal(familyOfBaseModelVersion('sdxl_base_v1-0'), 'sdxl');
	assert.equal(familyOfBaseModelVersion('flux1'), 'flux1');
	assert.equal(familyOfBaseModelVersion('sd3'), undefined);
});
