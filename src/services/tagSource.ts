/**
 * Per training folder: the dataset's tag counts and the configured vocabulary (`lint.vocabulary` in
 * lora-workbench.yaml, the same files the linter reads). Shared by completion, hover and the caption editor.
 * Counts follow the folder scan, so they are as fresh as the TrainingFolderService's last scan.
 */
import type { TrainingFolder } from '../core/dataset';
import { TagVocabulary, sharedVocabulary } from '../core/vocabulary';
import { DatasetTagIndex } from '../core/datasetTagIndex';
import { runInSlices } from '../core/slices';

/** One source per extension instance (`services.tags`), so each vocabulary is loaded once for all features. */
export class CaptionTagSource {
	private readonly indexes = new WeakMap<TrainingFolder, Promise<DatasetTagIndex>>();
	private readonly vocabularies = new Map<string, Promise<TagVocabulary | undefined>>();

	constructor(private readonly warn: (message: string) => void) {}

	/** The folder's tag counts, made once per scan in slices (slices.ts: 20,000 captions in one piece held the host). */
	index(folder: TrainingFolder | undefined): Promise<DatasetTagIndex> {
		if (!folder) {
			return Promise.resolve(DatasetTagIndex.fromCaptions([]));
		}
		let index = this.indexes.get(folder);
		if (!index) {
			index = runInSlices(DatasetTagIndex.fromFolderSteps(folder));
			this.indexes.set(folder, index);
		}
		return index;
	}

	/** The folder's vocabulary, loaded once per list of files; undefined when none is configured or it failed. */
	vocabulary(folder: TrainingFolder | undefined): Promise<TagVocabulary | undefined> {
		if (!folder) {
			return Promise.resolve(undefined);
		}
		const paths = folder.settings.lint?.vocabulary ?? [];
		if (paths.length === 0) {
			return Promise.resolve(undefined);
		}
		const key = `${folder.root}\0${paths.join('\0')}`;
		let loading = this.vocabularies.get(key);
		if (!loading) {
			loading = sharedVocabulary(paths, folder.root).catch((err: unknown) => {
				this.warn(err instanceof Error ? err.message : String(err));
				return undefined;
			});
			this.vocabularies.set(key, loading);
		}
		return loading;
	}
}
