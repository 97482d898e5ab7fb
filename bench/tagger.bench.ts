/**
 * WD14 auto-tagging. (1) Throughput on 200 real-size JPEGs (2400x1600, from the shared photos) with the tiny
 * WD14-shaped test model, where decoding and preprocessing are nearly all of the work. (2) The same pipeline
 * with a model of realistic compute cost (a convolution stack over the 448x448 input, ~140 ms per image on
 * 2 cores), against pure inference of that model on the same number of images in the same run: the ratio
 * shows what decoding, preprocessing and caption writing add once they overlap inference.
 */
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tagImages } from '../src/core/tagger/tagImages';
import { TaggerSession } from '../src/core/tagger/session';
import { preprocessForTagger, toBatchTensor } from '../src/core/tagger/preprocess';
import { buildHeavyModel, buildMeanColourModel, selectedTagsCsv } from '../test/support/onnxBuilder';
import { BenchCase } from './harness';

const COUNT = Number(process.env.LORA_BENCH_TAGGER_IMAGES ?? 200);
const HEAVY_COUNT = Number(process.env.LORA_BENCH_TAGGER_HEAVY_IMAGES ?? 48);
const BATCH = 4;
const TAGS = 100;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
let dir: string | undefined;
let images: string[] = [];
let tinyModel = '';
let heavyModel = '';
/** The realistic case's images, preprocessed ahead (untimed) so the baseline times nothing but inference. */
let heavyPixels: Uint8Array[] = [];

async function prepare(): Promise<void> {
	if (dir) {
		return;
	}
	const sharp = (await import('sharp')).default;
	dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-tagger-'));
	const root = dir;
	const photos = ['people', 'other'].flatMap((sub) => readdirSync(join(shared, 'photos', sub)).map((n) => join(shared, 'photos', sub, n)));
	const tags = Array.from({ length: TAGS }, (_, i) => `tag_${i}`);
	tinyModel = join(root, 'tiny');
	heavyModel = join(root, 'heavy');
	await fs.mkdir(tinyModel);
	await fs.mkdir(heavyModel);
	await fs.writeFile(join(tinyModel, 'model.onnx'), buildMeanColourModel({
		tagCount: TAGS + 4,
		weights: Array.from({ length: TAGS + 4 }, (_, j) => [((j * 7) % 11 - 5) / 100, ((j * 3) % 7 - 3) / 100, ((j * 5) % 13 - 6) / 100]),
		bias: Array.from({ length: TAGS + 4 }, (_, j) => (j % 5) - 2),
	}));
	await fs.writeFile(join(tinyModel, 'selected_tags.csv'), selectedTagsCsv(tags));
	await fs.writeFile(join(heavyModel, 'model.onnx'), buildHeavyModel(TAGS + 4, [64, 128, 256, 512]));
	await fs.writeFile(join(heavyModel, 'selected_tags.csv'), selectedTagsCsv(tags));
	const imagesDir = join(root, 'images');
	await fs.mkdir(imagesDir);
	images = Array.from({ length: COUNT }, (_, i) => join(imagesDir, `img_${String(i).padStart(4, '0')}.jpg`));
	let next = 0;
	const worker = async () => {
		while (next < COUNT) {
			const i = next++;
			// Alternate landscape and portrait, and flip every other one, so the files differ.
			const [width, height] = i % 3 === 0 ? [1600, 2400] : [2400, 1600];
			let pipeline = sharp(photos[i % photos.length]).resize(width, height, { fit: 'cover' });
			if (i % 2) {
				pipeline = pipeline.flop();
			}
			await pipeline.jpeg({ quality: 90 }).toFile(images[i]);
		}
	};
	await Promise.all([worker(), worker()]);
}

async function clearCaptions(): Promise<void> {
	await Promise.all(images.map((image) => fs.rm(image.replace(/\.jpg$/, '.txt'), { force: true })));
}

export const cases: BenchCase[] = [
	{
		name: 'tagger: 200 real-size images, tiny model',
		setup: async () => {
			await prepare();
			await clearCaptions();
		},
		run: async () => {
			const result = await tagImages({ modelDir: tinyModel, images, mode: 'overwrite', batchSize: BATCH, prefix: { trigger: 'tok' } });
			if (result.tagged.length !== images.length) {
				throw new Error(`tagged ${result.tagged.length} of ${images.length}: ${result.problems.map((p) => p.message).join('; ')}`);
			}
			return { work: images.length, unit: 'images', ms: result.totalMs, note: `inference ${result.inferenceMs.toFixed(0)} ms of it` };
		},
	},
	{
		name: 'tagger: pure inference, realistic-cost model',
		setup: async () => {
			await prepare();
			heavyPixels = [];
			for (const image of images.slice(0, HEAVY_COUNT)) {
				heavyPixels.push(await preprocessForTagger(image, 448));
			}
		},
		run: async () => {
			const session = await TaggerSession.open(heavyModel);
			try {
				const size = session.contract.inputSize;
				await session.run(toBatchTensor(heavyPixels.slice(0, BATCH), size), BATCH);
				let inferenceMs = 0;
				for (let done = 0; done < heavyPixels.length; done += BATCH) {
					const batch = heavyPixels.slice(done, done + BATCH);
					inferenceMs += (await session.run(toBatchTensor(batch, size), batch.length)).inferenceMs;
				}
				return { work: heavyPixels.length, unit: 'images', ms: inferenceMs, note: 'the same images, preprocessed ahead; time inside onnxruntime run() only' };
			} finally {
				await session.dispose();
			}
		},
	},
	{
		name: 'tagger: whole pipeline, realistic-cost model',
		baseline: 'tagger: pure inference, realistic-cost model',
		setup: async () => {
			await prepare();
			await clearCaptions();
		},
		run: async () => {
			const subset = images.slice(0, HEAVY_COUNT);
			const result = await tagImages({ modelDir: heavyModel, images: subset, mode: 'overwrite', batchSize: BATCH, prefix: { trigger: 'tok' } });
			if (result.tagged.length !== subset.length) {
				throw new Error(`tagged ${result.tagged.length} of ${subset.length}`);
			}
			return { work: subset.length, unit: 'images', ms: result.totalMs, note: `inference inside this run ${result.inferenceMs.toFixed(0)} ms; total/inference ${(result.totalMs / result.inferenceMs).toFixed(2)}x` };
		},
		teardown: async () => {
			if (dir) {
				await fs.rm(dir, { recursive: true, force: true });
				dir = undefined;
			}
		},
	},
];
