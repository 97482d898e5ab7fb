import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DatasetImage, TrainingFolder } from '../../core/dataset';
import { GalleryBucket, GalleryHostMessage, GalleryImage, GalleryWebviewMessage, isGalleryWebviewMessage } from '../../core/protocol/gallery';
import { NOTICEABLE_CUT, describePlacement } from '../../core/bucketPreview';
import { buildTagTable, tagStatsSubsets } from '../../core/tagStats';
import { imageCaptionTags } from '../../core/datasetCaptionTags';
import type { ThumbnailCache } from '../../core/thumbnails';
import { NativeModuleError } from '../../core/nativeModules';
import { PanelsByKey, PostBatch, WebviewHost, parseWith } from '../../services/webviewHost';
import { Disposable } from '../../util/dispose';
import { BULK_COMMANDS } from '../bulkEdit';
import type { TrainingFolderService } from '../../services/trainingFolders';
import { GalleryFilter, GalleryState, filterImages } from './galleryState';

/**
 * Images `init` carries: about what a large screen shows at once (a 4K editor about 300 cells), and no more, as the
 * whole message passes through VS Code to the page before the first grid can be painted.
 */
const FIRST_SCREEN_IMAGES = 300;
/** Images per message after the first screen's: small enough that the page keeps painting between them. */
const IMAGES_PAGE = 500;

export interface GalleryContext {
	extensionUri: vscode.Uri;
	thumbnailDir: vscode.Uri;
	thumbnails: ThumbnailCache;
	trainingFolders: TrainingFolderService;
	state: GalleryState;
	log: vscode.LogOutputChannel;
}

/**
 * The gallery of one training folder: a virtualised grid of thumbnails (made on demand by the bounded
 * thumbnail pool), filtered by a tag and a filter expression, multi-select, click to open the caption.
 * Filtering runs here on the host, so the bulk commands and the webview agree on "filtered".
 */
export class GalleryPanel extends Disposable {
	private static readonly panels = new PanelsByKey<GalleryPanel>();
	/** Set once the user was told sharp cannot load (thumbnails), so it is said once per session, not per image. */
	private static toldUnloadable = false;
	public readonly host: WebviewHost<GalleryHostMessage, GalleryWebviewMessage>;
	private images: DatasetImage[] = [];
	private readonly pendingThumbnails = new Map<number, AbortController>();
	private pagesTimer: ReturnType<typeof setTimeout> | undefined;
	/**
	 * The images after the first page wait until the page has painted its first grid: posted at once, nine pages of
	 * 500 queued behind `init` and held the 5,000-image grid's first paint back by about 200 ms (issue 22).
	 */
	private firstGridPainted = false;
	private startPaging: (() => void) | undefined;
	/** Thumbnails arrive one by one; they go in small batches so the page repaints a few times a second, not hundreds. */
	private readonly thumbnailBatch = this.register(new PostBatch<{ id: number; src?: string; error?: string }>(40, (items) => this.post({ type: 'thumbnails', items })));

	public static show(context: GalleryContext, folder: TrainingFolder, filter?: GalleryFilter): GalleryPanel {
		const instance = GalleryPanel.panels.show(folder.root, () => new GalleryPanel(context, folder.root));
		if (filter) {
			instance.applyFilter(filter); // on a new panel nothing reaches the page yet: this keeps the filter, which the init shows
		}
		if (!instance.host.ready) {
			instance.host.sendStateEarly();
		} else if (filter) {
			instance.sendInit();
		}
		return instance;
	}

	private constructor(private readonly context: GalleryContext, public readonly root: string) {
		super();
		this.host = this.register(WebviewHost.open<GalleryHostMessage, GalleryWebviewMessage>(context.extensionUri,
			{ viewType: 'loraWorkbench.gallery', title: `Gallery: ${basename(root)}`, retainContextWhenHidden: true }, {
				entry: 'gallery', title: 'Gallery', label: 'Gallery', key: root, dataRoots: [context.thumbnailDir], log: context.log,
				parse: parseWith(isGalleryWebviewMessage),
				onReady: () => this.sendInit(),
				onMessage: (message) => this.handle(message),
			}));
		this.register(this.host.onDidDispose(() => this.dispose()));
		this.register(context.trainingFolders.onDidChange((change) => {
			if (change.root === root && change.folder) {
				this.sendInit();
			} else if (change.root === root) {
				this.host.dispose();
			}
		}));
		this.register({ dispose: () => { this.abortAll(); clearTimeout(this.pagesTimer); } });
		this.loadImages();
	}

