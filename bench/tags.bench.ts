/**
 * The tag table at the sizes the issue names (the gallery's thumbnails are in images.bench.ts).
 *
 * Tag table: 20,000 captions of 20-30 tags drawn from the WD14 tag list with a Zipf-like spread, the way a
 * tagger's output repeats its common tags.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { planBulkEdit } from '../src/core/bulkEdit';
import { captionTags, normalizeTag } from '../src/core/caption';
import { matchesFilter, parseFilterExpression } from '../src/core/filterExpression';
import { TagStatsImage, TagStatsSubset, buildTagTable } from '../src/core/tagStats';
import { summarizeTags } from '../src/core/tagStatsSummary';
import { BenchCase, now } from './harness';

const CAPTIONS = 20_000;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');

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
