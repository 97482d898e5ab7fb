import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { tagImages } from '../../src/core/tagger/tagImages';
import { TaggerModelError } from '../../src/core/tagger/labels';
import { buildMeanColourModel, selectedTagsCsv, Wd14TestModelSpec } from '../support/onnxBuilder';

/**
 * A model whose scores are sigmoid(w . [meanB, meanG, meanR] + b): the expected tags of a flat-colour
 * image follow from its colour and the white padding, computed here without the code under test.
 */
const GENERAL = ['red_hair', 'green_eyes', 'blue_sky', 'o_o', 'solo', 'dark'];
const CHARACTER = ['hatsune_miku_(vocaloid)'];
const third = 1 / 30;
const ROWS: Array<[number[], number]> = [
	[[0, 0, 0], 0], // general
	[[0, 0, 0.05], -6.4], // sensitive: red
	[[0, 0, 0], -5], // questionable
	[[0, 0, 0], -5], // explicit
	[[0, 0, 0.1], -12.8], // red_hair: R > 128
	[[0, 0.1, 0], -12.8], // green_eyes: G > 128
	[[0.1, 0, 0], -12.8], // blue_sky: B > 128
	[[third, third, third], -20], // o_o: brightness > 200
	[[0, 0, 0], 5], // solo: always
	[[-third, -third, -third], 8 / 3], // dark: brightness < 80
	[[0.05, 0.05, 0], -12.8], // hatsune_miku: B + G > 256
];
const SPEC: Wd14TestModelSpec = { tagCount: ROWS.length, weights: ROWS.map((r) => r[0]), bias: ROWS.map((r) => r[1]) };

interface FlatImage {
	name: string;
	width: number;
	height: number;
	rgb: [number, number, number];
	alpha?: number;
}

const IMAGES: FlatImage[] = [
	{ name: 'red.jpg', width: 512, height: 512, rgb: [220, 30, 30] },
	{ name: 'cyan.png', width: 300, height: 300, rgb: [20, 200, 210] },
	{ name: 'wide_red.png', width: 600, height: 300, rgb: [220, 30, 30] },
	{ name: 'dark.png', width: 640, height: 640, rgb: [20, 20, 40] },
	{ name: 'pale.png', width: 400, height: 800, rgb: [250, 250, 250] },
	{ name: 'transparent.png', width: 500, height: 500, rgb: [0, 0, 0], alpha: 0 },
];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Expected tags, by the model's formula over the padded square's channel means; also checks the margins. */
function expectedTags(image: FlatImage, underscores: boolean): { tags: string[]; rating: string } {
	const side = Math.max(image.width, image.height);
	const covered = (image.width * image.height) / (side * side);
	const alpha = (image.alpha ?? 255) / 255;
	const colour = image.rgb.map((c) => c * alpha + 255 * (1 - alpha));
	const [r, g, b] = colour.map((c) => covered * c + (1 - covered) * 255);
	const p = ROWS.map(([w, bias]) => sigmoid(w[0] * b + w[1] * g + w[2] * r + bias));
	for (const value of p.slice(4)) {
		assert.ok(Math.abs(value - 0.35) > 0.05, `test image ${image.name} sits too close to the threshold (${value})`);
	}
	const names = [...GENERAL, ...CHARACTER];
	const tags = names.filter((_, j) => p[j + 4] >= 0.35).map((t) => (underscores && t.length > 3 ? t.replace(/_/g, ' ') : t));
	const ratings = ['general', 'sensitive', 'questionable', 'explicit'];
	const rating = ratings[p.slice(0, 4).indexOf(Math.max(...p.slice(0, 4)))];
	return { tags, rating };
}

async function makeModel(spec: Wd14TestModelSpec = SPEC, csv = selectedTagsCsv(GENERAL, CHARACTER)): Promise<string> {
	const dir = mkdtempSync(join(tmpdir(), 'tagger-model-'));
	await fs.writeFile(join(dir, 'model.onnx'), buildMeanColourModel(spec));
	await fs.writeFile(join(dir, 'selected_tags.csv'), csv);
	return dir;
}

async function makeImages(images = IMAGES): Promise<{ dir: string; paths: string[] }> {
	const dir = mkdtempSync(join(tmpdir(), 'tagger-images-'));
	const paths: string[] = [];
	for (const image of images) {
		const path = join(dir, image.name);
		const [r, g, b] = image.rgb;
		const pipeline = sharp({ create: { width: image.width, height: image.height, channels: 4, background: { r, g, b, alpha: (image.alpha ?? 255) / 255 } } });
		await (image.name.endsWith('.png') ? pipeline.png() : pipeline.jpeg({ quality: 100 })).toFile(path);
		paths.push(path);
	}
	return { dir, paths };
}

