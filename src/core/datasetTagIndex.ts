/**
 * Tag counts of one training folder and the ranked suggestions built from them plus a vocabulary
 * (pure: no `vscode`, shared by plain-text completion, hover and the caption editor's autocomplete).
 */
import { captionTags, normalizeTag } from './caption';
import type { TrainingFolder } from './dataset';
import type { TagSuggestion } from './protocol/captionEditor';
import type { TagVocabulary } from './vocabulary';
import { Steps, runToEnd } from './slices';

export interface DatasetTagCount {
	/** The spelling most captions use. */
	tag: string;
	count: number;
}

export class DatasetTagIndex {
	private constructor(
		private readonly counts: Map<string, DatasetTagCount>,
		public readonly imageCount: number,
	) {}

	static fromCaptions(captions: Iterable<string>, separator = ','): DatasetTagIndex {
		return runToEnd(DatasetTagIndex.fromCaptionsSteps(captions, separator));
	}

	/** fromCaptions in steps of one caption (slices.ts), for the extension host. */
	static *fromCaptionsSteps(captions: Iterable<string>, separator = ','): Steps<DatasetTagIndex> {
		const spellings = new Map<string, Map<string, number>>();
		let images = 0;
		for (const caption of captions) {
			yield;
			images++;
			const seen = new Set<string>();
			for (const tag of captionTags(caption, separator)) {
				const key = normalizeTag(tag);
				if (!key || seen.has(key)) {
					continue;
				}
				seen.add(key);
				const forms = spellings.get(key) ?? new Map<string, number>();
				forms.set(tag, (forms.get(tag) ?? 0) + 1);
				spellings.set(key, forms);
			}
		}
		const counts = new Map<string, DatasetTagCount>();
		for (const [key, forms] of spellings) {
			yield;
			let best = '';
			let bestCount = -1;
			let total = 0;
			for (const [form, n] of forms) {
				total += n;
				if (n > bestCount) {
					best = form;
					bestCount = n;
				}
			}
			counts.set(key, { tag: best, count: total });
		}
		return new DatasetTagIndex(counts, images);
	}

	/** Counts over every image of the folder; images without a readable caption count as untagged. */
	static fromFolder(folder: TrainingFolder | undefined): DatasetTagIndex {
		return runToEnd(DatasetTagIndex.fromFolderSteps(folder));
	}

	static fromFolderSteps(folder: TrainingFolder | undefined): Steps<DatasetTagIndex> {
		const captions = folder ? folder.subsets.flatMap((s) => s.images.map((i) => i.caption ?? '')) : [];
		return DatasetTagIndex.fromCaptionsSteps(captions);
	}

	count(tag: string): number {
		return this.counts.get(normalizeTag(tag))?.count ?? 0;
	}

	/** Dataset tags first (by use), then vocabulary tags (by posts); `exclude` holds tags already in the caption. */
	suggest(prefix: string, vocabulary: TagVocabulary | undefined, exclude: Iterable<string> = [], limit = 30): TagSuggestion[] {
		const key = normalizeTag(prefix);
		const excluded = new Set([...exclude].map(normalizeTag));
		const out = new Map<string, TagSuggestion>();
		const fromDataset = [...this.counts.entries()]
			.filter(([k]) => k.startsWith(key) || (key.length >= 2 && k.includes(key)))
			.sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
		for (const [k, entry] of fromDataset) {
			if (!excluded.has(k)) {
				out.set(k, { tag: entry.tag, datasetCount: entry.count, postCount: vocabulary?.canonical(entry.tag)?.count });
			}
		}
		if (vocabulary && key) {
			for (const match of vocabulary.complete(prefix, limit)) {
				const k = normalizeTag(match.tag);
				if (!excluded.has(k) && !out.has(k)) {
					out.set(k, { tag: match.tag, datasetCount: 0, postCount: match.entry.count, alias: match.alias });
				}
			}
		}
		return [...out.values()].slice(0, limit);
	}
}
