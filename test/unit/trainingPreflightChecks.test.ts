import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../support/paths';
import { runCli } from '../../src/cli';
import { scanTrainingFolder } from '../../src/core/dataset';
import { centreCrop } from '../../src/core/training/bucketCrop';
import { planTraining } from '../../src/core/training/plan';
import { PreflightOptions, preflightFindings } from '../../src/core/training/preflight';
import { isLocalModelPath } from '../../src/core/training/preflightTrainer';
import { readTrainingSection } from '../../src/core/training/trainingFields';

const standin = join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');

async function folderWith(training: string, sizes: [number, number][] = [[512, 512]]): Promise<{ parent: string; root: string }> {
	const parent = mkdtempSync(join(tmpdir(), 'preflight-checks-'));
	const root = join(parent, 'ch3ck');
	const subset = join(root, 'images', '16_ch3ck woman');
	mkdirSync(subset, { recursive: true });
	for (const [i, [width, height]] of sizes.entries()) {
		await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(subset, `body_0${i + 1}.png`));
		writeFileSync(join(subset, `body_0${i + 1}.txt`), 'ch3ck, 1girl, full body');
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), `trigger: ch3ck\nclass: woman\ntraining:\n${training}`);
	return { parent, root };
}

async function check(root: string, options: PreflightOptions = {}) {
	const folder = await scanTrainingFolder(root);
	const plan = planTraining(folder, { gpu: { bf16: true }, sdScriptsDir: standin, launcher: { kind: 'executable', path: 'accelerate' } });
	return { plan, ...(await preflightFindings(folder, plan, options)) };
}

test('centre crop with buckets off is sd-scripts\' own: scale to cover, cut both ends equally (trim // 2 first)', () => {
	assert.deepEqual(centreCrop([512, 768], [512, 512]), { resized: [512, 768], left: 0, right: 0, top: 128, bottom: 128, kept: [0, 128, 512, 640] });
	// 1024x1536 scales by 0.5 first; the kept rows are given in the original's pixels.
	assert.deepEqual(centreCrop([1024, 1536], [512, 512]).kept, [0, 256, 1024, 1280]);
	// An odd trim: 512x769 -> 257 px; p = 257 // 2 = 128 from the top, 129 from the bottom.
	assert.deepEqual(centreCrop([512, 769], [512, 512]), { resized: [512, 769], left: 0, right: 0, top: 128, bottom: 129, kept: [0, 128, 512, 640] });
	assert.deepEqual(centreCrop([768, 512], [512, 512]), { resized: [768, 512], left: 128, right: 128, top: 0, bottom: 0, kept: [128, 0, 640, 512] });
	assert.deepEqual(centreCrop([1024, 1024], [512, 512]), { resized: [512, 512], left: 0, right: 0, top: 0, bottom: 0, kept: [0, 0, 1024, 1024] });
});

test('512x768 body images with buckets off: the preflight says the exact crop and offers to turn buckets on', async () => {
	const { root } = await folderWith('  epochs: 1\n', [[512, 768], [512, 768], [512, 512]]);
	const found = await check(root);
	assert.deepEqual(found.errors, []);
	assert.deepEqual(found.offers, ['enable-buckets']);
	assert.ok(found.warnings.includes('buckets are off, so sd-scripts scales 2 image(s) to cover 512x512 and trains only the centre: e.g. images/16_ch3ck woman/body_01.png (512x768) keeps rows 128-640 of 768, cutting 128 px off the top and 128 px off the bottom: the head or the feet of a body shot. Turn buckets on (training.enableBucket: true) to train whole images'), found.warnings.join('\n'));
	const on = await folderWith('  epochs: 1\n  enableBucket: true\n', [[512, 768]]);
	assert.deepEqual((await check(on.root)).offers, [], 'with buckets on nothing is cropped');
});