	private get folder(): TrainingFolder | undefined {
		return this.context.trainingFolders.get(this.root);
	}

	private loadImages(): void {
		this.images = this.folder?.subsets.flatMap((s) => s.images) ?? [];
	}

	private handle(message: Exclude<GalleryWebviewMessage, { type: 'ready' }>): void {
		switch (message.type) {
			case 'filter':
				// The page edits the tag and the expression; the subset scope stays until the page clears it.
				this.applyFilter({ tag: message.tag, expression: message.expression, subset: message.subset ?? this.context.state.get(this.root).filter.subset });
				break;
			case 'tags':
				this.sendTags();
				break;
			case 'thumbnails':
				this.requestThumbnails(message.ids.filter((id) => id < this.images.length));
				break;
			case 'select':
				this.context.state.setSelection(this.root, message.ids.filter((id) => id < this.images.length).map((id) => this.images[id].path));
				break;
			case 'open':
				void this.open(this.images[message.id]);
				break;
			case 'bulk':
				void vscode.commands.executeCommand(BULK_COMMANDS[message.command], { root: this.root, scope: message.scope });
				break;
			case 'painted':
				// Also read by the VS Code bench, through the host's observer.
				if (message.stage === 'grid') {
					this.firstGridPainted = true;
					this.startPaging?.();
				}
				break;
		}
	}

	private post(message: GalleryHostMessage): void {
		this.host.post(message);
	}

	private sendInit(): void {
		const folder = this.folder;
		if (!folder) {
			return;
		}
		const selected = new Set(this.context.state.get(this.root).selected);
		this.abortAll();
		this.loadImages();
		const filter = this.context.state.get(this.root).filter;
		const stillSelected = this.images.flatMap((image, id) => (selected.has(image.path) ? [id] : []));
		this.context.state.setSelection(this.root, stillSelected.map((id) => this.images[id].path));
		// The filter's first images come first: they are the first screen.
		const order = [...new Set([...this.filteredIds(filter), ...this.images.keys()])];
		const describe = (id: number): GalleryImage => {
			const image = this.images[id];
			return { id, name: image.name, subset: basename(image.path.slice(0, -image.name.length - 1)), caption: image.caption, bucket: galleryBucket(image) };
		};
		this.post({
			type: 'init', folderName: basename(folder.root), root: folder.root, count: this.images.length, images: order.slice(0, FIRST_SCREEN_IMAGES).map(describe),
			thumbnailSize: this.context.thumbnails.size, tag: filter.tag, expression: filter.expression, selected: stillSelected,
		});
		this.applyFilter(filter);
		// The rest of the images follow, a page per turn of the event loop, once the first grid is on screen; the tag
		// table when the page asks.
		clearTimeout(this.pagesTimer);
		const sendPage = (start: number) => {
			if (start < order.length) {
				this.post({ type: 'images', images: order.slice(start, start + IMAGES_PAGE).map(describe) });
				this.pagesTimer = setTimeout(() => sendPage(start + IMAGES_PAGE), 0);
			}
		};
		this.startPaging = () => {
			this.startPaging = undefined;
			this.pagesTimer = setTimeout(() => sendPage(FIRST_SCREEN_IMAGES), 0);
		};
		if (this.firstGridPainted) {
			this.startPaging();
		}
	}

	private filteredIds(filter: GalleryFilter): number[] {
		const folder = this.folder;
		if (!folder || (!filter.tag.trim() && !filter.subset && !filter.expression.trim())) {
			return [];
		}
		const ids = new Map(this.images.map((image, id) => [image.path, id]));
		return filterImages(folder, filter).images.flatMap((image) => ids.get(image.path) ?? []);
	}

