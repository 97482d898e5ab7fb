/**
 * The numbers the guide asks about, from the tag table: images per subset, the face:body ratio, the most
 * frequent tags of each subset, and which tags travel with a costume tag (tags that always appear with it
 * get learned as part of the costume).
 */
import { captionTags } from './caption';
import { TagRow, TagStatsSubset, TagTable, memoizedNormalize } from './tagStats';
import { Steps, runToEnd, sortSteps } from './slices';

export interface TagCount {
	label: string;
	count: number;
	/** count / the images it is counted over. */
	share: number;
}

export interface CostumeCoOccurrence {
	tag: string;
	/** Training images whose caption has the costume tag. */
	images: number;
	/** Where the costume tag came from: declared in lora-workbench.yaml, or found in a costume subset. */
	source: 'settings' | 'costume-subset';
	/** Other tags in those images, most frequent first (share = of the costume's images). */
	coTags: TagCount[];
}

export interface DatasetTagSummary {
	imagesPerSubset: Array<{ name: string; role: string; isReg: boolean; images: number; captioned: number }>;
	faceImages: number;
	bodyImages: number;
	/** face / body images; undefined without a body subset. */
	faceBodyRatio: number | undefined;
	topTagsPerSubset: Array<{ subset: string; tags: TagCount[] }>;
	costumes: CostumeCoOccurrence[];
}

export interface SummaryOptions {
	/** Left out of the top tags (it is in every caption by design). */
	trigger?: string;
	/** Declared costume tags (lora-workbench.yaml `coverage.costumes`). */
	costumeTags?: readonly string[];
	topCount?: number;
	coTagCount?: number;
	separator?: string;
}

export function summarizeTags(table: TagTable, subsets: readonly TagStatsSubset[], options: SummaryOptions = {}): DatasetTagSummary {
	return runToEnd(summarizeTagsSteps(table, subsets, options));
}

/** summarizeTags in steps of one subset's top tags or one caption (slices.ts), for the extension host. */
export function* summarizeTagsSteps(table: TagTable, subsets: readonly TagStatsSubset[], options: SummaryOptions = {}): Steps<DatasetTagSummary> {
	const keyOf = memoizedNormalize();
	const triggerKey = options.trigger ? keyOf(options.trigger) : undefined;
	const topCount = options.topCount ?? 10;
	const imagesOf = (role: string) => table.subsets.filter((s) => !s.isReg && s.role === role).reduce((n, s) => n + s.images, 0);
	const faceImages = imagesOf('face');
	const bodyImages = imagesOf('body');
	const topTagsPerSubset: DatasetTagSummary['topTagsPerSubset'] = [];
	for (const [index, subset] of table.subsets.entries()) {
		const present = table.rows.filter((row) => row.perSubset[index] > 0 && row.key !== triggerKey);
		yield;
		const sorted = yield* sortSteps(present, (a, b) => b.perSubset[index] - a.perSubset[index] || a.key.localeCompare(b.key));
		topTagsPerSubset.push({
			subset: subset.name,
			tags: sorted.slice(0, topCount)
				.map((row) => ({ label: row.label, count: row.perSubset[index], share: subset.captioned ? row.perSubset[index] / subset.captioned : 0 })),
		});
	}
	const declared = (options.costumeTags ?? []).map((tag) => ({ key: keyOf(tag), source: 'settings' as const }));
	const found = detectCostumeTags(table).filter((row) => !declared.some((d) => d.key === row.key)).map((row) => ({ key: row.key, source: 'costume-subset' as const }));
	yield;
	const costumes: CostumeCoOccurrence[] = [];
	for (const { key, source } of [...declared, ...found]) {
		costumes.push(yield* coOccurrenceSteps(table, subsets, key, source, { ...options, triggerKey }));
	}
	return {
		imagesPerSubset: table.subsets.map((s) => ({ name: s.name, role: s.role, isReg: s.isReg, images: s.images, captioned: s.captioned })),
		faceImages,
		bodyImages,
		faceBodyRatio: bodyImages > 0 ? faceImages / bodyImages : undefined,
		topTagsPerSubset,
		costumes,
	};
}

/**
 * Tags that mark a costume subset: in at least half of its captioned images and in under 10% of the
 * other training images (so `1girl` or the trigger never count as a costume).
 */
export function detectCostumeTags(table: TagTable): TagRow[] {
	const costumeIndexes = table.subsets.map((s, i) => (s.role === 'costume' && !s.isReg ? i : -1)).filter((i) => i >= 0);
	if (costumeIndexes.length === 0) {
		return [];
	}
	const costumeCaptioned = costumeIndexes.reduce((n, i) => n + table.subsets[i].captioned, 0);
	const otherCaptioned = table.captionedImages - costumeCaptioned;
	return table.rows.filter((row) => {
		const inCostume = costumeIndexes.reduce((n, i) => n + row.perSubset[i], 0);
		const elsewhere = row.count - inCostume;
		return costumeCaptioned > 0 && inCostume / costumeCaptioned >= 0.5 && (otherCaptioned === 0 ? true : elsewhere / otherCaptioned < 0.1);
	});
}

function* coOccurrenceSteps(
	table: TagTable, subsets: readonly TagStatsSubset[], costumeKey: string, source: CostumeCoOccurrence['source'],
	options: SummaryOptions & { triggerKey?: string },
): Steps<CostumeCoOccurrence> {
	const keyOf = memoizedNormalize();
	const counts = new Map<string, number>();
	let images = 0;
	for (const subset of subsets.filter((s) => !s.isReg)) {
		for (const image of subset.images) {
			yield;
			if (image.caption === undefined) {
				continue;
			}
			const keys = new Set(captionTags(image.caption, options.separator).map(keyOf));
			if (!keys.has(costumeKey)) {
				continue;
			}
			images++;
			for (const key of keys) {
				if (key && key !== costumeKey && key !== options.triggerKey) {
					counts.set(key, (counts.get(key) ?? 0) + 1);
				}
			}
		}
	}
	const coTags = (yield* sortSteps([...counts], (a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
		.slice(0, options.coTagCount ?? 10)
		.map(([key, count]) => ({ label: table.byKey.get(key)?.label ?? key, count, share: images ? count / images : 0 }));
	return { tag: table.byKey.get(costumeKey)?.label ?? costumeKey, images, source, coTags };
}
