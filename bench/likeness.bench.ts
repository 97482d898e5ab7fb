/**
 * Likeness (issue 16): identity embeddings per second, cold (decode + YuNet + alignment + the identity net, cache
 * empty) and cached (content hash + a small JSON read), and the whole report of a 50-picture dataset plus 10 epochs
 * x 4 samples, cold and cached. Targets: the whole report under 30 s on 2 cores, a cached re-run under 2 s.
 * The pictures are the shared portraits, each a different crop, mirror and exposure, so no two share a hash.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createFaceDetector, FaceDetector } from '../src/core/images/faceDetector';
import { FaceSource, mapLimit } from '../src/core/likeness/faces';
import { loadIdentityModel } from '../src/core/likeness/identityModel';
import { folderLikeness } from '../src/core/likeness/likeness';
import { BenchCase, now, timed } from './harness';

const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
const MODEL = join(shared, 'models', 'yunet_n_dynamic.onnx');
const PORTRAITS = ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg', 'unsplash_makhmutova_dina.jpg'];
const IMAGES = 50;
const EPOCHS = 10;
const PER_EPOCH = 4;

let dir: string | undefined;
let root = '';
let trainFiles: string[] = [];
let detector: FaceDetector | undefined;
let firstCacheDir = '';

async function variant(index: number, size: number, out: string): Promise<void> {
	const sharp = (await import('sharp')).default;
	const photo = join(shared, 'photos', 'people', PORTRAITS[index % PORTRAITS.length]);
	const meta = await sharp(photo).rotate().metadata();
	const cut = 0.85 + ((index * 7) % 15) / 100;
	const width = Math.floor((meta.autoOrient?.width ?? meta.width) * cut);
	const height = Math.floor((meta.autoOrient?.height ?? meta.height) * cut);
	const left = Math.floor(((meta.autoOrient?.width ?? meta.width) - width) * (((index * 3) % 5) / 8));
	let pipeline = sharp(photo).rotate().extract({ left, top: 0, width, height });
	if (index % 2) {
		pipeline = pipeline.flop();
	}
	await pipeline.resize(size, size, { fit: 'inside' }).linear(0.9 + ((index * 11) % 20) / 100, 0).png().toFile(out);
}

async function generate(): Promise<void> {
	if (dir) {
		return;
	}
	dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-likeness-'));
	root = join(dir, 'person');
	const subset = join(root, 'images', '10_ohwx man');
	const sample = join(root, 'model', 'sample');
	await fs.mkdir(subset, { recursive: true });
	await fs.mkdir(sample, { recursive: true });
	trainFiles = Array.from({ length: IMAGES }, (_, i) => join(subset, `img_${String(i).padStart(3, '0')}.png`));
	const samples = Array.from({ length: EPOCHS * PER_EPOCH }, (_, i) => join(sample, `ohwx_e${String(Math.floor(i / PER_EPOCH) + 1).padStart(6, '0')}_${String(i % PER_EPOCH).padStart(2, '0')}_20260216121314.png`));
	await mapLimit([...trainFiles.map((f, i) => [f, i, 768] as const), ...samples.map((f, i) => [f, 1000 + i, 512] as const)], 2, ([file, index, size]) => variant(index, size, file));
	detector = await createFaceDetector(MODEL);
}

async function teardown(): Promise<void> {
	await detector?.release();
	detector = undefined;
	if (dir) {
		await fs.rm(dir, { recursive: true, force: true });
		dir = undefined;
	}
}

export const cases: BenchCase[] = [
	{
		name: 'likeness: faces embedded, cold (model load included)',
		setup: generate,
		async run() {
			firstCacheDir = join(dir!, 'cache-embed');
			const source = new FaceSource({ cacheDir: firstCacheDir, detector: detector! });
			const loadMs = (await timed(() => loadIdentityModel())).ms;
			const start = now();
			const pictures = await mapLimit(trainFiles, 2, (f) => source.read(f));
			const ms = now() - start + loadMs;
			const faces = pictures.reduce((n, p) => n + p.faces.filter((f) => f.embedding).length, 0);
			return { work: faces, unit: 'faces', ms, note: `identity model load ${Math.round(loadMs)} ms, ${pictures.length} pictures` };
		},
	},
	{
		name: 'likeness: faces embedded, cached',
		async run() {
			const source = new FaceSource({ cacheDir: firstCacheDir, detector: detector! });
			const start = now();
			const pictures = await mapLimit(trainFiles, 2, (f) => source.read(f));
			const ms = now() - start;
			if (!pictures.every((p) => p.cached)) {
				throw new Error('a cached read computed again');
			}
			return { work: pictures.reduce((n, p) => n + p.faces.filter((f) => f.embedding).length, 0), unit: 'faces', ms };
		},
	},
	{
		name: `likeness: report, ${IMAGES} images + ${EPOCHS}x${PER_EPOCH} samples, cold`,
		async run() {
			const cacheDir = join(dir!, 'cache-report');
			const { value, ms } = await timed(() => folderLikeness(root, { cacheDir, detector: detector! }, true));
			return { work: value.read, unit: 'pictures', ms, note: `target < 30 s; recommended ${value.epochs?.recommendation?.label ?? 'none'}` };
		},
	},
	{
		name: `likeness: report, ${IMAGES} images + ${EPOCHS}x${PER_EPOCH} samples, cached`,
		async run() {
			const cacheDir = join(dir!, 'cache-report');
			// A fresh run as the CLI makes it: its own detector factory (never called when all is cached).
			const { value, ms } = await timed(() => folderLikeness(root, { cacheDir, faceModelPath: MODEL }, true));
			if (value.cached !== value.read) {
				throw new Error(`${value.read - value.cached} pictures computed again`);
			}
			return { work: value.read, unit: 'pictures', ms, note: 'target < 2 s' };
		},
		teardown,
	},
];
