/**
 * The tag table of a training folder: every tag with how many images carry it, per subset and in total.
 * Tags are compared by `normalizeTag` (case, `_` versus space, weights), and shown in their most common
 * spelling. Counts are images, not occurrences: a tag written twice in one caption counts once.
 */
import { captionTags, normalizeTag } from './caption';
import type { TrainingFolder } from './dataset';
import type { SubsetRole } from './settings';
import { Steps, runToEnd, sortSteps } from './slices';

export interface TagStatsImage {
	path: string;
	/** The caption; undefined when the image has no readable caption. */
	readonly caption?: string;
}

export interface TagStatsSubset {
	name: string;
	role: SubsetRole;
	isReg: boolean;
	images: readonly TagStatsImage[];
}

export interface TagRow {
	/** normalizeTag of the tag: the identity used for counting and filtering. */
	key: string;
	/** The most common spelling in the captions. */
	label: string;
	/** Training images (not reg) whose caption has the tag. */
	count: number;
	/** count / captioned training images. */
	share: number;
	/** Images with the tag in each subset, indexed like TagTable.subsets (reg subsets included). */
	perSubset: number[];
	/** In every captioned training image (and there are at least two): bake into the trigger or drop. */
	inEveryImage: boolean;
	/** In exactly one image of the whole folder: often a typo or a tagger stray. */
	singleImage: boolean;
}

export interface TagTableSubset {
	name: string;
	role: SubsetRole;
	isReg: boolean;
	images: number;
	captioned: number;
}

export interface TagTable {
	subsets: TagTableSubset[];
	/** Training images (reg subsets excluded). */
	totalImages: number;
	captionedImages: number;
	/** Sorted by count (descending), then label. */
	rows: TagRow[];
	byKey: Map<string, TagRow>;
}

/** How the table gets an image's tags: cut from its caption each time unless the caller keeps them (`imageCaptionTags`). */
export type TagsOf = (image: TagStatsImage) => readonly string[];

function cutTags(image: TagStatsImage): readonly string[] {
	return image.caption === undefined ? [] : captionTags(image.caption);
}

/** Builds the table; `normalize` is cached per spelling, which matters at 20,000 captions. */
export function buildTagTable(subsets: readonly TagStatsSubset[], tagsOf: TagsOf = cutTags): TagTable {
	return runToEnd(buildTagTableSteps(subsets, tagsOf));
}

/** One tag's counts while the table is built. */
interface TagCounter {
	total: number;
	all: number;
	perSubset: number[];
	spellings: Map<string, number>;
	/** The last caption that counted this tag: a tag written twice in a caption counts its image once. */
	lastImage: number;
}

/** A spelling as written, with the tag it normalises to: one map lookup per tag of a caption. */
interface SpellingCounter {
	counter: TagCounter | undefined;
	count: number;
}

