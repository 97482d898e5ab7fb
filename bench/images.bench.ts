/**
 * The image path at the sizes the issue names.
 *
 * Thumbnails: real-size JPEGs (about 3000 px on the long side, from the shared photos). Encoding a thousand
 * 3000 px JPEGs would take minutes on 2 cores, so a few distinct encodes are made and each copy gets a
 * unique JPEG comment segment: every file is a full, different-content JPEG that sharp decodes for real.
 * The anchor is the usual tool's loop, Pillow's thumbnail() (with its JPEG draft mode) + WebP save in one
 * Python process, run on the same files when a python3 with Pillow is found (LORA_BENCH_PYTHON, python3,
 * /usr/bin/python3). LORA_BENCH_THUMBNAILS sets the count (default 1000).
 *
 * Checks: image checks on real-size JPEGs (2400x1600, ~4 MP, from the shared photos: each a different crop, mirror
 * and exposure) as the CLI's `check` runs them (its worker threads, concurrency 2 as on the 2-core machine):
 * every check including YuNet face detection. The limit it is held to is measured in the same run: decoding
 * alone (2 in flight) plus YuNet alone (one session, one image after the other, on a sample of the decoded
 * images), per image; the note gives the share of that limit reached and the cores the run used.
 */
import { execFile } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkImages } from '../src/core/images/checkImages';
import { decodeForAnalysis } from '../src/core/images/decode';
import { createFaceDetector, FaceDetector } from '../src/core/images/faceDetector';
import { imageCheckOptions } from '../src/core/images/options';
import { ThumbnailCache, defaultThumbnailConcurrency } from '../src/core/thumbnails';
import { BenchCase, now } from './harness';
import { withJpegComment } from '../test/support/jpegComment';

const COUNT = Number(process.env.LORA_BENCH_IMAGES ?? 1000);
/** Decoded images YuNet alone is timed on (all of them held in memory at once). */
const YUNET_SAMPLE = 100;
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

const THUMBNAILS = Number(process.env.LORA_BENCH_THUMBNAILS ?? 1000);
const PHOTOS = ['people/obama.jpg', 'people/biden.jpg', 'people/unsplash_makhmutova_dina.jpg', 'people/obama3.jpg', 'other/giraffe.jpg', 'other/kite.jpg', 'people/two_people.jpg', 'other/horses.jpg'];
let thumbDir: string | undefined;
let thumbImages: string[] = [];
let cacheDir = '';
let sameSession: ThumbnailCache | undefined;
let megapixels = 0;

