import { TaggerLabels } from './labels';

/** The options of sd-scripts' tag selection (§11), with its defaults in DEFAULT_SELECTION. */
export interface TagSelection {
	generalThreshold: number;
	characterThreshold: number;
	/** `--use_rating_tags` (first) / `--use_rating_tags_as_last_tag` (last). */
	ratingTags: 'none' | 'first' | 'last';
	characterTagsFirst: boolean;
	/** Compared with the processed names (after underscore removal and replacements). */
	undesiredTags: readonly string[];
	/** Each one present is moved to the front in list order, so the last listed ends up first. */
	alwaysFirstTags: readonly string[];
}

export const DEFAULT_SELECTION: TagSelection = {
	generalThreshold: 0.35,
	characterThreshold: 0.35,
	ratingTags: 'none',
	characterTagsFirst: false,
	undesiredTags: [],
	alwaysFirstTags: [],
};

/**
 * Picks the tags of one image from its score vector, in the order sd-scripts writes them: CSV order,
 * not by score. `scores` is the model output for this image (ratings, general, character).
 */
export function selectTags(scores: ArrayLike<number>, labels: TaggerLabels, selection: TagSelection): string[] {
	const undesired = new Set(selection.undesiredTags);
	const tags: string[] = [];
	const generalCount = labels.generalTags.length;
	const ratingCount = labels.ratingTags.length;
	for (let i = 0; i + ratingCount < scores.length; i++) {
		const p = scores[i + ratingCount];
		if (i < generalCount) {
			if (p >= selection.generalThreshold && !undesired.has(labels.generalTags[i])) {
				tags.push(labels.generalTags[i]);
			}
		} else if (p >= selection.characterThreshold) {
			const tag = labels.characterTags[i - generalCount];
			if (tag !== undefined && !undesired.has(tag)) {
				if (selection.characterTagsFirst) {
					tags.unshift(tag);
				} else {
					tags.push(tag);
				}
			}
		}
	}
	if (selection.ratingTags !== 'none' && ratingCount > 0) {
		let best = 0;
		for (let i = 1; i < ratingCount; i++) {
			if (scores[i] > scores[best]) {
				best = i;
			}
		}
		const rating = labels.ratingTags[best];
		if (!undesired.has(rating)) {
			if (selection.ratingTags === 'first') {
				tags.unshift(rating);
			} else {
				tags.push(rating);
			}
		}
	}
	for (const first of selection.alwaysFirstTags) {
		const at = tags.indexOf(first);
		if (at !== -1) {
			tags.splice(at, 1);
			tags.unshift(first);
		}
	}
	return tags;
}

/** `--undesired_tags` / `--always_first_tags`: split on the separator without its spaces, each trimmed. */
export function splitTagList(text: string, captionSeparator = ', '): string[] {
	const separator = captionSeparator.trim() || ',';
	return text.split(separator).map((tag) => tag.trim()).filter((tag) => tag.length > 0);
}