	private sendTags(): void {
		const folder = this.folder;
		if (!folder) {
			return;
		}
		const table = buildTagTable(tagStatsSubsets(folder), imageCaptionTags);
		this.post({ type: 'tags', tags: table.rows.map((r) => ({ label: r.label, key: r.key, count: r.count })), tag: this.context.state.get(this.root).filter.tag });
	}

	/** Filters on the host and tells the webview which ids pass; returns the matching image paths. */
	public applyFilter(filter: GalleryFilter): { paths: string[]; error?: { column: number; message: string } } {
		const folder = this.folder;
		if (!folder) {
			return { paths: [] };
		}
		const outcome = filterImages(folder, filter);
		const ids = new Map(this.images.map((image, id) => [image.path, id]));
		const active = filter.tag.trim() !== '' || !!filter.subset || (filter.expression.trim() !== '' && !outcome.error);
		const paths = outcome.images.map((i) => i.path);
		this.context.state.setFilter(this.root, filter, active ? paths : undefined);
		this.post({ type: 'filtered', ids: paths.map((p) => ids.get(p)!).filter((id) => id !== undefined), tag: filter.tag, expression: filter.expression, subset: filter.subset || undefined, error: outcome.error });
		return { paths, error: outcome.error };
	}

	private requestThumbnails(ids: number[]): void {
		const wanted = new Set(ids);
		for (const [id, controller] of this.pendingThumbnails) {
			if (!wanted.has(id)) {
				controller.abort();
				this.pendingThumbnails.delete(id);
			}
		}
		for (const id of ids) {
			if (this.pendingThumbnails.has(id)) {
				continue;
			}
			const controller = new AbortController();
			this.pendingThumbnails.set(id, controller);
			const image = this.images[id];
			this.context.thumbnails.thumbnail(image.path, controller.signal).then(
				(thumbnail) => this.thumbnailBatch.add({ id, src: this.host.asWebviewUri(thumbnail.file) }),
				(err: unknown) => {
					if (!controller.signal.aborted) {
						const message = err instanceof Error ? err.message : String(err);
						this.context.log.warn(message);
						this.thumbnailBatch.add({ id, error: message });
						if (err instanceof NativeModuleError && !GalleryPanel.toldUnloadable) {
							// Every thumbnail fails the same way; say once which package to install.
							GalleryPanel.toldUnloadable = true;
							void vscode.window.showErrorMessage(message);
						}
					}
				},
			).finally(() => {
				if (this.pendingThumbnails.get(id) === controller) {
					this.pendingThumbnails.delete(id);
				}
			});
		}
	}

	private abortAll(): void {
		for (const controller of this.pendingThumbnails.values()) {
			controller.abort();
		}
		this.pendingThumbnails.clear();
	}

	private async open(image: DatasetImage | undefined): Promise<void> {
		if (!image) {
			return;
		}
		const options = { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true };
		if (!image.hasCaption) {
			void vscode.window.showInformationMessage(`${image.name} has no caption file (${basename(image.captionPath)}); sd-scripts trains it with the subset's class tokens. Showing the image.`);
			await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(image.path), options);
			return;
		}
		await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(image.captionPath), 'loraWorkbench.captionEditor', options);
	}
}

/** The bucket preview of one image for its thumbnail: the kept part as fractions, so the page draws it at any size. */
function galleryBucket(image: DatasetImage): GalleryBucket | undefined {
	const placement = image.bucket;
	if (!placement || !image.size) {
		return undefined;
	}
	const [width, height] = image.size;
	const [bw, bh] = placement.bucket;
	const cut = placement.cutShare >= NOTICEABLE_CUT;
	const k = placement.kept;
	return {
		label: placement.stops ? `${bw}x${bh}: stops sd-scripts` : cut ? `${bw}x${bh}, ${Math.round(placement.cutShare * 100)}% cut` : `${bw}x${bh}`,
		detail: `sd-scripts: ${width}x${height} → ${describePlacement(placement)}`,
		keep: cut ? { x: k.x / width, y: k.y / height, width: k.width / width, height: k.height / height } : undefined,
		stops: placement.stops !== undefined,
	};
}
