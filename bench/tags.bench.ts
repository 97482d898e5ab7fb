/**
 * Gallery thumbnails and the tag table at the sizes the issue names.
 *
 * Thumbnails: real-size JPEGs (about 3000 px on the long side, from the shared photos). Encoding a thousand
 * 3000 px JPEGs would take minutes on 2 cores, so a few distinct encodes are made and each copy gets a
 * unique JPEG comment segment: every file is a full, different-content JPEG that sharp decodes for real.
 * LORA_BENCH_THUMBNAILS sets the count (default 1000).
 *
 * Tag table: 20,000 captions of 20-30 tags drawn from the WD14 tag list with a Zipf-like spread, the way a
 * tagger's output repeats its common tags.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { planBulkEdit } from '../src/core/bulkEdit';
import { captionTags, normalizeTag } from '../src/core/caption';
import { matchesFilter, parseFilterExpression } from '../src/core/filterExpression';
import { TagStatsImage, TagStatsSubset, buildTagTable } from '../src/core/tagStats';
import { summarizeTags } from '../src/core/tagStatsSummary';
import { ThumbnailCache } from '../src/core/thumbnails';
import { BenchCase, now } from './harness';

const COUNT = Number(process.env.LORA_BENCH_THUMBNAILS ?? 1000);
const CAPTIONS = 20_000;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
const PHOTOS = ['people/obama.jpg', 'people/biden.jpg', 'people/unsplash_makhmutova_dina.jpg', 'people/obama3.jpg', 'other/giraffe.jpg', 'other/kite.jpg', 'people/two_people.jpg', 'other/horses.jpg'];

let dir: string | undefined;
let images: string[] = [];
let cacheDir = '';
let sameSession: ThumbnailCache | undefined;
let megapixels = 0;

/** Inserts a COM segment right after SOI: a valid JPEG with new content and the same pixels. */
function withComment(jpeg: Buffer, text: string): Buffer {
	const body = Buffer.from(text, 'latin1');
	const segment = Buffer.alloc(4 + body.length);
	segment.writeUInt16BE(0xfffe, 0);
	segment.writeUInt16BE(body.length + 2, 2);
	body.copy(segment, 4);
	return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

async function generateImages(): Promise<void> {
	if (dir) {
		return;
	}
	const sharp = (await import('sharp')).default;
	dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-thumbs-'));
	cacheDir = join(dir, 'cache');
	const bases = await Promise.all(PHOTOS.map(async (photo, i) => {
		const [width, height] = i % 2 ? [3000, 2000] : [2000, 3000];
		megapixels += (width * height) / 1e6;
		return sharp(join(shared, 'photos', photo)).rotate().resize(width, height, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
	}));
	megapixels /= PHOTOS.length;
	images = [];
	for (let i = 0; i < COUNT; i++) {
		const path = join(dir, `img_${String(i).padStart(5, '0')}.jpg`);
		await fs.writeFile(path, withComment(bases[i % bases.length], `lora-workbench bench image ${i}`));
		images.push(path);
	}
}

async function cleanup(): Promise<void> {
	if (dir) {
		await fs.rm(dir, { recursive: true, force: true });
		dir = undefined;
	}
}

async function thumbnailAll(cache: ThumbnailCache): Promise<{ made: number; ms: number }> {
	const start = now();
	const results = await Promise.all(images.map((image) => cache.thumbnail(image)));
	return { made: results.filter((r) => !r.cached).length, ms: now() - start };
}

/** A small deterministic generator, so every run builds the same captions. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

function makeCaptions(): TagStatsSubset[] {
	const names = readFileSync(join(shared, 'tags', 'selected_tags.csv'), 'utf8').split('\n').slice(1)
		.map((line) => line.split(',')).filter((cols) => cols[2] === '0').map((cols) => cols[1]).slice(0, 3000);
	const next = random(42);
	const lists: TagStatsImage[][] = [[], [], []];
	for (let i = 0; i < CAPTIONS; i++) {
		// The costume subset's images wear the costume, so its tags get found and their co-tags counted.
		const tags = new Set(['bench', '1girl', ...(i % 3 === 2 ? ['maid', 'maid headdress'] : [])]);
		const count = 20 + Math.floor(next() * 11);
		while (tags.size < count) {
			tags.add(names[Math.floor(names.length * next() ** 3)]);
		}
		lists[i % 3].push({ path: `img_${i}.jpg`, caption: [...tags].join(', ') });
	}
	return [
		{ name: '24_bench woman', role: 'face', isReg: false, images: lists[0] },
		{ name: '16_bench woman', role: 'body', isReg: false, images: lists[1] },
		{ name: '8_bench costume', role: 'costume', isReg: false, images: lists[2] },
	];
}

let captions: TagStatsSubset[] = [];

export const cases: BenchCase[] = [
	{
		name: `thumbnails: ${COUNT} real-size JPEGs, first run`,
		setup: generateImages,
		async run() {
			const cache = new ThumbnailCache({ cacheDir });
			const { made, ms } = await thumbnailAll(cache);
			if (made !== COUNT) {
				throw new Error(`expected ${COUNT} new thumbnails, made ${made}`);
			}
			sameSession = cache;
			return { work: COUNT, unit: 'images', ms, note: `~${megapixels.toFixed(1)} MP each, pool of ${cache.concurrency}` };
		},
	},
	{
		name: `thumbnails: ${COUNT} cached, new session (hash + lookup)`,
		baseline: `thumbnails: ${COUNT} real-size JPEGs, first run`,
		async run() {
			const { made, ms } = await thumbnailAll(new ThumbnailCache({ cacheDir }));
			if (made !== 0) {
				throw new Error(`expected every thumbnail from the cache, made ${made}`);
			}
			return { work: COUNT, unit: 'images', ms };
		},
	},
	{
		name: `thumbnails: ${COUNT} cached, same session (stat + lookup)`,
		baseline: `thumbnails: ${COUNT} real-size JPEGs, first run`,
		async run() {
			const { made, ms } = await thumbnailAll(sameSession!);
			if (made !== 0) {
				throw new Error(`expected every thumbnail from the cache, made ${made}`);
			}
			return { work: COUNT, unit: 'images', ms };
		},
		teardown: cleanup,
	},
	{
		name: 'tag table: build for 20,000 captions',
		async setup() {
			captions = makeCaptions();
		},
		async run() {
			const start = now();
			const table = buildTagTable(captions);
			const ms = now() - start;
			return { work: CAPTIONS, unit: 'captions', ms, note: `${table.rows.length} distinct tags` };
		},
	},
	{
		name: 'tag table: statistics for 20,000 captions',
		async run() {
			const table = buildTagTable(captions);
			const start = now();
			const summary = summarizeTags(table, captions, { trigger: 'bench' });
			return { work: CAPTIONS, unit: 'captions', ms: now() - start, note: `${summary.costumes.length} costume tags` };
		},
	},
	{
		name: 'filter expression over 20,000 captions',
		async run() {
			const node = parseFilterExpression('(long hair OR short hair) AND NOT (smile OR open mouth) AND *eyes');
			const start = now();
			let matched = 0;
			for (const subset of captions) {
				for (const image of subset.images) {
					if (matchesFilter(node, new Set(captionTags(image.caption!).map(normalizeTag)))) {
						matched++;
					}
				}
			}
			return { work: CAPTIONS, unit: 'captions', ms: now() - start, note: `${matched} match` };
		},
	},
	{
		name: 'bulk edit plan: rename over 20,000 captions',
		async run() {
			const inputs = captions.flatMap((s) => s.images.map((i) => ({ path: i.path, text: i.caption })));
			const start = now();
			const plan = planBulkEdit(inputs, { kind: 'rename', from: 'long hair', to: 'very long hair' });
			return { work: CAPTIONS, unit: 'captions', ms: now() - start, note: plan.summary };
		},
	},
];