const captionOf = (image: string) => fs.readFile(image.replace(/\.\w+$/, '.txt'), 'utf8');

test('tagger model: a real ONNX model through onnxruntime-node writes the tags computed independently, trigger and class word first', async () => {
	const modelDir = await makeModel();
	const { paths } = await makeImages();
	const result = await tagImages({ modelDir, images: paths, mode: 'overwrite', prefix: { trigger: '3mm4w4ts0n', classWord: 'woman' }, batchSize: 4 });
	assert.deepEqual(result.problems, []);
	assert.equal(result.tagged.length, IMAGES.length);
	assert.equal(result.contract.inputName, 'input_1:0');
	assert.equal(result.contract.outputName, 'predictions_sigmoid');
	for (let i = 0; i < IMAGES.length; i++) {
		const { tags } = expectedTags(IMAGES[i], true);
		assert.equal(await captionOf(paths[i]), `${['3mm4w4ts0n', 'woman', ...tags].join(', ')}\n`, IMAGES[i].name);
	}
	// The padding matters: the wide red image picks up green and blue from its white bars.
	assert.match(await captionOf(paths[2]), /red hair, green eyes, blue sky/);
	assert.match(await captionOf(paths[5]), /o_o/, 'short tags keep their underscore; transparent is white');
});

test('tagger model: v3-style names are read from the model; rating first, character tags first, keep underscores', async () => {
	const modelDir = await makeModel({ ...SPEC, inputName: 'input', outputName: 'output' });
	const { paths } = await makeImages([IMAGES[1], IMAGES[2]]);
	const result = await tagImages({
		modelDir, images: paths, mode: 'overwrite', batchSize: 1,
		selection: { ratingTags: 'first', characterTagsFirst: true }, processing: { removeUnderscores: false },
	});
	assert.equal(result.contract.inputName, 'input');
	assert.equal(result.contract.outputName, 'output');
	const characterFirst = (tags: string[]) => [...tags.filter((t) => CHARACTER.includes(t)), ...tags.filter((t) => !CHARACTER.includes(t))];
	const cyan = expectedTags(IMAGES[1], false);
	assert.ok(cyan.tags.includes('hatsune_miku_(vocaloid)'));
	assert.equal(await captionOf(paths[0]), `${[cyan.rating, ...characterFirst(cyan.tags)].join(', ')}\n`);
	const wide = expectedTags(IMAGES[2], false);
	assert.equal(wide.rating, 'sensitive');
	assert.equal(await captionOf(paths[1]), `${['sensitive', ...characterFirst(wide.tags)].join(', ')}\n`);
});

test('tagger model: a fixed batch dimension overrides the batch size (3 images through a batch-2 model)', async () => {
	const modelDir = await makeModel({ ...SPEC, batch: 2 });
	const { paths } = await makeImages(IMAGES.slice(0, 3));
	const result = await tagImages({ modelDir, images: paths, mode: 'overwrite', batchSize: 8 });
	assert.equal(result.contract.fixedBatch, 2);
	assert.equal(result.tagged.length, 3);
	assert.equal(await captionOf(paths[2]), `${expectedTags(IMAGES[2], true).tags.join(', ')}\n`);
});

test('tagger model: skip leaves captioned images alone; append adds only new tags', async () => {
	const modelDir = await makeModel();
	const { paths } = await makeImages(IMAGES.slice(0, 2));
	await fs.writeFile(paths[0].replace('.jpg', '.txt'), 'mine, red_hair\n');
	const skipped = await tagImages({ modelDir, images: paths, mode: 'skip' });
	assert.deepEqual(skipped.skipped, [paths[0]]);
	assert.equal(await captionOf(paths[0]), 'mine, red_hair\n');
	assert.equal(skipped.tagged.length, 1);
	const appended = await tagImages({ modelDir, images: [paths[0]], mode: 'append', prefix: { trigger: 'tok' } });
	const added = expectedTags(IMAGES[0], true).tags.filter((t) => t !== 'red hair');
	assert.equal(await captionOf(paths[0]), `${['tok', 'mine', 'red_hair', ...added].join(', ')}\n`);
	assert.equal(appended.tagged[0].previous, 'mine, red_hair\n', 'the old content is kept for undo');
});

