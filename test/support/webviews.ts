import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../src/extension';
import type { CaptionEditorInit, DocumentChanged, FromCaptionEditorMessage, ImagePainted, ImageState, ToCaptionEditorMessage } from '../../src/core/protocol/captionEditor';
import type { CompareHostMessage, GridView } from '../../src/core/protocol/compareEpochs';
import type { CropItemView, CropperHostMessage, CropperWebviewMessage } from '../../src/core/protocol/cropper';
import type { GalleryHostMessage, GalleryPainted, GalleryWebviewMessage } from '../../src/core/protocol/gallery';
import type { HealthHostMessage } from '../../src/core/protocol/health';
import type { LikenessOverlay, LossPanelHostMessage, LossPoint } from '../../src/core/protocol/lossPanel';
import type { WebviewTraffic } from '../../src/services/webviewHost';

/**
 * What each panel showed, read from the webview host's observer (`api.testing.webviews`, recorded because the
 * extension runs in ExtensionMode.Test): the messages its host posted and what its page sent or acknowledged.
 * Production classes keep nothing for tests; these views derive it. Each returns undefined until the panel exists.
 */

type Posted<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;

function traffic(api: WorkbenchApi, viewType: string, key?: string, openOnly = true): WebviewTraffic | undefined {
	if (!api.testing.webviews) {
		throw new Error('webview traffic is recorded only when the extension runs under tests (ExtensionMode.Test)');
	}
	const found = api.testing.webviews.find(viewType, key);
	return found && (found.open || !openOnly) ? found : undefined;
}

function lastPosted<M extends { type: string }, T extends M['type']>(t: WebviewTraffic, type: T): Posted<M, T> | undefined {
	for (let i = t.posted.length - 1; i >= 0; i--) {
		if (t.posted[i].message.type === type) {
			return t.posted[i].message as Posted<M, T>;
		}
	}
	return undefined;
}

function postedOf<M extends { type: string }, T extends M['type']>(t: WebviewTraffic, type: T): Posted<M, T>[] {
	return t.posted.filter((p) => p.message.type === type).map((p) => p.message as Posted<M, T>);
}

/** The first message of a type the page sent, with when the host got it. */
function firstReceived<M extends { type: string }>(t: WebviewTraffic, match: (message: M) => boolean): { message: M; at: number } | undefined {
	const found = t.received.find((r) => match(r.message as M));
	return found && { message: found.message as M, at: found.at };
}

/** One view object per panel, so a test can tell a new panel from the one it had. */
const views = new WeakMap<WebviewTraffic, unknown>();
function viewOf<V>(t: WebviewTraffic, make: (t: WebviewTraffic) => V): V {
	if (!views.has(t)) {
		views.set(t, make(t));
	}
	return views.get(t) as V;
}

//#region gallery

export interface GalleryView {
	/** Whether the page has said `ready`. */
	readonly webviewReady: boolean;
	/** When the host got the page's `ready` and first posted an `init` (`performance.now()` of the extension host). */
	readonly readyAt: number | undefined;
	readonly firstInitAt: number | undefined;
	/** The image ids each `init` and `images` message carried, with when it was posted, oldest first. */
	readonly imagePosts: ReadonlyArray<{ type: 'init' | 'images'; at: number; ids: number[] }>;
	/** The last message of each type sent to the page. */
	readonly sent: { get(type: GalleryHostMessage['type']): GalleryHostMessage | undefined };
	/** When the page said each stage was first on screen (`performance.now()` of the extension host). */
	readonly firstPaints: {
		get(stage: GalleryPainted['stage']): { at: number; cells: number } | undefined;
		has(stage: GalleryPainted['stage']): boolean;
	};
	/** Handles a message as if the page had sent it. */
	receive(message: unknown): Promise<void>;
}

/** The open gallery of a training folder. */
export function galleryPanel(api: WorkbenchApi, root: string): GalleryView | undefined {
	const t = traffic(api, 'loraWorkbench.gallery', root);
	return t && viewOf(t, (t): GalleryView => {
		const paint = (stage: GalleryPainted['stage']) => {
			const found = firstReceived<GalleryWebviewMessage>(t, (m) => m.type === 'painted' && m.stage === stage);
			return found && found.message.type === 'painted' ? { at: found.at, cells: found.message.cells } : undefined;
		};
		return {
			get webviewReady() { return t.ready; },
			get readyAt() { return firstReceived<{ type: string }>(t, (m) => m.type === 'ready')?.at; },
			get firstInitAt() { return t.posted.find((p) => p.message.type === 'init')?.at; },
			get imagePosts() {
				return t.posted.flatMap((p) => {
					const message = p.message as GalleryHostMessage;
					return message.type === 'init' || message.type === 'images' ? [{ type: message.type, at: p.at, ids: message.images.map((i) => i.id) }] : [];
				});
			},
			sent: { get: (type) => lastPosted<GalleryHostMessage, typeof type>(t, type) },
			firstPaints: { get: paint, has: (stage) => paint(stage) !== undefined },
			receive: (message) => t.receive(message),
		};
	});
}

