import * as vscode from 'vscode';
import type { DatasetImage, TrainingFolder } from '../../core/dataset';
import { captionTags, normalizeTag } from '../../core/caption';
import { compileFilter, matchesFilter } from '../../core/filterExpression';
import { Disposable } from '../../util/dispose';
import { followRenames } from '../../core/coverage/renamePlan';
import { onDidRenameSubsetFolders } from '../../services/subsetRenames';

export interface GalleryFilter {
	/** One tag picked from the list ('' for none). */
	tag: string;
	/** A filter expression ('' for none). */
	expression: string;
	/** Only this subset's images (its folder name), as when Coverage shows one subset's group; '' or absent for all. */
	subset?: string;
}

export interface FilterOutcome {
	images: DatasetImage[];
	/** Set when the expression does not parse: then `images` is every image. */
	error?: { column: number; message: string };
}

/** Images of a folder that pass the tag and the expression (both must hold). */
export function filterImages(folder: TrainingFolder, filter: GalleryFilter): FilterOutcome {
	const images = folder.subsets.filter((s) => !filter.subset || s.name === filter.subset).flatMap((s) => s.images);
	const tagKey = filter.tag.trim() ? normalizeTag(filter.tag) : undefined;
	const compiled = filter.expression.trim() ? compileFilter(filter.expression) : undefined;
	if (compiled && !compiled.ok) {
		return { images, error: { column: compiled.error.column, message: compiled.error.message } };
	}
	if (!tagKey && !compiled) {
		return { images };
	}
	return {
		images: images.filter((image) => {
			const keys = new Set(image.caption === undefined ? [] : captionTags(image.caption).map(normalizeTag));
			return (!tagKey || keys.has(tagKey)) && (!compiled || matchesFilter(compiled.node, keys));
		}),
	};
}

interface RootState {
	filter: GalleryFilter;
	/** Image paths the filter lets through; undefined while no filter is set. */
	filtered?: string[];
	selected: string[];
}

/**
 * What the gallery shows and has selected, per training folder: the bulk commands read it to offer
 * "filtered" and "selected" scopes, and the Tags view writes the tag filter into it.
 */
export class GalleryState extends Disposable {
	private readonly roots = new Map<string, RootState>();
	private readonly changeEmitter = this.register(new vscode.EventEmitter<string>());
	/** Fires with the root whose filter or selection changed. */
	public readonly onDidChange = this.changeEmitter.event;

	public constructor() {
		super();
		// A selection or filter result names images by path: after Balance Repeats they are under the new subset names.
		this.register(onDidRenameSubsetFolders((renames) => {
			for (const [root, state] of this.roots) {
				const follow = (path: string) => followRenames(path, renames);
				this.roots.set(root, { ...state, selected: state.selected.map(follow), filtered: state.filtered?.map(follow) });
			}
		}));
	}

	public get(root: string): Readonly<RootState> {
		return this.roots.get(root) ?? { filter: { tag: '', expression: '' }, selected: [] };
	}

	public setFilter(root: string, filter: GalleryFilter, filtered: string[] | undefined): void {
		this.roots.set(root, { ...this.get(root), filter, filtered });
		this.changeEmitter.fire(root);
	}

	public setSelection(root: string, selected: string[]): void {
		this.roots.set(root, { ...this.get(root), selected });
		this.changeEmitter.fire(root);
	}
}
