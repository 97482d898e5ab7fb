/**
 * Image checks on real-size JPEGs (2400x1600, ~4 MP, from the shared photos: each a different crop, mirror
 * and exposure) with 2 images in flight, as on the 2-core machine: every check including YuNet face detection.
 * The baseline decodes the same files the same way and does nothing else, so the ratio and the decode share
 * show how much of the time is decoding and inference rather than our own code.
 */
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkImages } from '../src/core/images/checkImages';
import { decodeForAnalysis } from '../src/core/images/decode';
import { createFaceDetector, FaceDetector } from '../src/core/images/faceDetector';
import { imageCheckOptions } from '../src/core/images/options';
import { BenchCase, now } from './harness';

const COUNT = Number(process.env.LORA_BENCH_IMAGES ?? 1000);
const WIDTH = 2400;
const HEIGHT = 1600;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
let dir: string | undefined;
let files: string[] = [];

async function generate(): Promise<void> {
	if (dir) {
		return;
	}
	const sharp = (await import('sharp')).default;
	const photos = ['people', 'other'].flatMap((sub) => readdirSync(join(shared, 'photos', sub)).map((n) => join(shared, 'photos', sub, n)));
	dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-images-'));
	const out = dir;
	files = Array.from({ length: COUNT }, (_, i) => join(out, `img_${String(i).padStart(4, '0')}.jpg`));
	let next = 0;
	const worker = async () => {
		while (next < COUNT) {
			const i = next++;
			const photo = photos[i % photos.length];
			const meta = await sharp(photo).metadata();
			// A different crop window, mirror and exposure per file, so no two files are the same picture.
			const cut = 0.75 + ((i * 7) % 20) / 80;
			const width = Math.max(16, Math.floor(meta.width * cut));
			const height = Math.max(16, Math.floor(meta.height * cut));
			let pipeline = sharp(photo).extract({ left: Math.floor(((meta.width - width) * ((i * 13) % 10)) / 10), top: Math.floor(((meta.height - height) * ((i * 3) % 10)) / 10), width, height });
			if (i % 2) {
				pipeline = pipeline.flop();
			}
			await pipeline.resize(WIDTH, HEIGHT, { fit: 'cover' }).linear(0.85 + ((i * 11) % 30) / 100, 0).jpeg({ quality: 90 }).toFile(files[i]);
		}
	};
	await Promise.all([worker(), worker()]);
}

async function teardown(): Promise<void> {
	if (dir) {
		await fs.rm(dir, { recursive: true, force: true });
		dir = undefined;
	}
}

let detector: FaceDetector | undefined;

export const cases: BenchCase[] = [
	{
		name: `images: decode only, ${COUNT} JPEGs ${WIDTH}x${HEIGHT}, 2 in flight`,
		setup: generate,
		async run() {
			let next = 0;
			const worker = async () => {
				while (next < files.length) {
					await decodeForAnalysis(files[next++], { maxPixels: 1e8 });
				}
			};
			const start = now();
			await Promise.all([worker(), worker()]);
			return { work: files.length, unit: 'images', ms: now() - start };
		},
	},
	{
		name: `images: all checks with faces, ${COUNT} JPEGs ${WIDTH}x${HEIGHT}, 2 in flight`,
		baseline: `images: decode only, ${COUNT} JPEGs ${WIDTH}x${HEIGHT}, 2 in flight`,
		async setup() {
			await generate();
			detector = await createFaceDetector(join(shared, 'models', 'yunet_n_dynamic.onnx'));
		},
		async run() {
			const entries = files.map((path) => ({ path, role: 'body' as const }));
			const start = now();
			const report = await checkImages(entries, imageCheckOptions({ concurrency: 2 }), { detector });
			const ms = now() - start;
			const sum = (key: 'decodeMs' | 'measureMs' | 'faceMs') => report.analyses.reduce((n, a) => n + a.timings[key], 0);
			const total = sum('decodeMs') + sum('measureMs') + sum('faceMs');
			const pct = (v: number) => `${Math.round((v / total) * 100)}%`;
			return {
				work: files.length,
				unit: 'images',
				ms,
				note: `of per-image time: decode ${pct(sum('decodeMs'))}, face inference ${pct(sum('faceMs'))}, our measures+hash ${pct(sum('measureMs'))}; ${report.problems.length} problems`,
			};
		},
		async teardown() {
			await detector?.release();
			detector = undefined;
			await teardown();
		},
	},
];