async function generateThumbnailInputs(): Promise<void> {
	if (thumbDir) {
		return;
	}
	const sharp = (await import('sharp')).default;
	thumbDir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-thumbs-'));
	cacheDir = join(thumbDir, 'cache');
	megapixels = 0;
	const bases = await Promise.all(PHOTOS.map(async (photo, i) => {
		const [width, height] = i % 2 ? [3000, 2000] : [2000, 3000];
		megapixels += (width * height) / 1e6;
		return sharp(join(shared, 'photos', photo)).rotate().resize(width, height, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
	}));
	megapixels /= PHOTOS.length;
	thumbImages = [];
	for (let i = 0; i < THUMBNAILS; i++) {
		const path = join(thumbDir, `img_${String(i).padStart(5, '0')}.jpg`);
		await fs.writeFile(path, withJpegComment(bases[i % bases.length], `lora-workbench bench image ${i}`));
		thumbImages.push(path);
	}
}

async function thumbnailAll(cache: ThumbnailCache): Promise<{ made: number; ms: number }> {
	const start = now();
	const results = await Promise.all(thumbImages.map((image) => cache.thumbnail(image)));
	return { made: results.filter((r) => !r.cached).length, ms: now() - start };
}

/** Pillow's usual thumbnail loop; prints the milliseconds of the loop alone (not the interpreter's start). */
const PIL_THUMBNAILS = `
import sys, time, os
from PIL import Image, ImageOps
files = open(sys.argv[1]).read().split('\\n')
out = sys.argv[2]
start = time.perf_counter()
for i, f in enumerate(files):
    with Image.open(f) as im:
        im.thumbnail((256, 256))
        im = ImageOps.exif_transpose(im)
        im.save(os.path.join(out, '%d.webp' % i), 'WEBP', quality=78)
print((time.perf_counter() - start) * 1000)
`;

/** The first python3 that has Pillow, or undefined (the anchor is then skipped and says so). */
async function pythonWithPillow(): Promise<string | undefined> {
	for (const python of [process.env.LORA_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
		if (await promisify(execFile)(python, ['-c', 'import PIL']).then(() => true, () => false)) {
			return python;
		}
	}
	return undefined;
}

/** Milliseconds per image of the limit's two parts, measured in this run. */
let decodeAloneMs: number | undefined;
let yunetAloneMs: number | undefined;
const faceModel = join(shared, 'models', 'yunet_n_dynamic.onnx');

export const cases: BenchCase[] = [
	{
		name: `thumbnails: ${THUMBNAILS} JPEGs, Pillow thumbnail + WebP loop`,
		setup: generateThumbnailInputs,
		async run() {
			const python = await pythonWithPillow();
			if (!python) {
				throw new Error('not measured: no python3 with Pillow here (apt-get install python3-pil, or set LORA_BENCH_PYTHON)');
			}
			const out = await fs.mkdtemp(join(tmpdir(), 'lw-bench-pil-'));
			try {
				const list = join(out, 'files.txt');
				await fs.writeFile(list, thumbImages.join('\n'));
				const { stdout } = await promisify(execFile)(python, ['-c', PIL_THUMBNAILS, list, out]);
				return { work: thumbImages.length, unit: 'images', ms: Number(stdout.trim()), note: `one ${python} process` };
			} finally {
				await fs.rm(out, { recursive: true, force: true });
			}
		},
	},
	{
		name: `thumbnails: ${THUMBNAILS} real-size JPEGs, first run`,
		baseline: `thumbnails: ${THUMBNAILS} JPEGs, Pillow thumbnail + WebP loop`,
		setup: generateThumbnailInputs,
		async run() {
			const cache = new ThumbnailCache({ cacheDir });
			const { made, ms } = await thumbnailAll(cache);
			if (made !== THUMBNAILS) {
				throw new Error(`expected ${THUMBNAILS} new thumbnails, made ${made}`);
			}
			sameSession = cache;
			return { work: THUMBNAILS, unit: 'images', ms, note: `~${megapixels.toFixed(1)} MP each, pool of ${cache.concurrency}` };
		},
	},
	{
		// What no thumbnailer that reads every file can beat here: libjpeg's 1/8-scale (DCT) decode, which both
		// sharp's shrink-on-load and Pillow's draft mode use, with a nearest-neighbour resize and no encode.
		name: `thumbnails floor: ${THUMBNAILS} JPEGs, shrink-on-load decode alone`,
		baseline: `thumbnails: ${THUMBNAILS} real-size JPEGs, first run`,
		setup: generateThumbnailInputs,
		async run() {
			const sharp = (await import('sharp')).default;
			const threads = defaultThumbnailConcurrency();
			let next = 0;
			const start = now();
			await Promise.all(Array.from({ length: threads }, async () => {
				while (next < thumbImages.length) {
					const file = thumbImages[next++];
					await sharp(file, { failOn: 'none' }).resize(256, 256, { fit: 'inside', kernel: 'nearest' }).raw().toBuffer();
				}
			}));
			return { work: thumbImages.length, unit: 'images', ms: now() - start, note: `${threads} at a time, as the thumbnail pool` };
		},
	},
	{
		name: `thumbnails: ${THUMBNAILS} cached, new session (stat + lookup)`,
		baseline: `thumbnails: ${THUMBNAILS} real-size JPEGs, first run`,
		async run() {
			const { made, ms } = await thumbnailAll(new ThumbnailCache({ cacheDir }));
			if (made !== 0) {
				throw new Error(`expected every thumbnail from the cache, made ${made}`);
			}
			return { work: THUMBNAILS, unit: 'images', ms };
		},
	},
	{
		name: `thumbnails: ${THUMBNAILS} cached, same session (stat + lookup)`,
		baseline: `thumbnails: ${THUMBNAILS} real-size JPEGs, first run`,
		async run() {
			const { made, ms } = await thumbnailAll(sameSession!);
			if (made !== 0) {
				throw new Error(`expected every thumbnail from the cache, made ${made}`);
			}
			return { work: THUMBNAILS, unit: 'images', ms };
		},
		async teardown() {
			if (thumbDir) {
				await fs.rm(thumbDir, { recursive: true, force: true });
				thumbDir = undefined;
			}
		},
	},
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
			const ms = now() - start;
			decodeAloneMs = ms / files.length;
			return { work: files.length, unit: 'images', ms };
		},
	},
	{
		name: `images: YuNet alone, ${YUNET_SAMPLE} of the decoded JPEGs, one after the other`,
		setup: generate,
		async run() {
			const images = [];
			for (const file of files.slice(0, YUNET_SAMPLE)) {
				const decoded = await decodeForAnalysis(file, { maxPixels: 1e8 });
				if (decoded.ok) {
					images.push(decoded.image);
				}
			}
			const detector: FaceDetector = await createFaceDetector(faceModel);
			try {
				await detector.detect(images[0], 0.6); // the session's first run allocates; not part of the steady rate
				const start = now();
				for (const image of images) {
					await detector.detect(image, 0.6);
				}
				const ms = now() - start;
				yunetAloneMs = ms / images.length;
				return { work: images.length, unit: 'images', ms };
			} finally {
				await detector.release();
			}
		},
	},
	{
		name: `images: all checks with faces, ${COUNT} JPEGs ${WIDTH}x${HEIGHT}, CLI check`,
		baseline: `images: decode only, ${COUNT} JPEGs ${WIDTH}x${HEIGHT}, 2 in flight`,
		setup: generate,
		async run() {
			const entries = files.map((path) => ({ path, role: 'body' as const }));
			const cpu = process.cpuUsage();
			const start = now();
			const report = await checkImages(entries, imageCheckOptions({ concurrency: 2, faceModelPath: faceModel }));
			const ms = now() - start;
			const used = process.cpuUsage(cpu);
			if (report.faceDetectorError) {
				throw new Error(report.faceDetectorError);
			}
			const sum = (key: 'decodeMs' | 'measureMs' | 'faceMs') => report.analyses.reduce((n, a) => n + a.timings[key], 0);
			const total = sum('decodeMs') + sum('measureMs') + sum('faceMs');
			const pct = (v: number) => `${Math.round((v / total) * 100)}%`;
			const limit = decodeAloneMs !== undefined && yunetAloneMs !== undefined
				? `; limit (decode alone + YuNet alone) ${(1000 / (decodeAloneMs + yunetAloneMs)).toFixed(1)} img/s, reached ${(((decodeAloneMs + yunetAloneMs) * files.length) / ms).toFixed(2)} of it`
				: '; limit not measured (run the decode-only and YuNet-alone cases in the same run)';
			return {
				work: files.length,
				unit: 'images',
				ms,
				note: `${((used.user + used.system) / 1000 / ms).toFixed(2)} cores used${limit}; of per-image time: decode ${pct(sum('decodeMs'))}, face inference ${pct(sum('faceMs'))}, our measures+hash ${pct(sum('measureMs'))}; ${report.problems.length} problems`,
			};
		},
		async teardown() {
			await teardown();
		},
	},
];
