import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../src/cli';
import { collectImportSources, findImportDuplicates, hashForImport } from '../../src/core/images/importSources';
import { sharedFixture } from '../support/paths';

const MODEL = sharedFixture('models', 'yunet_n_dynamic.onnx');
const photo = (name: string) => sharedFixture('photos', 'people', name);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, cwd: process.cwd() });
	return { code, out, err };
}

describe('import: sources, near-duplicates and the CLI', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-import-'));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('collects files and folders recursively, images only; names what it cannot take', async () => {
		const src = join(dir, 'collect');
		await mkdir(join(src, 'shoot', 'day 2'), { recursive: true });
		await mkdir(join(src, '.git'), { recursive: true });
		await writeFile(join(src, 'shoot', 'b.JPG'), '');
		await writeFile(join(src, 'shoot', 'a.png'), '');
		await writeFile(join(src, 'shoot', 'notes.txt'), '');
		await writeFile(join(src, 'shoot', 'day 2', 'c.webp'), '');
		await writeFile(join(src, '.git', 'x.png'), '');
		await writeFile(join(src, 'single.jpeg'), '');
		await writeFile(join(src, 'readme.md'), '');
		const found = await collectImportSources([join(src, 'single.jpeg'), join(src, 'shoot'), join(src, 'shoot', 'a.png'), join(src, 'readme.md'), join(src, 'gone.png')]);
		assert.deepEqual(found.images, [join(src, 'single.jpeg'), join(src, 'shoot', 'a.png'), join(src, 'shoot', 'b.JPG'), join(src, 'shoot', 'day 2', 'c.webp')]);
		assert.deepEqual(found.ignored, [join(src, 'shoot', 'notes.txt')]);
		assert.deepEqual(found.problems.map((p) => [p.path, p.reason.split(' (')[0]]), [[join(src, 'readme.md'), 'it is not an image'], [join(src, 'gone.png'), 'it does not exist']]);
	});

	it('a re-imported photo matches its crop in the subset; a different person does not', async () => {
		const crop = join(dir, 'dina_crop.png');
		// What the importer wrote earlier: a face crop of the photo, not the photo.
		const meta = await sharp(photo('unsplash_makhmutova_dina.jpg')).rotate().metadata();
		const side = Math.min(meta.width!, meta.height!);
		const box = { x: Math.round((meta.width! - side) / 2), y: Math.round((meta.height! - side) / 2), width: side, height: side };
		await sharp(photo('unsplash_makhmutova_dina.jpg')).rotate().extract({ left: box.x, top: box.y, width: side, height: side }).resize(512, 512).png().toFile(crop);
		const existing = [(await hashForImport(crop, 1e8))!];
		const again = (await hashForImport(photo('unsplash_makhmutova_dina.jpg'), 1e8, async () => box))!;
		const other = (await hashForImport(photo('obama.jpg'), 1e8, async (_image, w, h) => ({ x: 0, y: 0, width: Math.min(w, h), height: Math.min(w, h) })))!;
		const found = findImportDuplicates([other, again], existing, 6);
		assert.equal(found.length, 1, JSON.stringify(found));
		assert.equal(found[0].source, again.file);
		assert.equal(found[0].duplicateOf, crop);
		assert.equal(found[0].withinImport, false);
		// The same picture twice in one import: the second is named against the first.
		const twice = findImportDuplicates([other, { ...other, file: 'copy.jpg' }], [], 6);
		assert.deepEqual(twice.map((d) => [d.source, d.duplicateOf, d.withinImport]), [['copy.jpg', other.file, true]]);
	});

	it('lora-workbench import crops a folder into the subset and skips the near-duplicate of an image already there', async () => {
		const root = join(dir, 'folder');
		const face = join(root, 'images', '10_x woman');
		await mkdir(face, { recursive: true });
		await writeFile(join(root, 'lora-workbench.yaml'), 'trigger: x\nclass: woman\nsubsets:\n  images/10_x woman:\n    role: face\n');
		const sources = join(dir, 'sources', 'nested');
		await mkdir(sources, { recursive: true });
		await copyFile(photo('obama.jpg'), join(sources, 'obama.jpg'));
		await copyFile(photo('biden.jpg'), join(sources, 'biden.jpg'));
		await writeFile(join(sources, 'notes.txt'), 'not an image');
		const first = await cli(['import', root, join(dir, 'sources'), '--subset', 'x woman', '--face-model', MODEL]);
		assert.equal(first.code, 0, first.err + first.out);
		assert.deepEqual((await readdir(face)).sort(), ['biden.png', 'obama.png']);
		assert.match(first.out, /obama\.jpg -> .*obama\.png \(512x512, on the face\)/);
		assert.match(first.err, /Left out 1 file that is not an image/);
		const meta = await sharp(join(face, 'obama.png')).metadata();
		assert.deepEqual([meta.width, meta.height], [512, 512]);

		// Importing obama.jpg again: its crop is already in the subset, so it is skipped and named; exit 1.
		await copyFile(photo('obama1.jpg'), join(dir, 'obama1.jpg'));
		const again = await cli(['import', root, photo('obama.jpg'), join(dir, 'obama1.jpg'), '--subset', '10_x woman', '--face-model', MODEL]);
		assert.equal(again.code, 1, again.err + again.out);
		assert.match(again.err, /obama\.jpg looks like the subset's obama\.png \(hash distance \d+ of 64\): skipped/);
		assert.match(again.out, /1 written, 1 skipped as near-duplicates/);
		assert.deepEqual((await readdir(face)).sort(), ['biden.png', 'obama.png', 'obama1.png']);

		const bad = await cli(['import', root, photo('obama.jpg'), '--subset', 'nope']);
		assert.equal(bad.code, 2);
		assert.match(bad.err, /has no subset "nope"; its subsets: "10_x woman"/);
	});
});
