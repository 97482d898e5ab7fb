import * as vscode from 'vscode';
import { SEQ_FIELD, isHandledMessage } from '../core/protocol/observed';
import { Disposable } from '../util/dispose';
import { renderWebviewHtml, webviewResourceRoots } from '../util/webviewHtml';

/** Every message of every panel protocol (src/core/protocol/<panel>.ts) has a string `type`. */
type Message = { type: string };

export interface WebviewHostOptions<FromWebview extends Message> {
	/** The page's bundle under dist/webview: its folder name under webview/. */
	entry: string;
	/** The page's <title>. */
	title: string;
	/** Names the panel in log lines and error messages ("Compare Epochs"). */
	label: string;
	/** Which panel of its kind this is (a training folder, a caption's URI): how tests find it through the observer. */
	key?: string;
	/** Folders the page loads files from besides our bundles (images, thumbnails, previews). */
	dataRoots?: readonly vscode.Uri[];
	log: vscode.LogOutputChannel;
	/** Checks a message from the page: returns it (or a clean copy), or undefined to log and ignore it. */
	parse(value: unknown): FromWebview | undefined;
	/** The page asks for its state (on load, and again whenever VS Code reloads it): post the `init` message. */
	onReady(): void | Promise<void>;
	/** Every other valid message from the page. */
	onMessage(message: Exclude<FromWebview, { type: 'ready' }>): void | Promise<void>;
}

/** A new editor-area panel (the caption editor and a restored loss panel come from VS Code instead). */
export interface NewPanelOptions {
	viewType: string;
	/** The tab's title. */
	title: string;
	/** Default: the active column. */
	column?: vscode.ViewColumn;
	/** Open (and reveal) without taking the focus from the editor. */
	preserveFocus?: boolean;
	retainContextWhenHidden?: boolean;
}

/** A guard from a protocol module as a `parse` option: the message itself when valid. */
export function parseWith<T>(guard: (value: unknown) => value is T): (value: unknown) => T | undefined {
	return (value) => (guard(value) ? value : undefined);
}

/**
 * The host side of one webview panel, the same for every panel: the HTML shell (strict CSP with a nonce, our
 * bundles, codicons and the shared theme stylesheet, `localResourceRoots`), the `ready` -> `init` handshake,
 * "validate, log, ignore" for what the page sends, and posting: nothing is posted before the page said `ready`
 * (its `init` carries the whole state) or after the panel closed, unless the panel sent its state early
 * (`sendStateEarly`). A handler's failure is logged and shown once, with the panel's name. Under tests an observer
 * records the traffic (see WebviewObserver).
 */
export class WebviewHost<ToWebview extends Message, FromWebview extends Message> extends Disposable {
	private pageSaidReady = false;
	/** `sendStateEarly` ran and the page has not said `ready` since; `lost` once VS Code dropped one of those messages. */
	private early: 'sent' | 'lost' | undefined;
	private record: TrafficRecord | undefined;
	private readonly disposeEmitter = new vscode.EventEmitter<void>();
	/** Fires once when the panel closes (or the host is disposed). */
	public readonly onDidDispose = this.disposeEmitter.event;

	/** Opens a new panel and hosts its page. */
	public static open<To extends Message, From extends Message>(extensionUri: vscode.Uri, panel: NewPanelOptions, options: WebviewHostOptions<From>): WebviewHost<To, From> {
		const created = vscode.window.createWebviewPanel(panel.viewType, panel.title, { viewColumn: panel.column ?? vscode.ViewColumn.Active, preserveFocus: panel.preserveFocus }, {
			enableScripts: true,
			retainContextWhenHidden: panel.retainContextWhenHidden,
			localResourceRoots: webviewResourceRoots(extensionUri, ...(options.dataRoots ?? [])),
		});
		return new WebviewHost<To, From>(extensionUri, created, options, panel.preserveFocus, panel.retainContextWhenHidden === true);
	}