test('tagger model: an image that does not decode is named and the run goes on', async () => {
	const modelDir = await makeModel();
	const { dir, paths } = await makeImages(IMAGES.slice(0, 2));
	const broken = join(dir, 'broken.jpg');
	await fs.writeFile(broken, Buffer.from('this is not a JPEG at all'));
	const result = await tagImages({ modelDir, images: [paths[0], broken, paths[1]], mode: 'overwrite', batchSize: 2 });
	assert.equal(result.tagged.length, 2);
	assert.equal(result.problems.length, 1);
	assert.equal(result.problems[0].file, broken);
	assert.match(result.problems[0].message, /broken\.jpg could not be decoded .* Re-save it as JPEG or PNG/);
	await assert.rejects(fs.access(broken.replace('.jpg', '.txt')));
});

test('tagger model: a folder without selected_tags.csv, a CSV of the wrong length and a corrupt model.onnx are named', async () => {
	const { paths } = await makeImages(IMAGES.slice(0, 1));
	const noCsv = await makeModel();
	await fs.rm(join(noCsv, 'selected_tags.csv'));
	await assert.rejects(tagImages({ modelDir: noCsv, images: paths, mode: 'overwrite' }), (err: Error) => err instanceof TaggerModelError && err.message.includes(join(noCsv, 'selected_tags.csv')) && /is missing/.test(err.message));

	const wrongCount = await makeModel(SPEC, selectedTagsCsv(GENERAL.slice(0, 4), CHARACTER));
	await assert.rejects(tagImages({ modelDir: wrongCount, images: paths, mode: 'overwrite' }), /lists 9 tags but .*model\.onnx outputs 11 scores/);

	const corrupt = await makeModel();
	await fs.writeFile(join(corrupt, 'model.onnx'), Buffer.from('\x08\x07garbage that is not protobuf'));
	await assert.rejects(tagImages({ modelDir: corrupt, images: paths, mode: 'overwrite' }), (err: Error) => err instanceof TaggerModelError && err.message.startsWith(`${join(corrupt, 'model.onnx')} is not a readable ONNX model`));
	await assert.rejects(fs.access(paths[0].replace('.jpg', '.txt')), 'nothing was written');
});

test('tagger model: cancelling leaves every caption either old or new, and no temp files', async () => {
	const modelDir = await makeModel();
	const many = Array.from({ length: 12 }, (_, i) => ({ ...IMAGES[i % 4], name: `img${i}.${IMAGES[i % 4].name.split('.')[1]}` }));
	const { dir, paths } = await makeImages(many);
	for (const path of paths) {
		await fs.writeFile(path.replace(/\.\w+$/, '.txt'), 'old caption\n');
	}
	const controller = new AbortController();
	const result = await tagImages({
		modelDir, images: paths, mode: 'overwrite', batchSize: 2, signal: controller.signal,
		onProgress: (done) => { if (done === 3) { controller.abort(); } },
	});
	assert.equal(result.cancelled, true);
	assert.equal(result.tagged.length, 3);
	for (let i = 0; i < paths.length; i++) {
		const text = await captionOf(paths[i]);
		assert.equal(text, i < 3 ? `${expectedTags(many[i], true).tags.join(', ')}\n` : 'old caption\n');
	}
	assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('tagger model: appending to a Latin-1 caption skips it with a message naming the file and what to do; overwrite keeps its bytes for undo', async () => {
	const modelDir = await makeModel();
	const { paths } = await makeImages(IMAGES.slice(0, 2));
	const latin1 = paths[0].replace('.jpg', '.txt');
	const bytes = Buffer.from('caf\xe9, red_hair\n', 'latin1');
	await fs.writeFile(latin1, bytes);
	const appended = await tagImages({ modelDir, images: paths, mode: 'append' });
	assert.deepEqual(await fs.readFile(latin1), bytes, 'the Latin-1 caption is left byte for byte, never decoded into U+FFFD');
	assert.equal(appended.problems.length, 1);
	assert.equal(appended.problems[0].file, latin1);
	assert.match(appended.problems[0].message, /red\.txt is not UTF-8 \(byte 0xE9 at offset 3; probably Latin-1 or Windows-1252\), so .*red\.jpg was not tagged \(appending would garble it\)\. Re-save the caption as UTF-8, or tag it in overwrite mode to replace it\./);
	assert.deepEqual(appended.tagged.map((t) => t.image), [paths[1]], 'the other image is tagged');
	const overwritten = await tagImages({ modelDir, images: [paths[0]], mode: 'overwrite' });
	assert.deepEqual(overwritten.problems, []);
	assert.equal(await captionOf(paths[0]), `${expectedTags(IMAGES[0], true).tags.join(', ')}\n`);
	assert.equal(overwritten.tagged[0].previous, undefined);
	assert.deepEqual(Buffer.from(overwritten.tagged[0].previousBytes!), bytes, 'undo restores the exact bytes');
});
