import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../src/cli';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const people = (name: string) => sharedFixture('photos', 'people', name);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, cwd: process.cwd() });
	return { code, out, err };
}

describe('lora-workbench likeness', () => {
	let dir: string;
	let root: string;
	const savedCache = process.env.XDG_CACHE_HOME;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-cli-likeness-'));
		// The embedding cache goes under XDG_CACHE_HOME: a fresh one, so the first run really computes.
		process.env.XDG_CACHE_HOME = join(dir, 'cache');
		root = join(dir, 'person');
		const subset = join(root, 'images', '10_ohwx man');
		await mkdir(subset, { recursive: true });
		for (const name of ['obama.jpg', 'obama1.jpg', 'obama3.jpg', 'biden2.jpg']) {
			await sharp(people(name)).rotate().resize(768, 768, { fit: 'inside' }).jpeg().toFile(join(subset, name));
		}
		const sample = join(root, 'model', 'sample');
		await mkdir(sample, { recursive: true });
		const write = (epoch: number, index: number, from: string) => sharp(from).rotate().resize(512, 512, { fit: 'inside' }).png()
			.toFile(join(sample, `ohwx_e${String(epoch).padStart(6, '0')}_${String(index).padStart(2, '0')}_20260216121314.png`));
		await write(1, 0, people('biden.jpg'));
		await write(2, 0, people('obama2.jpg'));
		await write(3, 0, join(subset, 'obama.jpg'));
	});
	after(async () => {
		process.env.XDG_CACHE_HOME = savedCache;
		await rm(dir, { recursive: true, force: true });
	});

	it('exits 1 and names the wrong-person picture, with every face\'s distance and pose in --json', async () => {
		const { code, out } = await cli(['likeness', root, '--json', '--face-model', MODEL]);
		assert.equal(code, 1);
		const report = JSON.parse(out) as { reference: { source: string }; problems: { file: string; code: string; message: string }[]; pictures: { file: string; verdict: string; distance: number }[]; pose: { missing: string[] } };
		assert.equal(report.reference.source, 'dataset');
		const wrong = report.problems.filter((p) => p.code === 'wrong-person');
		assert.deepEqual(wrong.map((p) => p.file), [join('images', '10_ohwx man', 'biden2.jpg')]);
		assert.match(wrong[0].message, /^biden2\.jpg looks like someone else: the face is 0\.\d\d from the rest of the dataset/);
		assert.equal(report.pictures.filter((p) => p.verdict === 'same').length, 3);
		assert.ok(report.pose.missing.includes('no face looking up (from below)'));
	});

	it('--samples prints the per-epoch table and recommends the epoch before the copy', async () => {
		const { code, out } = await cli(['likeness', root, '--samples', '--face-model', MODEL]);
		assert.equal(code, 0, out);
		assert.match(out, /^epoch 2 \*\s+1\s+0\.\d\d/m, 'epoch 2 is marked as recommended');
		assert.match(out, /^epoch 3\s+1 .*100%$/m, 'epoch 3 copies a training picture');
		assert.match(out, /^Recommended: Epoch 2: median face distance 0\.\d\d .*before copying starts at epoch 3\.$/m);
	});

	it('names a sample folder without epoch numbers and a reference picture without a face', async () => {
		const plain = join(dir, 'generated');
		await mkdir(plain, { recursive: true });
		await sharp(people('obama2.jpg')).resize(256).png().toFile(join(plain, 'portrait.png'));
		const noEpoch = await cli(['likeness', root, '--samples', plain, '--face-model', MODEL]);
		assert.equal(noEpoch.code, 1);
		assert.match(noEpoch.err, /No file in .*generated has an epoch number in its name \(e\.g\. .*portrait\.png\)/);
		await writeFile(join(root, 'lora-workbench.yaml'), 'likeness:\n  reference: [ref/dog.jpg]\n');
		await mkdir(join(root, 'ref'));
		await sharp(sharedFixture('photos', 'other', 'dog.jpg')).jpeg().toFile(join(root, 'ref', 'dog.jpg'));
		const withRef = await cli(['likeness', root, '--face-model', MODEL]);
		assert.match(withRef.out, /^note: The reference picture .*ref\/dog\.jpg has no face the detector can find/m);
		assert.match(withRef.out, /Reference: the dataset's own faces/);
		await rm(join(root, 'lora-workbench.yaml'));
	});

	it('refuses a second folder without --samples', async () => {
		const { code, err } = await cli(['likeness', root, root]);
		assert.equal(code, 2);
		assert.match(err, /give one folder/);
	});
});