	/** Hosts a page in a panel VS Code made (a custom editor, a panel restored after a reload). */
	public constructor(extensionUri: vscode.Uri, public readonly panel: vscode.WebviewPanel, private readonly options: WebviewHostOptions<FromWebview>, private readonly preserveFocus = false,
		/** Whether VS Code keeps the page while the panel is hidden (`sendStateEarly` needs it). */
		private readonly keepsPage = false) {
		super();
		this.register(panel);
		panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(extensionUri, ...(options.dataRoots ?? [])) };
		panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, { entry: options.entry, title: options.title });
		this.record = observer?.add(panel.viewType, options.key ?? '', (message) => this.receive(message));
		this.register(panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)));
		this.register(panel.onDidDispose(() => this.dispose()));
	}

	public override dispose(): void {
		if (this.disposed) {
			return;
		}
		super.dispose();
		this.record?.close();
		this.disposeEmitter.fire();
		this.disposeEmitter.dispose();
	}

	/** Whether what is posted now reaches the page: it asked for its state, or was sent it early. */
	public get ready(): boolean {
		return this.pageSaidReady || this.early !== undefined;
	}

	/**
	 * Runs `onReady` now, before the page asks: for a new panel, whose page takes VS Code a few hundred milliseconds
	 * to start. VS Code keeps what is posted to a page that has not loaded yet and hands it over once it has, so the
	 * page gets its state without the `ready` round trip (about 60-160 ms here; issue 22), and the host reads it while
	 * VS Code starts the page. The page's first `ready` then asks for nothing; a later one (VS Code reloaded the page)
	 * gets the state again, as does the first if VS Code dropped anything posted early. Only a panel this host opened
	 * with `retainContextWhenHidden` does it (for others it waits for `ready` as before): VS Code may start another
	 * page for one that does not keep its page, if it is hidden before its first page loaded, and that page's first
	 * `ready` would go unanswered. Call it once the panel's own fields are set: `onReady` reads them.
	 */
	public sendStateEarly(): void {
		if (this.ready || this.disposed || !this.keepsPage) {
			return;
		}
		this.early = 'sent';
		void this.run(() => this.options.onReady());
	}

	/** Posts to the page once it is ready (or early state was sent); before that (and after the panel closed) it is dropped. */
	public post(message: ToWebview): void {
		const delivered = this.ready && !this.disposed;
		const seq = this.record?.notePosted(message, delivered);
		if (delivered) {
			const posted = this.panel.webview.postMessage(seq === undefined ? message : { ...message, [SEQ_FIELD]: seq });
			if (this.early === 'sent') {
				void Promise.resolve(posted).then((reached) => {
					if (!reached && this.early === 'sent') {
						this.early = 'lost';
					}
				});
			}
		}
	}

	/**
	 * A file as the page may load it (it must lie under one of the data roots). After the panel closed (content still
	 * being made in the background, e.g. a grid waiting for its scores) it is '': VS Code throws on a disposed
	 * webview, and nothing is posted to it anyway.
	 */
	public asWebviewUri(path: string): string {
		return this.disposed ? '' : this.panel.webview.asWebviewUri(vscode.Uri.file(path)).toString();
	}

	public reveal(): void {
		this.panel.reveal(undefined, this.preserveFocus);
	}

	/**
	 * The panel now shows another thing of its kind (the caption editor stepping to the next caption in place):
	 * under tests the traffic so far stays with the old key, as if that panel had closed, and the rest is recorded
	 * under the new one.
	 */
	public rekey(key: string): void {
		const previous = this.record;
		if (!previous || previous.key === key || !observer) {
			return;
		}
		previous.close();
		this.record = observer.add(previous.viewType, key, previous.receive).continuing(previous);
	}

	/** One message from the page (or from a test acting as the page): resolves once its handler is done. */
	private receive(raw: unknown): Promise<void> {
		if (this.record && isHandledMessage(raw)) {
			this.record.noteHandled(raw.seq);
			return Promise.resolve();
		}
		const message = this.options.parse(raw);
		if (!message) {
			this.options.log.warn(`${this.options.label}: ignored an unexpected message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
			return Promise.resolve();
		}
		this.record?.noteReceived(message);
		if (message.type === 'ready') {
			const hasState = !this.pageSaidReady && this.early === 'sent';
			this.pageSaidReady = true;
			this.early = undefined;
			return hasState ? Promise.resolve() : this.run(() => this.options.onReady());
		}
		return this.run(() => this.options.onMessage(message as Exclude<FromWebview, { type: 'ready' }>));
	}

	/** Runs a handler; synchronous work is done before this returns (the gallery's filter is, tests rely on it). */
	private async run(work: () => void | Promise<void>): Promise<void> {
		try {
			await work();
		} catch (err) {
			const text = `${this.options.label}: ${err instanceof Error ? err.message : String(err)}`;
			this.options.log.error(text);
			void vscode.window.showErrorMessage(text);
		}
	}
}

/**
 * Queued posting: items are collected and handed to `send` together `delayMs` after the first (or at once by
 * `flush()`), so a fast producer (thumbnails made one by one, a trainer's progress lines) makes a few messages
 * a second, not hundreds.
 */
export class PostBatch<T> implements vscode.Disposable {
	private items: T[] = [];
	private timer: NodeJS.Timeout | undefined;

	public constructor(private readonly delayMs: number, private readonly send: (items: T[]) => void) {}

	public add(...items: T[]): void {
		this.items.push(...items);
		this.timer ??= setTimeout(() => this.flush(), this.delayMs);
	}

	public flush(): void {
		const items = this.items;
		this.clear();
		if (items.length > 0) {
			this.send(items);
		}
	}

	/** Drops what is queued (the next `init` carries it). */
	public clear(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		this.items = [];
	}

	public dispose(): void {
		this.clear();
	}
}

/** The open panels of one kind, one per key (a training folder; a folder and run): opening an open key reveals it. */
export class PanelsByKey<T extends { readonly host: { reveal(): void; readonly onDidDispose: vscode.Event<void> } }> {
	private readonly open = new Map<string, T>();

	public get(key: string): T | undefined {
		return this.open.get(key);
	}

	/** The open panel of `key`, revealed; else a new one from `create`. */
	public show(key: string, create: () => T): T {
		const existing = this.open.get(key);
		if (existing) {
			existing.host.reveal();
			return existing;
		}
		return this.add(key, create());
	}

	/** Keeps `panel` as the one of `key` until it closes. */
	public add(key: string, panel: T): T {
		this.open.set(key, panel);
		panel.host.onDidDispose(() => {
			if (this.open.get(key) === panel) {
				this.open.delete(key);
			}
		});
		return panel;
	}
}

//#region observer (tests only)

/** A message with when it passed (`performance.now()` of the extension host, for the VS Code bench). */
export interface RecordedMessage {
	readonly message: { readonly type: string };
	readonly at: number;
}

export interface PostedMessage extends RecordedMessage {
	/** Its number when it went to the page; undefined when it was dropped (page not ready yet, panel closed). */
	readonly seq?: number;
}

/** What a test sees of one panel: the messages both ways, and a way to act as its page. */
export interface WebviewTraffic {
	readonly viewType: string;
	readonly key: string;
	/** Everything the host posted, or would have posted had the page been ready, oldest first. */
	readonly posted: readonly PostedMessage[];
	/** Every valid message from the page (or from `receive`), oldest first. */
	readonly received: readonly RecordedMessage[];
	/** The highest `seq` whose handler has run on the page: what the page shows. */
	readonly handledSeq: number;
	/** Whether the page has said `ready`. */
	readonly ready: boolean;
	readonly open: boolean;
	/** Handles a message as if the page had sent it (validated like one); resolves when its handler is done. */
	receive(message: unknown): Promise<void>;
}

class TrafficRecord implements WebviewTraffic {
	public readonly posted: PostedMessage[] = [];
	public readonly received: RecordedMessage[] = [];
	public handledSeq = 0;
	public ready = false;
	public open = true;
	private nextSeq = 1;

	public constructor(public readonly viewType: string, public readonly key: string, public readonly receive: (message: unknown) => Promise<void>) {}

	public notePosted(message: Message, delivered: boolean): number | undefined {
		const seq = delivered ? this.nextSeq++ : undefined;
		this.posted.push({ message, at: performance.now(), seq });
		return seq;
	}

	public noteReceived(message: Message): void {
		this.ready ||= message.type === 'ready';
		this.received.push({ message, at: performance.now() });
	}

	public noteHandled(seq: number): void {
		this.handledSeq = Math.max(this.handledSeq, seq);
	}

	public close(): void {
		this.open = false;
	}

	/** Takes over a record of the same page: its sequence numbers and readiness go on. */
	public continuing(previous: TrafficRecord): this {
		this.nextSeq = previous.nextSeq;
		this.handledSeq = previous.handledSeq;
		this.ready = previous.ready;
		return this;
	}
}

/**
 * Records every webview's traffic while the extension runs under tests (ExtensionMode.Test; the composition root
 * installs it and hands it out as the API's `testing.webviews`). Production code never reads it: tests and the
 * VS Code bench derive what a panel showed from what its host posted and what its page answered
 * (test/support/webviews.ts).
 */
export class WebviewObserver {
	private readonly records: TrafficRecord[] = [];

	/** The newest panel of a kind (and key): an open one when there is one. */
	public find(viewType: string, key?: string): WebviewTraffic | undefined {
		const matching = this.records.filter((r) => r.viewType === viewType && (key === undefined || r.key === key));
		return matching.reverse().find((r) => r.open) ?? matching[0];
	}

	/** @internal Called by each new host. */
	public add(viewType: string, key: string, receive: (message: unknown) => Promise<void>): TrafficRecord {
		// Closed panels of the same kind and key are superseded: only the newest stays readable.
		for (let i = this.records.length - 1; i >= 0; i--) {
			if (!this.records[i].open && this.records[i].viewType === viewType && this.records[i].key === key) {
				this.records.splice(i, 1);
			}
		}
		const record = new TrafficRecord(viewType, key, receive);
		this.records.push(record);
		return record;
	}
}

let observer: WebviewObserver | undefined;

/** Starts recording every webview host made from now on (the composition root calls it under tests only). */
export function observeWebviews(): WebviewObserver {
	observer ??= new WebviewObserver();
	return observer;
}

//#endregion
