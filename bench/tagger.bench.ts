/**
 * WD14 auto-tagging. (0) Preprocessing alone on real photos, 220 at their native sizes (0.2-6 MP) and 150 at
 * camera size (12 MP), against sd-scripts' own preprocessing (bench/wd14_preprocess.py, one Python process,
 * run when a python3 with Pillow, numpy and opencv is found: LORA_BENCH_PYTHON, python3, /usr/bin/python3).
 * (1) Throughput on 200 real-size JPEGs (2400x1600, from the shared photos) with the tiny
 * WD14-shaped test model, where decoding and preprocessing are nearly all of the work. (2) The same pipeline
 * with a model of realistic compute cost (a convolution stack over the 448x448 input, ~140 ms per image on
 * 2 cores), against pure inference of that model on the same number of images in the same run: the ratio
 * shows what decoding, preprocessing and caption writing add once they overlap inference.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { promises as fs, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tagImages } from '../src/core/tagger/tagImages';
import { TaggerSession } from '../src/core/tagger/session';
import { preprocessForTagger, toBatchTensor } from '../src/core/tagger/preprocess';
import { TaggerPreprocessPool } from '../src/core/tagger/preprocessPool';
import { buildHeavyModel, buildMeanColourModel, selectedTagsCsv } from '../test/support/onnxBuilder';
import { BenchCase } from './harness';
import { pythonForSdScripts } from '../test/support/sdScriptsPython';

const COUNT = Number(process.env.LORA_BENCH_TAGGER_IMAGES ?? 200);
const HEAVY_COUNT = Number(process.env.LORA_BENCH_TAGGER_HEAVY_IMAGES ?? 48);
const BATCH = 4;
const TAGS = 100;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
let dir: string | undefined;
let images: string[] = [];
let tinyModel = '';
let heavyModel = '';
/** Pure inference of the realistic case, measured in this run: wall time inside run() and the process's CPU time. */
let pureInference: { ms: number; cpuMs: number } | undefined;
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

const NATIVE_COUNT = Number(process.env.LORA_BENCH_TAGGER_NATIVE ?? 220);
const CAMERA_COUNT = Number(process.env.LORA_BENCH_TAGGER_CAMERA ?? 150);
const photoSets = new Map<string, { dir: string; files: string[]; megapixels: number }>();

/**
 * `count` JPEGs made from the shared real photos, each re-encoded at its own size (`camera` false: 0.2-6 MP)
 * or resized to 4000x3000 / 3000x4000 (`camera` true), every other one mirrored so no two files are equal.
 */
async function photoSet(count: number, camera: boolean): Promise<{ files: string[]; megapixels: number }> {
	const key = `${count}-${camera}`;
	const made = photoSets.get(key);
	if (made) {
		return made;
	}
	const sharp = (await import('sharp')).default;
	const setDir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-wd14-'));
	const photos = ['people', 'other'].flatMap((sub) => readdirSync(join(shared, 'photos', sub)).map((n) => join(shared, 'photos', sub, n)));
	const files = Array.from({ length: count }, (_, i) => join(setDir, `photo_${String(i).padStart(4, '0')}.jpg`));
	let pixels = 0;
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const i = next++;
			let pipeline = sharp(photos[i % photos.length]);
			if (camera) {
				const [width, height] = i % 3 === 0 ? [3000, 4000] : [4000, 3000];
				pipeline = pipeline.resize(width, height, { fit: 'cover' });
			}
			if (Math.floor(i / photos.length) % 2) {
				pipeline = pipeline.flop();
			}
			const info = await pipeline.jpeg({ quality: 90 }).toFile(files[i]);
			pixels += info.width * info.height;
		}
	};
	await Promise.all([worker(), worker()]);
	const set = { dir: setDir, files, megapixels: pixels / count / 1e6 };
	photoSets.set(key, set);
	return set;
}

async function removePhotoSet(count: number, camera: boolean): Promise<void> {
	const set = photoSets.get(`${count}-${camera}`);
	photoSets.delete(`${count}-${camera}`);
	if (set) {
		await fs.rm(set.dir, { recursive: true, force: true });
	}
}