//#endregion

//#region loss panel

export interface LossPanelView {
	/** The runs the open panel shows. */
	readonly selectedRuns: readonly string[];
	readonly lastInit: Posted<LossPanelHostMessage, 'init'> | undefined;
	/** Every point's step posted to the page, per run. */
	readonly postedPoints: { get(runId: string): number[] | undefined };
	/** The learning-rate and validation points posted, per run: (step, value). */
	readonly postedLr: { get(runId: string): [number, number][] | undefined };
	readonly postedValLoss: { get(runId: string): [number, number][] | undefined };
	/** When the page said its first chart was on screen. */
	readonly firstPaint: { at: number; points: number } | undefined;
	/** When the host got the page's `ready` and first posted an `init` (`performance.now()` of the extension host). */
	readonly readyAt: number | undefined;
	readonly firstInitAt: number | undefined;
	/** How many `init` messages the host posted to this page. */
	readonly initsPosted: number;
	/** Every likeness overlay posted to the page, oldest first. */
	readonly likenessOverlays: LikenessOverlay[];
	/** Handles a message as if the page had sent it; resolves when its handler is done. */
	receive(message: unknown): Promise<void>;
}

/** The open loss panel. */
export function lossPanel(api: WorkbenchApi): LossPanelView | undefined {
	const t = api.testing.trainingWatch.lossPanel() && traffic(api, 'loraWorkbench.lossPanel');
	return t ? viewOf(t, (t): LossPanelView => {
		const points = (runId: string): LossPoint[] | undefined => {
			const batches = postedOf<LossPanelHostMessage, 'points'>(t, 'points').filter((m) => m.runId === runId);
			return batches.length ? batches.flatMap((m) => m.points) : undefined;
		};
		const values = (runId: string, key: 'lr' | 'valLoss'): [number, number][] | undefined => {
			const found = (points(runId) ?? []).filter((p) => typeof p[key] === 'number').map((p): [number, number] => [p.step, p[key] as number]);
			return found.length ? found : undefined;
		};
		return {
			get selectedRuns() { return api.testing.trainingWatch.lossPanel()?.selectedRuns ?? []; },
			get lastInit() { return lastPosted<LossPanelHostMessage, 'init'>(t, 'init'); },
			postedPoints: { get: (runId) => points(runId)?.map((p) => p.step) },
			postedLr: { get: (runId) => values(runId, 'lr') },
			postedValLoss: { get: (runId) => values(runId, 'valLoss') },
			get firstPaint() {
				const found = firstReceived<{ type: string; points?: number }>(t, (m) => m.type === 'painted');
				return found && { at: found.at, points: found.message.points ?? 0 };
			},
			get likenessOverlays() { return postedOf<LossPanelHostMessage, 'likeness'>(t, 'likeness').map((m) => m.overlay); },
			get readyAt() { return firstReceived<{ type: string }>(t, (m) => m.type === 'ready')?.at; },
			get firstInitAt() { return t.posted.find((p) => p.message.type === 'init')?.at; },
			get initsPosted() { return postedOf<LossPanelHostMessage, 'init'>(t, 'init').length; },
			receive: (message) => t.receive(message),
		};
	}) : undefined;
}

//#endregion

//#region caption editor

export interface CaptionEditorView {
	/** Whether the page has its `init`. */
	readonly ready: boolean;
	/** The caption line and tag count the page last rendered (the last document it acknowledged). */
	readonly lastRendered: { firstLine: string; tagCount: number } | undefined;
	/** Every message posted to the page, oldest first. */
	readonly posted: readonly ToCaptionEditorMessage[];
	/** The image as the page was last told it: a prepared preview comes in the `init`, one still to make in an `image`. */
	readonly image: ImageState | undefined;
	/** When the host posted the page its `init` (`performance.now()` of the extension host). */
	readonly initAt: number | undefined;
	/** When the page said its image pane was first on screen. */
	readonly firstPaint: { at: number; image: ImagePainted['image']; width: number; height: number; pageMs?: number } | undefined;
	/** The caption's TextDocument (the editor's model). */
	readonly document: vscode.TextDocument;
	/** Handles a message as if the page had sent it; resolves when its edit (if any) is applied. */
	receive(message: unknown): Promise<void>;
}

