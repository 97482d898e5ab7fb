import { TagImagesResult } from './tagImages';
import { countOf } from '../plural';

export interface TagCount {
	tag: string;
	count: number;
}

export interface TaggingSummary {
	tagged: number;
	skipped: number;
	failed: number;
	cancelled: boolean;
	/** Tags the model chose per tagged image (prefix words not counted). */
	tagsPerImage: { average: number; min: number; max: number };
	topTags: TagCount[];
}

export function summarizeTagging(result: TagImagesResult, prefixWords: readonly string[] = [], top = 10): TaggingSummary {
	const prefix = new Set(prefixWords.map((w) => w.trim()).filter((w) => w.length > 0));
	const counts = new Map<string, number>();
	const perImage: number[] = [];
	for (const image of result.tagged) {
		const tags = image.modelTags.filter((t) => !prefix.has(t));
		perImage.push(tags.length);
		for (const tag of tags) {
			counts.set(tag, (counts.get(tag) ?? 0) + 1);
		}
	}
	const topTags = [...counts].map(([tag, count]) => ({ tag, count }))
		.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
		.slice(0, top);
	const sum = perImage.reduce((a, b) => a + b, 0);
	return {
		tagged: result.tagged.length,
		skipped: result.skipped.length,
		failed: result.problems.length,
		cancelled: result.cancelled,
		tagsPerImage: {
			average: perImage.length ? sum / perImage.length : 0,
			min: perImage.length ? Math.min(...perImage) : 0,
			max: perImage.length ? Math.max(...perImage) : 0,
		},
		topTags,
	};
}

/** Plain-text lines for the CLI and the output channel. */
export function formatSummary(summary: TaggingSummary): string[] {
	const lines = [
		`${summary.cancelled ? 'Cancelled: ' : ''}${countOf(summary.tagged, 'image')} tagged, ${summary.skipped} skipped (already captioned), ${summary.failed} failed.`,
	];
	if (summary.tagged > 0) {
		lines.push(`Tags per image: ${summary.tagsPerImage.average.toFixed(1)} on average (${summary.tagsPerImage.min}-${summary.tagsPerImage.max}).`);
		lines.push(`Most frequent: ${summary.topTags.map((t) => `${t.tag} (${t.count})`).join(', ')}`);
	}
	return lines;
}