function preprocessingCases(count: number, camera: boolean): BenchCase[] {
	const what = camera ? `${count} camera-size 12 MP photos` : `${count} real photos at native size`;
	const anchor = `tagger: WD14 preprocessing, ${what}, sd-scripts`;
	return [
		{
			name: anchor,
			setup: async () => {
				await photoSet(count, camera);
			},
			run: async () => {
				const python = await pythonForSdScripts();
				if (!python) {
					throw new Error('not measured: no python3 with Pillow, numpy and opencv here (apt-get install python3-pil python3-numpy python3-opencv, or set LORA_BENCH_PYTHON)');
				}
				const { files } = await photoSet(count, camera);
				const { stdout } = await promisify(execFile)(python, [join(__dirname, 'wd14_preprocess.py'), 'time', String(BATCH), ...files], { maxBuffer: 1 << 20 });
				const measured = JSON.parse(stdout) as { ms: number; images: number };
				return { work: measured.images, unit: 'images', ms: measured.ms, note: `preprocess_image in one ${python} process, batches of ${BATCH}` };
			},
		},
		{
			name: `tagger: WD14 preprocessing, ${what}`,
			baseline: anchor,
			setup: async () => {
				await photoSet(count, camera);
			},
			run: async () => {
				const { files, megapixels } = await photoSet(count, camera);
				const pool = new TaggerPreprocessPool();
				try {
					// The threads start and load sharp before the clock starts, as the anchor's interpreter and imports do
					// (the extension starts them while the model loads): one image each.
					await Promise.all([files[0], files[1]].map((file) => pool.prepare(file, 448)));
					const started = performance.now();
					// Each image is handed back once it is here, as the tagger hands a batch's images back once they are in
					// its tensor (the anchor's arrays are freed at the same point).
					await Promise.all(files.map((file) => pool.prepare(file, 448).then((pixels) => pool.recycle([pixels]))));
					return { work: files.length, unit: 'images', ms: performance.now() - started, note: `${megapixels.toFixed(1)} MP on average; worker threads started and warmed before the time, as the anchor's imports are; outputs handed back as the tagger does` };
				} finally {
					await pool.dispose();
				}
			},
		},
		{
			// The floor under any preprocessing that matches sd-scripts: it must decode every pixel (a JPEG decoded at
			// 1/2 or 1/4 scale lands up to 17 levels off PIL + cv2.INTER_AREA). Decoding alone, one image per core.
			name: `tagger: WD14 preprocessing floor, ${what}, full decode alone`,
			baseline: anchor,
			setup: async () => {
				await photoSet(count, camera);
			},
			run: async () => {
				const sharp = (await import('sharp')).default;
				const { files } = await photoSet(count, camera);
				const started = performance.now();
				let next = 0;
				const decodeNext = async (): Promise<void> => {
					while (next < files.length) {
						await sharp(files[next++]).raw().toBuffer();
					}
				};
				await Promise.all(Array.from({ length: availableParallelism() }, decodeNext));
				return { work: files.length, unit: 'images', ms: performance.now() - started, note: `${availableParallelism()} in flight; the anchor over this is the most any matching preprocessing can gain here` };
			},
			teardown: () => removePhotoSet(count, camera),
		},
	];
}

async function clearCaptions(): Promise<void> {
	await Promise.all(images.map((image) => fs.rm(image.replace(/\.jpg$/, '.txt'), { force: true })));
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
	const used = process.cpuUsage(start);
	return (used.user + used.system) / 1000;
}

/**
 * What the CPU time allows: on this machine's cores the pipeline cannot take less than its CPU time spread over all
 * of them, nor less than inference alone, so the ratio to pure inference cannot go below that bound's.
 */
function cpuFloor(pipelineCpuMs: number): string {
	if (!pureInference) {
		return '';
	}
	const cores = availableParallelism();
	const floorMs = Math.max(pureInference.ms, pipelineCpuMs / cores);
	return `; CPU: pipeline ${(pipelineCpuMs / 1000).toFixed(1)} core-s, pure inference ${(pureInference.cpuMs / 1000).toFixed(1)} core-s; `
		+ `on ${cores} cores the pipeline needs at least ${(floorMs / 1000).toFixed(2)} s: ${(floorMs / pureInference.ms).toFixed(2)}x pure inference at best`;
}

export const cases: BenchCase[] = [
	...preprocessingCases(NATIVE_COUNT, false),
	...preprocessingCases(CAMERA_COUNT, true),
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
				const cpu = process.cpuUsage();
				for (let done = 0; done < heavyPixels.length; done += BATCH) {
					const batch = heavyPixels.slice(done, done + BATCH);
					inferenceMs += (await session.run(toBatchTensor(batch, size), batch.length)).inferenceMs;
				}
				pureInference = { ms: inferenceMs, cpuMs: cpuMsSince(cpu) };
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
			const cpu = process.cpuUsage();
			const result = await tagImages({ modelDir: heavyModel, images: subset, mode: 'overwrite', batchSize: BATCH, prefix: { trigger: 'tok' } });
			const cpuMs = cpuMsSince(cpu);
			if (result.tagged.length !== subset.length) {
				throw new Error(`tagged ${result.tagged.length} of ${subset.length}`);
			}
			return { work: subset.length, unit: 'images', ms: result.totalMs, note: `inference inside this run ${result.inferenceMs.toFixed(0)} ms; total/inference ${(result.totalMs / result.inferenceMs).toFixed(2)}x${cpuFloor(cpuMs)}` };
		},
		teardown: async () => {
			if (dir) {
				await fs.rm(dir, { recursive: true, force: true });
				dir = undefined;
			}
		},
	},
];
