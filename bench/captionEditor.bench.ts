/**
 * The host-side part of opening the caption editor on a 4000x6000 JPEG (24 MP, a real photo upscaled so
 * it has real detail): making the downscaled preview the webview shows first, against reading and decoding
 * the full image (what the webview would otherwise have to load and paint). First paint inside VS Code
 * (webview start, image decode in Chromium) cannot be measured from this Node bench; the integration suite
 * checks that the editor renders, and these cases measure what the extension host does before the page
 * gets its image.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EDITOR_PREVIEW_EDGE, THUMBNAIL_EDGE, imagePreview } from '../src/core/preview';
import { BenchCase, now } from './harness';

const ROUNDS = Number(process.env.LORA_BENCH_PREVIEW_ROUNDS ?? 5);
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
let dir: string | undefined;
let image = '';

async function generate(): Promise<void> {
	if (dir) {
		return;
	}
	const sharp = (await import('sharp')).default;
	dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-preview-'));
	image = join(dir, 'portrait_4000x6000.jpg');
	await sharp(join(shared, 'photos', 'people', 'obama.jpg')).resize(4000, 6000, { fit: 'cover' }).jpeg({ quality: 92 }).toFile(image);
}

async function cleanup(): Promise<void> {
	if (dir) {
		await fs.rm(dir, { recursive: true, force: true });
		dir = undefined;
	}
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export const cases: BenchCase[] = [
	{
		name: 'caption editor: full 4000x6000 JPEG read + decoded',
		setup: generate,
		async run() {
			const sharp = (await import('sharp')).default;
			const start = now();
			let size = 0;
			for (let i = 0; i < ROUNDS; i++) {
				const bytes = await fs.readFile(image);
				size = bytes.length;
				await sharp(bytes).raw().toBuffer();
			}
			return { work: ROUNDS, unit: 'images', ms: now() - start, note: `${mb(size)} file, ${mb(4000 * 6000 * 3)} of pixels per image` };
		},
	},
	{
		name: 'caption editor: preview of a 4000x6000 JPEG (cold)',
		baseline: 'caption editor: full 4000x6000 JPEG read + decoded',
		setup: generate,
		async run() {
			const start = now();
			let path = '';
			for (let i = 0; i < ROUNDS; i++) {
				// A fresh cache folder each round: every preview is made from the original.
				const preview = await imagePreview(image, join(dir!, `cache-${i}`), { maxEdge: EDITOR_PREVIEW_EDGE });
				if (!preview.ok) {
					throw new Error(preview.error);
				}
				path = preview.path;
			}
			const ms = now() - start;
			return { work: ROUNDS, unit: 'images', ms, note: `${EDITOR_PREVIEW_EDGE}px preview of ${mb((await fs.stat(path)).size)}` };
		},
	},
	{
		name: 'caption editor: preview of a 4000x6000 JPEG (cached)',
		baseline: 'caption editor: preview of a 4000x6000 JPEG (cold)',
		setup: generate,
		async run() {
			const cache = join(dir!, 'cache-warm');
			await imagePreview(image, cache, { maxEdge: EDITOR_PREVIEW_EDGE });
			const start = now();
			for (let i = 0; i < ROUNDS * 20; i++) {
				await imagePreview(image, cache, { maxEdge: EDITOR_PREVIEW_EDGE });
			}
			return { work: ROUNDS * 20, unit: 'images', ms: now() - start };
		},
	},
	{
		name: 'caption editor: filmstrip thumbnail of a 4000x6000 JPEG',
		baseline: 'caption editor: preview of a 4000x6000 JPEG (cold)',
		setup: generate,
		async run() {
			const start = now();
			for (let i = 0; i < ROUNDS; i++) {
				const thumb = await imagePreview(image, join(dir!, `thumbs-${i}`), { maxEdge: THUMBNAIL_EDGE });
				if (!thumb.ok) {
					throw new Error(thumb.error);
				}
			}
			return { work: ROUNDS, unit: 'images', ms: now() - start };
		},
		teardown: cleanup,
	},
];
