/**
 * Scanning a big training folder: 20,000 images + 20,000 captions in two subsets (generated once per run).
 * The baseline is the bare I/O any scan must do (list the folders, read every caption), so the ratio shows
 * what parsing, sorting and the sd-scripts rules cost on top.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanTrainingFolder } from '../src/core/dataset';
import { BenchCase } from './harness';

const FACE_IMAGES = 12_000;
const BODY_IMAGES = 8_000;
const FILES = (FACE_IMAGES + BODY_IMAGES) * 2;
let root: string | undefined;

async function generate(): Promise<string> {
	if (root) {
		return root;
	}
	const sharp = (await import('sharp')).default;
	// Real PNGs (the role guess and the bucket case read their headers); one encode, many copies.
	const square = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 150, b: 120 } } }).png().toBuffer();
	const tall = await sharp({ create: { width: 64, height: 96, channels: 3, background: { r: 120, g: 150, b: 200 } } }).png().toBuffer();
	const dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-scan-'));
	for (const [name, count, image] of [['24_zq7lora woman', FACE_IMAGES, square], ['16_zq7lora woman', BODY_IMAGES, tall]] as const) {
		const subset = join(dir, 'images', name);
		await fs.mkdir(subset, { recursive: true });
		for (let start = 0; start < count; start += 500) {
			await Promise.all(Array.from({ length: Math.min(500, count - start) }, async (_, k) => {
				const stem = `img_${String(start + k).padStart(5, '0')}`;
				await fs.writeFile(join(subset, `${stem}.png`), image);
				await fs.writeFile(join(subset, `${stem}.txt`), `zq7lora, 1girl, solo, smile, looking at viewer, tag${(start + k) % 97}\n`);
			}));
		}
	}
	root = dir;
	return dir;
}

async function cleanup(): Promise<void> {
	if (root) {
		await fs.rm(root, { recursive: true, force: true });
		root = undefined;
	}
}

export const cases: BenchCase[] = [
	{
		name: 'scan baseline: readdir + read all captions',
		setup: async () => { await generate(); },
		run: async () => {
			const images = join(root!, 'images');
			for (const subset of await fs.readdir(images)) {
				const names = await fs.readdir(join(images, subset));
				const captions = names.filter((n) => n.endsWith('.txt'));
				for (let i = 0; i < captions.length; i += 32) {
					await Promise.all(captions.slice(i, i + 32).map((n) => fs.readFile(join(images, subset, n))));
				}
			}
			return { work: FILES, unit: 'files' };
		},
	},
	{
		name: 'scan 20,000 images + 20,000 captions',
		baseline: 'scan baseline: readdir + read all captions',
		setup: async () => { await generate(); },
		run: async () => {
			const folder = await scanTrainingFolder(root!);
			const images = folder.subsets.reduce((n, s) => n + s.images.length, 0);
			if (images !== FACE_IMAGES + BODY_IMAGES || folder.steps?.trainImagesTimesRepeats !== FACE_IMAGES * 24 + BODY_IMAGES * 16) {
				throw new Error(`scan found ${images} images`);
			}
			return { work: FILES, unit: 'files', note: `${folder.steps.totalSteps} total steps` };
		},
	},
	{
		name: 'scan 20,000 images, buckets on (reads sizes)',
		baseline: 'scan 20,000 images + 20,000 captions',
		setup: async () => { await generate(); },
		run: async () => {
			const folder = await scanTrainingFolder(root!, { training: { enableBucket: true } });
			if (folder.steps?.buckets?.length !== 2) {
				throw new Error('expected two buckets');
			}
			return { work: FILES, unit: 'files', note: `${folder.steps.buckets.map((b) => `${b.width}x${b.height}: ${b.count}`).join(', ')}` };
		},
		teardown: cleanup,
	},
];
