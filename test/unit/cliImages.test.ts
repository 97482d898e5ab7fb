import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../src/cli';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, cwd: process.cwd() });
	return { code, out, err };
}

describe('lora-workbench check and crop', () => {
	let dir: string;
	let root: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-cli-img-'));
		root = join(dir, 'folder');
		const face = join(root, 'images', '10_x woman');
		await mkdir(face, { recursive: true });
		await writeFile(join(root, 'lora-workbench.yaml'), 'trigger: x\nclassWord: woman\nsubsets:\n  images/10_x woman:\n    role: face\n');
		await sharp(sharedFixture('photos', 'people', 'obama.jpg')).resize(512, 512, { fit: 'cover', position: 'north' }).jpeg({ quality: 92 }).toFile(join(face, 'obama.jpg'));
		await copyFile(sharedFixture('photos', 'people', 'two_people.jpg'), join(face, 'two.jpg'));
		await copyFile(sharedFixture('photos', 'people', 'darknet_person.jpg'), join(face, 'noface.jpg'));
		const bytes = await readFile(sharedFixture('photos', 'people', 'obama1.jpg'));
		await writeFile(join(face, 'broken.jpg'), bytes.subarray(0, 5000));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('check --json prints {file, code, severity, message, details} for each problem, exit 1', async () => {
		const { code, out } = await cli(['check', root, '--json', '--face-model', MODEL]);
		assert.equal(code, 1);
		const problems = JSON.parse(out) as Array<{ file: string; code: string; severity: string; message: string; details: Record<string, unknown> }>;
		const codesOf = (file: string) => problems.filter((p) => p.file === join('images', '10_x woman', file)).map((p) => p.code).sort();
		assert.deepEqual(codesOf('obama.jpg'), []);
		assert.deepEqual(codesOf('broken.jpg'), ['unreadable']);
		assert.ok(codesOf('two.jpg').includes('other-people'));
		assert.ok(codesOf('two.jpg').includes('wrong-size'));
		assert.ok(codesOf('noface.jpg').includes('no-face'));
		for (const p of problems) {
			assert.deepEqual(Object.keys(p).sort(), ['code', 'details', 'file', 'message', 'severity']);
		}
		const faces = problems.find((p) => p.code === 'other-people')!.details.faces as Array<{ x: number; width: number }>;
		assert.equal(faces.length, 2);
	});
	it('check without a face model still checks the rest and says why faces were skipped', async () => {
		const { code, out, err } = await cli(['check', root, '--face-model', join(dir, 'missing.onnx')]);
		assert.equal(code, 1);
		assert.match(out, /broken\.jpg: error unreadable/);
		assert.match(err, /face checks skipped/);
	});
	it('check of a missing folder is a usage error', async () => {
		assert.equal((await cli(['check', join(dir, 'nope')])).code, 2);
	});
	it('crop writes the proposed face crop and prints its box', async () => {
		const out = join(dir, 'crop.png');
		const source = sharedFixture('photos', 'people', 'obama.jpg');
		const before = await readFile(source);
		const result = await cli(['crop', source, '--size', '512x512', '--out', out, '--face-model', MODEL]);
		assert.equal(result.code, 0, result.err);
		const match = /box: x=(\d+) y=(\d+) width=(\d+) height=(\d+) \(centred on the face/.exec(result.out);
		assert.ok(match, result.out);
		assert.equal(match[3], match[4]);
		const meta = await sharp(out).metadata();
		assert.deepEqual([meta.width, meta.height], [512, 512]);
		assert.ok((await readFile(source)).equals(before));
	});
	it('crop rejects a bad --size', async () => {
		const result = await cli(['crop', sharedFixture('photos', 'people', 'obama.jpg'), '--size', 'big', '--out', join(dir, 'x.png')]);
		assert.equal(result.code, 2);
		assert.match(result.err, /--size must look like 512x512/);
	});
});
