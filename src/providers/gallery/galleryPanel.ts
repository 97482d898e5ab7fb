import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DatasetImage, TrainingFolder } from '../../core/dataset';
import { GalleryHostMessage, GalleryImage, GalleryPainted, GalleryWebviewMessage, isGalleryWebviewMessage } from '../../core/protocol/gallery';
import { buildTagTable, tagStatsSubsets } from '../../core/tagStats';
import type { ThumbnailCache } from '../../core/thumbnails';
import { NativeModuleError } from '../../core/nativeModules';
import { Disposable } from '../../util/dispose';
import { renderWebviewHtml, webviewResourceRoots } from '../../util/webviewHtml';
import { BULK_COMMANDS } from '../bulkEdit';
import type { TrainingFolderService } from '../../services/trainingFolders';
import { GalleryFilter, GalleryState, filterImages } from './galleryState';

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
	private static readonly panels = new Map<string, GalleryPanel>();
	/** Set once the user was told sharp cannot load (thumbnails), so it is said once per session, not per image. */
	private static toldUnloadable = false;
	private images: DatasetImage[] = [];
	private readonly pendingThumbnails = new Map<number, AbortController>();
	private outbox: Array<{ id: number; src?: string; error?: string }> = [];
	private flushTimer: NodeJS.Timeout | undefined;
	/** For tests: the last message of each type sent to the webview. */
	public readonly sent = new Map<GalleryHostMessage['type'], GalleryHostMessage>();
	/** Whether the webview has said it is ready (tests wait for it before acting as the webview). */
	public webviewReady = false;
	/** When the page said each stage was first on screen (`performance.now()` of this host), for the VS Code bench. */
	public readonly firstPaints = new Map<GalleryPainted['stage'], { at: number; cells: number }>();

	public static current(root: string): GalleryPanel | undefined {
		return GalleryPanel.panels.get(root);
	}

	public static show(context: GalleryContext, folder: TrainingFolder, filter?: GalleryFilter): GalleryPanel {
		let instance = GalleryPanel.panels.get(folder.root);
		if (!instance) {
			const panel = vscode.window.createWebviewPanel('loraWorkbench.gallery', `Gallery: ${basename(folder.root)}`, vscode.ViewColumn.Active, {
				enableScripts: true,
				retainContextWhenHidden: true,
				localResourceRoots: webviewResourceRoots(context.extensionUri, context.thumbnailDir),
			});
			instance = new GalleryPanel(context, panel, folder.root);
			GalleryPanel.panels.set(folder.root, instance);
		} else {
			instance.panel.reveal();
		}
		if (filter) {
			instance.applyFilter(filter);
			instance.sendInit();
		}
		return instance;
	}

	private constructor(private readonly context: GalleryContext, private readonly panel: vscode.WebviewPanel, public readonly root: string) {
		super();
		this.register(panel);
		panel.webview.html = renderWebviewHtml(panel.webview, context.extensionUri, { entry: 'gallery', title: 'Gallery' });
		this.register(panel.onDidDispose(() => {
			GalleryPanel.panels.delete(root);
			this.dispose();
		}));
		this.register(panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)));
		this.register(context.trainingFolders.onDidChange((change) => {
			if (change.root === root && change.folder) {
				this.sendInit();
			} else if (change.root === root) {
				panel.dispose();
			}
		}));
		this.register({ dispose: () => { this.abortAll(); clearTimeout(this.flushTimer); } });
		this.loadImages();
	}

	private get folder(): TrainingFolder | undefined {
		return this.context.trainingFolders.get(this.root);
	}

	private loadImages(): void {
		this.images = this.folder?.subsets.flatMap((s) => s.images) ?? [];
	}

	/** Handles a message as if the webview had sent it (tests call this too); anything invalid is ignored. */
	public receive(message: unknown): void {
		if (!isGalleryWebviewMessage(message)) {
			return;
		}
		this.handle(message);
	}

	private handle(message: GalleryWebviewMessage): void {
		switch (message.type) {
			case 'ready':
				this.webviewReady = true;
				this.sendInit();
				break;
			case 'filter':
				this.applyFilter({ tag: message.tag, expression: message.expression });
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
				if (!this.firstPaints.has(message.stage)) {
					this.firstPaints.set(message.stage, { at: performance.now(), cells: message.cells });
				}
				break;
		}
	}

	private post(message: GalleryHostMessage): void {
		this.sent.set(message.type, message);
		void this.panel.webview.postMessage(message);
	}

	private sendInit(): void {
		const folder = this.folder;
		if (!folder) {
			return;
		}
		const selected = new Set(this.context.state.get(this.root).selected);
		this.abortAll();
		this.loadImages();
		const images: GalleryImage[] = this.images.map((image, id) => ({ id, name: image.name, subset: basename(image.path.slice(0, -image.name.length - 1)), caption: image.caption }));
		const table = buildTagTable(tagStatsSubsets(folder));
		const filter = this.context.state.get(this.root).filter;
		const stillSelected = this.images.flatMap((image, id) => (selected.has(image.path) ? [id] : []));
		this.context.state.setSelection(this.root, stillSelected.map((id) => this.images[id].path));
		this.post({
			type: 'init', folderName: basename(folder.root), root: folder.root, images,
			tags: table.rows.map((r) => ({ label: r.label, key: r.key, count: r.count })),
			thumbnailSize: this.context.thumbnails.size, tag: filter.tag, expression: filter.expression, selected: stillSelected,
		});
		this.applyFilter(filter);
	}

	/** Filters on the host and tells the webview which ids pass; returns the matching image paths. */
	public applyFilter(filter: GalleryFilter): { paths: string[]; error?: { column: number; message: string } } {
		const folder = this.folder;
		if (!folder) {
			return { paths: [] };
		}
		const outcome = filterImages(folder, filter);
		const ids = new Map(this.images.map((image, id) => [image.path, id]));
		const active = filter.tag.trim() !== '' || (filter.expression.trim() !== '' && !outcome.error);
		const paths = outcome.images.map((i) => i.path);
		this.context.state.setFilter(this.root, filter, active ? paths : undefined);
		this.post({ type: 'filtered', ids: paths.map((p) => ids.get(p)!).filter((id) => id !== undefined), tag: filter.tag, expression: filter.expression, error: outcome.error });
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
				(thumbnail) => this.queueThumbnail({ id, src: this.panel.webview.asWebviewUri(vscode.Uri.file(thumbnail.file)).toString() }),
				(err: unknown) => {
					if (!controller.signal.aborted) {
						const message = err instanceof Error ? err.message : String(err);
						this.context.log.warn(message);
						this.queueThumbnail({ id, error: message });
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

	/** Thumbnails arrive one by one; send them in small batches so the webview repaints a few times a second, not hundreds. */
	private queueThumbnail(item: { id: number; src?: string; error?: string }): void {
		this.outbox.push(item);
		if (!this.flushTimer) {
			this.flushTimer = setTimeout(() => {
				this.flushTimer = undefined;
				const items = this.outbox;
				this.outbox = [];
				this.post({ type: 'thumbnails', items });
			}, 40);
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