/** The open caption editor on `uri`. */
export function captionEditor(api: WorkbenchApi, uri: vscode.Uri): CaptionEditorView | undefined {
	const key = uri.toString();
	const t = traffic(api, 'loraWorkbench.captionEditor', key);
	return t && viewOf(t, (t): CaptionEditorView => ({
		get ready() { return lastPosted<ToCaptionEditorMessage, 'init'>(t, 'init') !== undefined; },
		get lastRendered() {
			for (let i = t.posted.length - 1; i >= 0; i--) {
				const { message, seq } = t.posted[i];
				if ((message.type === 'init' || message.type === 'document') && seq !== undefined && seq <= t.handledSeq) {
					const state = (message as CaptionEditorInit | DocumentChanged).document;
					return { firstLine: state.firstLine, tagCount: state.tags.length };
				}
			}
			return undefined;
		},
		get posted() { return t.posted.map((p) => p.message as ToCaptionEditorMessage); },
		get initAt() { return t.posted.find((p) => p.message.type === 'init')?.at; },
		get image() {
			for (let i = t.posted.length - 1; i >= 0; i--) {
				const message = t.posted[i].message as ToCaptionEditorMessage;
				if (message.type === 'image' || message.type === 'init') {
					return message.image;
				}
			}
			return undefined;
		},
		get firstPaint() {
			const fileName = uri.path.slice(uri.path.lastIndexOf('/') + 1);
			const found = firstReceived<FromCaptionEditorMessage>(t, (m) => m.type === 'painted' && m.fileName === fileName);
			return found && found.message.type === 'painted' ? { at: found.at, image: found.message.image, width: found.message.width, height: found.message.height, pageMs: found.message.pageMs } : undefined;
		},
		get document() {
			const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key && !d.isClosed);
			if (!document) {
				throw new Error(`${uri.fsPath} is not open`);
			}
			return document;
		},
		receive: (message) => t.receive(message),
	}));
}

//#endregion

//#region cropper, health, compare epochs

export interface CropperView {
	/** The items as the page was last told them. */
	readonly items: CropItemView[];
	/** Handles a message as if the page had sent it; resolves when its writes are done. */
	handle(message: CropperWebviewMessage): Promise<void>;
}

/** The newest cropper, once its page has its items. */
export function cropper(api: WorkbenchApi): CropperView | undefined {
	const t = traffic(api, 'loraWorkbench.cropper', undefined, false);
	return t && lastPosted<CropperHostMessage, 'init'>(t, 'init') ? viewOf(t, (t): CropperView => ({
		get items() {
			const items = [...(lastPosted<CropperHostMessage, 'init'>(t, 'init')?.items ?? [])];
			const start = t.posted.map((p) => p.message.type).lastIndexOf('init');
			for (const { message } of t.posted.slice(start + 1)) {
				if (message.type === 'item') {
					const item = (message as Posted<CropperHostMessage, 'item'>).item;
					const index = items.findIndex((i) => i.id === item.id);
					if (index !== -1) {
						items[index] = item;
					}
				}
			}
			return items;
		},
		handle: (message) => t.receive(message),
	})) : undefined;
}

/** The last view the health panel of a folder was sent. */
export function healthView(api: WorkbenchApi, root: string): Posted<HealthHostMessage, 'init'> | undefined {
	const t = traffic(api, 'loraWorkbench.datasetHealth', root, false);
	return t && lastPosted<HealthHostMessage, 'init'>(t, 'init');
}

/** The last grid a Compare Epochs panel was sent; `key`: the folder root, or root + '\n' + run key for an earlier run. */
export function compareGrid(api: WorkbenchApi, key: string): GridView | undefined {
	const t = traffic(api, 'loraWorkbench.compareEpochs', key, false);
	return t && (lastPosted<{ type: 'init'; grid: GridView }, 'init'>(t, 'init'))?.grid;
}

/** The last likeness scores (or the reason there are none) a Compare Epochs panel was sent. */
export function compareLikeness(api: WorkbenchApi, key: string): Posted<CompareHostMessage, 'likeness'> | undefined {
	const t = traffic(api, 'loraWorkbench.compareEpochs', key, false);
	return t && lastPosted<CompareHostMessage, 'likeness'>(t, 'likeness');
}

//#endregion