test('the GPU count, a local base model, the resume folder and the packages a module or optimizer needs are checked before training', async () => {
	const { root } = await folderWith([
		'  gpus: 2',
		'  baseModel: models/sd15-pruned.safetensors',
		'  networkModule: lycoris.kohya',
		'  extra:',
		'    resume: model/ch3ck-000004-state',
		'',
	].join('\n'));
	const found = await check(root, { environment: { gpuCount: 1, gpuNames: ['RTX 3060'], packages: { lycoris: null, bitsandbytes: null } } });
	assert.deepEqual(found.errors, [
		'training.gpus is 2 but this machine has 1 GPU(s) (RTX 3060); set training.gpus to 1 or fewer',
		`training.baseModel models/sd15-pruned.safetensors does not exist (looked for ${join(root, 'models', 'sd15-pruned.safetensors')}); point it at your .safetensors/.ckpt file or a diffusers folder, or use a Hugging Face id such as stable-diffusion-v1-5/stable-diffusion-v1-5`,
		`training.extra.resume model/ch3ck-000004-state is the state folder to resume from but ${join(root, 'model', 'ch3ck-000004-state')} does not exist; pick an existing <name>-<epoch>-state folder (written with save_state) or remove the setting`,
		'training.networkModule lycoris.kohya needs LyCORIS, which is not installed in sd-scripts\' environment: pip install lycoris_lora there, or use networks.lora',
		'the optimizer AdamW8bit ("auto" picks it on GPUs with bf16) needs bitsandbytes, which is not installed in sd-scripts\' environment: pip install bitsandbytes there, or set training.optimizer: AdamW',
	]);
	// All there: no errors, and an idle second GPU is a note.
	mkdirSync(join(root, 'models'));
	writeFileSync(join(root, 'models', 'sd15-pruned.safetensors'), '');
	mkdirSync(join(root, 'model', 'ch3ck-000004-state'), { recursive: true });
	const ok = await check(root, { environment: { gpuCount: 2, packages: { lycoris: '3.1.1', bitsandbytes: '0.45.0' } } });
	assert.deepEqual(ok.errors, []);
	const one = await folderWith('  epochs: 1\n');
	assert.deepEqual((await check(one.root, { environment: { gpuCount: 2, gpuNames: ['A', 'B'], packages: { lycoris: null, bitsandbytes: '0.45.0' } } })).notes,
		['this machine has 2 GPU(s) (A, B); the training uses 1 (set training.gpus: 2 to use all, which also divides the steps per epoch)']);
});

test('Hugging Face ids are not paths; files, folders and Windows paths are', () => {
	assert.equal(isLocalModelPath('stable-diffusion-v1-5/stable-diffusion-v1-5'), false);
	for (const path of ['/models/sd15.safetensors', './sd15', '~/models/x.ckpt', 'C:\\models\\x.safetensors', 'sd15.ckpt', 'models/sd/v15']) {
		assert.equal(isLocalModelPath(path), true, path);
	}
});

test('the removed runwayml/stable-diffusion-v1-5 is read as stable-diffusion-v1-5/stable-diffusion-v1-5, with a note (editor and CLI)', async () => {
	const section = readTrainingSection({ baseModel: 'runwayml/stable-diffusion-v1-5' });
	assert.equal(section.settings.baseModel, 'stable-diffusion-v1-5/stable-diffusion-v1-5');
	assert.deepEqual(section.problems, []);
	assert.match(section.notes[0], /^training\.baseModel names runwayml\/stable-diffusion-v1-5, which RunwayML removed from Hugging Face in 2024/);
	const { parent, root } = await folderWith('  baseModel: runwayml/stable-diffusion-v1-5\n');
	const found = await check(root);
	assert.deepEqual(found.errors, []);
	assert.equal((found.plan.files.trainingConfig.model as Record<string, unknown>).pretrained_model_name_or_path, 'stable-diffusion-v1-5/stable-diffusion-v1-5');
	const err: string[] = [];
	const code = await runCli(['config', root, '--out', join(parent, 'out'), '--sd-scripts', standin], { out: () => undefined, err: (t) => err.push(t), cwd: parent });
	assert.equal(code, 0, err.join('\n'));
	assert.match(err.join('\n'), /^note: lora-workbench\.yaml: training\.baseModel names runwayml\/stable-diffusion-v1-5/m);
});
