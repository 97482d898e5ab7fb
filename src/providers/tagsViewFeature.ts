import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { ThumbnailCache } from '../core/thumbnails';
import { Disposable } from '../util/dispose';
import { BulkEditCommands } from './bulkEdit';
import { GalleryContext, GalleryPanel } from './gallery/galleryPanel';
import { GalleryFilter, GalleryState } from './gallery/galleryState';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import { TAGS_VIEW_ID, TagsViewProvider } from './tagsView';

const THUMBNAIL_CACHE_BYTES = 512 * 1024 * 1024;

/** Request of `loraWorkbench.filterGallery` (used by tests and other features): returns the matching image paths. */
export interface GalleryFilterRequest extends Partial<GalleryFilter> {
	root: string;
}

/**
 * The dataset-wide tag tools: the Tags view, the gallery and the bulk edit commands, sharing one
 * GalleryState (filter and selection per folder) and one thumbnail cache under globalStorage.
 */
export class TagTools extends Disposable {
	public static register(services: WorkbenchServices): TagTools {
		return new TagTools(services);
	}

	/** The Tags view's provider (tests and the bench walk it as VS Code does while the view is open). */
	public readonly tagsView: TagsViewProvider;

	private constructor(services: WorkbenchServices) {
		super();
		const state = this.register(new GalleryState());
		const provider = this.tagsView = this.register(new TagsViewProvider(services.trainingFolders));
		const view = this.register(vscode.window.createTreeView(TAGS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }));
		const thumbnailDir = vscode.Uri.joinPath(services.globalStorageUri, 'thumbnails');
		const gallery: GalleryContext = {
			extensionUri: services.extensionUri, thumbnailDir, state, log: services.log, trainingFolders: services.trainingFolders,
			thumbnails: new ThumbnailCache({ cacheDir: thumbnailDir.fsPath }),
		};
		// Old thumbnails (edited or deleted images) are never looked up again: trim the cache once per session.
		const pruneTimer = setTimeout(() => {
			gallery.thumbnails.prune(THUMBNAIL_CACHE_BYTES).then(
				(removed) => removed > 0 && services.log.info(`Thumbnail cache: removed ${removed} old thumbnails`),
				(err: unknown) => services.log.warn(`Thumbnail cache could not be trimmed: ${err instanceof Error ? err.message : String(err)}`));
		}, 60_000);
		this.register({ dispose: () => clearTimeout(pruneTimer) });
		const setContext = () => {
			void vscode.commands.executeCommand('setContext', 'loraWorkbench.tagsSort', provider.sortOrder);
			void vscode.commands.executeCommand('setContext', 'loraWorkbench.tagsFiltered', provider.filter !== '');
			view.description = provider.filter ? `filter: ${provider.filter}` : undefined;
		};
		setContext();
		const showGallery = async (arg?: unknown, filter?: GalleryFilter) => {
			const folder = await pickTrainingFolder(services.trainingFolders, arg);
			return folder && GalleryPanel.show(gallery, folder, filter);
		};
		this.register(BulkEditCommands.register(services.trainingFolders, state, services.tags));
		this.register(vscode.commands.registerCommand('loraWorkbench.sortTagsByName', () => { provider.setSort('name'); setContext(); }));
		this.register(vscode.commands.registerCommand('loraWorkbench.sortTagsByCount', () => { provider.setSort('count'); setContext(); }));
		this.register(vscode.commands.registerCommand('loraWorkbench.filterTags', async (text?: unknown) => {
			const value = typeof text === 'string' ? text : await vscode.window.showInputBox({ title: 'Filter Tags', prompt: 'Show tags containing this text (_ and space are the same)', value: provider.filter });
			if (value !== undefined) {
				provider.setFilter(value);
				setContext();
			}
		}));
		this.register(vscode.commands.registerCommand('loraWorkbench.clearTagsFilter', () => { provider.setFilter(''); setContext(); }));
		this.register(vscode.commands.registerCommand('loraWorkbench.showGallery', (arg?: unknown) => showGallery(arg).then(() => undefined)));
		this.register(vscode.commands.registerCommand('loraWorkbench.showTagInGallery', (arg?: { root?: string; tag?: string }) =>
			showGallery(arg?.root, { tag: arg?.tag ?? '', expression: '' }).then(() => undefined)));
		// Not in the palette: for tests and other features. Opens the gallery with the filter and returns what matches.
		this.register(vscode.commands.registerCommand('loraWorkbench.filterGallery', async (request: GalleryFilterRequest) => {
			const panel = await showGallery(request.root);
			return panel?.applyFilter({ tag: request.tag ?? '', expression: request.expression ?? '', subset: request.subset ?? '' });
		}));
	}
}
