import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, cwd: tmpdir() });
	return { code, out, err };
}

describe('lora-workbench scan', () => {
	let root: string;
	before(async () => {
		root = await mkdtemp(join(tmpdir(), 'lw-scan-'));
		const face = join(root, 'images', '24_zed woman');
		const body = join(root, 'images', '16_zed woman');
		await mkdir(face, { recursive: true });
		await mkdir(body, { recursive: true });
		// Only names matter without buckets; the bytes are never decoded.
		for (let i = 0; i < 28; i++) {
			await writeFile(join(face, `f${i}.jpg`), 'x');
			await writeFile(join(face, `f${i}.txt`), 'zed, smile');
		}
		for (let i = 0; i < 16; i++) {
			await writeFile(join(body, `b${i}.png`), 'x');
		}
		await writeFile(join(root, 'lora-workbench.yaml'), 'trigger: zed\nclass: woman\nsubsets:\n  images/24_zed woman: {role: face}\n  images/16_zed woman: {role: body}\ntraining:\n  epochs: 10\n');
	});
	after(async () => {
		await rm(root, { recursive: true, force: true });
	});

	it('--json prints the subsets and the running-training numbers', async () => {
		const { code, out } = await cli(['scan', root, '--json']);
		assert.equal(code, 0);
		const report = JSON.parse(out);
		assert.deepEqual(report.subsets.map((s: { dir: string; repeats: number; classTokens: string; images: number; captioned: number; role: string }) => [s.dir, s.repeats, s.classTokens, s.images, s.captioned, s.role]), [
			[join(root, 'images', '16_zed woman'), 16, 'zed woman', 16, 0, 'body'],
			[join(root, 'images', '24_zed woman'), 24, 'zed woman', 28, 28, 'face'],
		]);
		assert.equal(report.trainImagesTimesRepeats, 928);
		assert.equal(report.batchesPerEpoch, 928);
		assert.equal(report.stepsPerEpoch, 928);
		assert.equal(report.totalSteps, 9280);
		assert.ok(report.checks.some((c: { code: string; ok: boolean }) => c.code === 'total-steps' && !c.ok));
		assert.ok(report.checks.some((c: { code: string; ok: boolean }) => c.code === 'face-body-ratio' && c.ok));
	});

	it('flags override the settings file', async () => {
		const { out } = await cli(['scan', root, '--json', '--batch-size', '4', '--epochs', '2', '--grad-accum', '2', '--gpus', '2']);
		const report = JSON.parse(out);
		// 928 / 4 = 232 batches; 2 GPUs -> 116; accumulation 2 -> 58 steps per epoch; 2 epochs -> 116.
		assert.equal(report.batchesPerEpoch, 116);
		assert.equal(report.stepsPerEpoch, 58);
		assert.equal(report.totalSteps, 116);
	});

	it('prints the running-training block for people', async () => {
		const { out } = await cli(['scan', root]);
		assert.match(out, /num train images \* repeats: 928/);
		assert.match(out, /24_zed woman · face · 28 images × 24 = 672/);
		assert.match(out, /total optimization steps: 9280/);
	});

	it('a missing folder exits 1 with a message; bad flags exit 2', async () => {
		const missing = await cli(['scan', join(root, 'nope')]);
		assert.equal(missing.code, 1);
		assert.match(missing.out, /does not exist/);
		assert.equal((await cli(['scan', root, '--epochs', 'x'])).code, 2);
		assert.equal((await cli(['scan'])).code, 2);
	});
});