/** buildTagTable in steps of one caption (slices.ts), for the extension host. */
export function* buildTagTableSteps(subsets: readonly TagStatsSubset[], tagsOf: TagsOf = cutTags): Steps<TagTable> {
	const counters = new Map<string, TagCounter>();
	// 20,000 captions of 30 tags repeat a few thousand spellings: each is normalised and found once (issue 22).
	const spellings = new Map<string, SpellingCounter>();
	let totalImages = 0;
	let captionedImages = 0;
	let imageNumber = 0;
	const tableSubsets: TagTableSubset[] = [];
	for (let subsetIndex = 0; subsetIndex < subsets.length; subsetIndex++) {
		const subset = subsets[subsetIndex];
		let captioned = 0;
		for (let m = 0; m < subset.images.length; m++) {
			yield;
			const image = subset.images[m];
			if (image.caption === undefined) {
				continue;
			}
			captioned++;
			imageNumber++;
			const tags = tagsOf(image);
			for (let t = 0; t < tags.length; t++) {
				const tag = tags[t];
				let spelling = spellings.get(tag);
				if (!spelling) {
					spelling = { counter: counterOf(counters, normalizeTag(tag), subsets.length), count: 0 };
					spellings.set(tag, spelling);
				}
				const counter = spelling.counter;
				if (!counter) {
					continue;
				}
				spelling.count++;
				if (counter.lastImage === imageNumber) {
					continue;
				}
				counter.lastImage = imageNumber;
				counter.all++;
				counter.perSubset[subsetIndex]++;
				if (!subset.isReg) {
					counter.total++;
				}
			}
		}
		if (!subset.isReg) {
			totalImages += subset.images.length;
			captionedImages += captioned;
		}
		tableSubsets.push({ name: subset.name, role: subset.role, isReg: subset.isReg, images: subset.images.length, captioned });
	}
	for (const [tag, spelling] of spellings) {
		if (spelling.counter) {
			spelling.counter.spellings.set(tag, spelling.count);
		}
	}
	const rows: TagRow[] = [];
	for (const [key, entry] of counters) {
		yield;
		rows.push({
			key,
			label: mostCommon(entry.spellings),
			count: entry.total,
			share: captionedImages > 0 ? entry.total / captionedImages : 0,
			perSubset: entry.perSubset,
			inEveryImage: captionedImages > 1 && entry.total === captionedImages,
			singleImage: entry.all === 1,
		});
	}
	yield* sortSteps(rows, compareByCount);
	return { subsets: tableSubsets, totalImages, captionedImages, rows, byKey: new Map(rows.map((row) => [row.key, row])) };
}

export function compareByCount(a: TagRow, b: TagRow): number {
	return b.count - a.count || (b.perSubset.reduce(sum, 0) - a.perSubset.reduce(sum, 0)) || compareLabels(a, b);
}

export function compareLabels(a: TagRow, b: TagRow): number {
	return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}

function sum(a: number, b: number): number {
	return a + b;
}

/** The counter of a normalised tag (none for a tag that normalises to nothing, like "()"). */
function counterOf(counters: Map<string, TagCounter>, key: string, subsetCount: number): TagCounter | undefined {
	if (!key) {
		return undefined;
	}
	let counter = counters.get(key);
	if (!counter) {
		counter = { total: 0, all: 0, perSubset: new Array<number>(subsetCount).fill(0), spellings: new Map(), lastImage: 0 };
		counters.set(key, counter);
	}
	return counter;
}

function mostCommon(spellings: Map<string, number>): string {
	let best = '';
	let bestCount = -1;
	for (const [spelling, count] of spellings) {
		if (count > bestCount || (count === bestCount && spelling < best)) {
			best = spelling;
			bestCount = count;
		}
	}
	return best;
}

/** normalizeTag with a cache: a dataset repeats the same few hundred spellings thousands of times. */
export function memoizedNormalize(): (tag: string) => string {
	const cache = new Map<string, string>();
	return (tag) => {
		let key = cache.get(tag);
		if (key === undefined) {
			key = normalizeTag(tag);
			cache.set(tag, key);
		}
		return key;
	};
}

/** Rows whose label or key contains the text (case-insensitive; `_` and space are the same). */
export function filterRows(rows: readonly TagRow[], text: string): TagRow[] {
	const needle = text.trim().toLowerCase().replace(/_/g, ' ');
	return needle ? rows.filter((row) => row.key.includes(needle) || row.label.toLowerCase().includes(needle)) : [...rows];
}

export function sortRows(rows: readonly TagRow[], by: 'count' | 'name'): TagRow[] {
	return [...rows].sort(by === 'count' ? compareByCount : (a, b) => a.key.localeCompare(b.key) || compareLabels(a, b));
}

/** The table's input from a scanned training folder (captions as the scan read them). */
export function tagStatsSubsets(folder: TrainingFolder): TagStatsSubset[] {
	return folder.subsets.map((subset) => ({
		name: subset.name,
		role: subset.isReg ? 'reg' : subset.role,
		isReg: subset.isReg,
		// The scanned images themselves: the extension keeps their tags with them (imageCaptionTags).
		images: subset.images,
	}));
}
