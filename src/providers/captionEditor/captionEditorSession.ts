import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { WorkbenchServices } from '../../services/workbenchServices';
import {
	CaptionDocumentState, CaptionEditorIntent, FromCaptionEditorMessage, ImageState, NeighbourState, PositionState, ToCaptionEditorMessage,
	isCaptionEditorIntent, parseCaptionEditorMessage,
} from '../../core/protocol/captionEditor';
import { EDITOR_PREVIEW_EDGE, ImagePreview, THUMBNAIL_EDGE, imagePreview } from '../../core/preview';
import { captionTags } from '../../core/caption';
import { writeCaptionFile } from '../../core/captionFile';
import { WebviewHost } from '../../services/webviewHost';
import { Disposable } from '../../util/dispose';
import type { CaptionTagSource } from '../../services/tagSource';
import { CaptionTarget, NEW_CAPTION_SCHEME, filmstripRange, targetOfCaption } from './captionTarget';
import { FileFacts, buildDocumentState, readFileFacts } from './documentState';
import { applyTagIntent } from './tagEdits';
import { openCaptionAsText } from './openAsText';
import { CaptionEditHistory } from './captionHistory';

export interface SessionHost {
	readonly services: WorkbenchServices;
	readonly tags: CaptionTagSource;
	/** Where previews and thumbnails are cached (outside every dataset). */
	readonly previewCacheDir: string;
	/** Undo and redo of the editors' own edits, per caption (shared: two editors may show one caption). */
	readonly history: CaptionEditHistory;
	navigate(session: CaptionEditorSession, to: 'next' | 'previous' | number): Promise<void>;
}

const SEPARATOR = ',';
const FILMSTRIP_RADIUS = 4;
/** A problem's own fixes first; the linter also offers "fix all of this kind", which is enough beside them. */
const MAX_FIXES_PER_PROBLEM = 3;

/**
 * One caption editor panel. The TextDocument is the model: the webview's intents become WorkspaceEdits, so
 * dirty state, save and hot exit are VS Code's own, and a text editor on the same file stays in step. Every
 * change of the document (from here, a text editor or the disk) is sent back to the webview.
 *
 * The panel steps through its subset in place (`show`): a new tab per image cost most of a second, the webview's
 * start. The tab stays VS Code's editor of the caption it was opened on (the title follows the caption shown);
 * the shown caption is saved before stepping away from it, and Ctrl+S / Ctrl+Z in the editor act on the shown
 * caption (the provider's commands), not on the tab's first one.
 *
 * A caption stepped to is saved with each of this editor's edits, as taggui saves: no editor shows that file, and
 * VS Code opens every dirty text file no editor shows in a background tab of its own, 800 ms after it turns dirty
 * (its TextFileEditorTracker), which made a second tab. The tab's own caption keeps VS Code's save and hot exit.
 */
export class CaptionEditorSession extends Disposable {
	public target: CaptionTarget;
	private readonly webview: WebviewHost<ToCaptionEditorMessage, FromCaptionEditorMessage>;
	/** Set once the page has its `init`: document changes before that are in it. */
	private started = false;
	private facts: FileFacts | undefined;
	private intents: Promise<void> = Promise.resolve();
	/** The quick fixes last offered on the page, by id; a newer state replaces them. */
	private fixes = new Map<string, vscode.CodeAction>();
	private fixRound = 0;
	private fixesVersion = -1;
	/** The caption on screen: the tab's own at first, then wherever the user stepped. */
	private shown: vscode.TextDocument;
	private shownKey: string;
	/** Counts `show`s: work started for an earlier caption (previews, thumbnails) stops posting. */
	private generation = 0;
	private readonly onDidDisposeEmitter = this.register(new vscode.EventEmitter<void>());
	public readonly onDidDispose = this.onDidDisposeEmitter.event;

	constructor(public readonly tabDocument: vscode.TextDocument, public readonly panel: vscode.WebviewPanel, private readonly host: SessionHost) {
		super();
		this.shown = tabDocument;
		this.shownKey = tabDocument.uri.toString();
		this.target = { captionPath: tabDocument.uri.fsPath };
		const folder = host.services.trainingFolders.folderOf(tabDocument.uri.fsPath);
		this.webview = this.register(new WebviewHost(host.services.extensionUri, panel, {
			entry: 'captionEditor', title: basename(tabDocument.uri.fsPath), label: 'Caption editor', key: this.shownKey, log: host.services.log,
			// The whole training folder: stepping in place shows its other images without a new page.
			dataRoots: [vscode.Uri.file(folder?.root ?? vscode.Uri.joinPath(tabDocument.uri, '..').fsPath), vscode.Uri.file(host.previewCacheDir)],
			parse: parseCaptionEditorMessage,
			onReady: () => this.start(),
			onMessage: (message) => this.handle(message),
		}));
		this.register(vscode.workspace.onDidChangeTextDocument((event) => {
			if (event.document.uri.toString() === this.shownKey) {
				void this.onDocumentChanged(event.document);
			}
		}));
		this.register(vscode.workspace.onDidSaveTextDocument((document) => {
			if (document.uri.toString() === this.shownKey) {
				void this.refreshFacts().then(() => this.postDocument());
			}
		}));
		this.register(vscode.languages.onDidChangeDiagnostics((event) => {
			const image = this.target.imagePath;
			if (event.uris.some((uri) => uri.toString() === this.shownKey || (image !== undefined && uri.scheme === 'file' && uri.fsPath === image))) {
				this.postDocument();
			}
		}));
		this.register(host.services.trainingFolders.onDidChange((change) => {
			if (this.target.folder?.root === change.root || this.document.uri.fsPath.startsWith(change.root)) {
				void this.locate().then(() => {
					this.postDocument();
					this.postNeighbours();
				});
			}
		}));
		this.register(this.webview.onDidDispose(() => {
			this.onDidDisposeEmitter.fire();
			this.dispose();
		}));
	}

	/** The live document on screen: changing a document's language hands the extension host a new TextDocument object. */
	get document(): vscode.TextDocument {
		const current = vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.shownKey && !d.isClosed);
		if (current) {
			this.shown = current;
		}
		return this.shown;
	}

	/** Whether the caption on screen is another than the tab's own (VS Code's undo and save act on the tab's). */
	get stepped(): boolean {
		return this.shownKey !== this.tabDocument.uri.toString();
	}

	/** Shows another caption in this panel: no new tab, no new page (the page re-renders from a new `init`). */
	public async show(document: vscode.TextDocument): Promise<void> {
		this.shown = document;
		this.shownKey = document.uri.toString();
		this.started = false;
		this.fixes = new Map();
		this.webview.rekey(this.shownKey);
		this.panel.title = basename(document.uri.fsPath);
		await this.start();
	}

	/** Whether the panel has closed. */
	get closed(): boolean {
		return this.disposed;
	}

	/** Undoes (or redoes) the last edit this editor made to the caption on screen. */
	public async stepHistory(direction: 'undo' | 'redo'): Promise<void> {
		const document = this.document;
		const move = this.host.history[direction](this.shownKey, document.getText());
		if (!move) {
			return;
		}
		if ('refused' in move) {
			this.post({ type: 'notice', severity: 'info', message: move.refused });
			return;
		}
		if (await this.replaceText(document, move.text)) {
			await this.saveIfStepped(document);
		}
	}

	/** See the class comment: a caption stepped to must not stay dirty. */
	private async saveIfStepped(document: vscode.TextDocument): Promise<void> {
		if (!this.stepped || document.uri.scheme !== 'file' || !document.isDirty) {
			return;
		}
		if (!await document.save()) {
			this.post({ type: 'notice', severity: 'error', message: `${basename(document.uri.fsPath)} could not be saved; its change is kept unsaved. Is the file or its folder read-only?` });
		}
	}

	private async replaceText(document: vscode.TextDocument, text: string): Promise<boolean> {
		const edit = new vscode.WorkspaceEdit();
		edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
		return vscode.workspace.applyEdit(edit);
	}

	/** Resolves when the message's edit (if any) is applied. */
	private async handle(message: Exclude<FromCaptionEditorMessage, { type: 'ready' }>): Promise<void> {
		if (isCaptionEditorIntent(message)) {
			const next = this.intents.then(() => this.applyIntent(message));
			this.intents = next.catch(() => undefined);
			return next;
		}
		switch (message.type) {
			case 'navigate':
				await this.host.navigate(this, message.to);
				return;
			case 'requestSuggestions': {
				const folder = this.target.folder;
				const vocabulary = await this.host.tags.vocabulary(folder);
				const items = (await this.host.tags.index(folder)).suggest(message.prefix, vocabulary, captionTags(this.document.lineAt(0).text, SEPARATOR));
				this.post({ type: 'suggestions', requestId: message.requestId, items });
				return;
			}
			case 'openAsText':
				await openCaptionAsText(this.document.uri, this.panel.viewColumn);
				return;
			case 'applyFix':
				await this.applyFix(message.id);
				return;
			case 'painted':
				return; // for the VS Code bench, which reads it through the host's observer
		}
	}

	/** Resolves once the page has its `init`; the image (when not prepared yet) and the filmstrip follow. */
	private async start(): Promise<void> {
		const generation = ++this.generation;
		await Promise.all([this.locate(), this.refreshFacts()]);
		const imagePath = this.target.imagePath;
		// A prepared preview (a neighbour's, made while the previous image was shown) goes in the `init` itself.
		const prepared = imagePath ? await imagePreview(imagePath, this.host.previewCacheDir, { maxEdge: EDITOR_PREVIEW_EDGE, preparedOnly: true }) : undefined;
		if (!this.current(generation)) {
			return;
		}
		this.started = true;
		this.post({
			type: 'init',
			fileName: basename(this.document.uri.fsPath),
			trigger: this.target.folder?.trigger,
			// The quick fixes follow in a second message: asking the code action providers must not delay the first paint.
			document: this.plainDocumentState().state,
			image: imagePath ? (prepared?.ok ? this.imageState(imagePath, prepared) : { name: basename(imagePath) }) : undefined,
			...this.neighbourState(),
		});
		this.postDocument();
		void this.finishStart(generation, !prepared?.ok).catch((err: unknown) => {
			this.host.services.log.error(`Caption editor: preparing the previews of ${basename(this.document.uri.fsPath)} failed: ${err instanceof Error ? err.message : String(err)}`);
		});
	}

	private async finishStart(generation: number, imagePending: boolean): Promise<void> {
		if (imagePending) {
			await this.postImage(generation);
		}
		await this.postThumbnails(generation);
	}

	private current(generation: number): boolean {
		return generation === this.generation && !this.disposed;
	}

	private async locate(): Promise<void> {
		const folder = this.host.services.trainingFolders.folderOf(this.document.uri.fsPath);
		this.target = await targetOfCaption(this.document.uri.fsPath, folder);
	}

	private async refreshFacts(): Promise<void> {
		this.facts = await readFileFacts(this.document.uri);
	}

	private async onDocumentChanged(document: vscode.TextDocument): Promise<void> {
		if (!document.isDirty) {
			// Saved, reverted or reloaded from disk: the bytes may have changed under us.
			await this.refreshFacts();
		}
		this.postDocument();
	}

	private async applyIntent(intent: CaptionEditorIntent): Promise<void> {
		const document = this.document;
		const state = this.plainDocumentState().state;
		if (state.readOnlyReason) {
			this.post({ type: 'notice', severity: 'error', message: state.readOnlyReason });
			return;
		}
		const line = document.lineAt(0);
		const result = applyTagIntent(line.text, intent, { separator: SEPARATOR, trigger: this.target.folder?.trigger });
		if ('refused' in result) {
			this.post({ type: 'notice', severity: 'info', message: result.refused });
			return;
		}
		if (result.line === line.text) {
			return;
		}
		if (document.uri.scheme === NEW_CAPTION_SCHEME) {
			await this.createCaption(document.uri.with({ scheme: 'file' }), result.line);
			return;
		}
		const before = document.getText();
		const edit = new vscode.WorkspaceEdit();
		edit.replace(document.uri, line.range, result.line);
		if (!await vscode.workspace.applyEdit(edit)) {
			this.post({ type: 'notice', severity: 'error', message: `The change to ${basename(document.uri.fsPath)} could not be applied (is the file read-only?).` });
			return;
		}
		this.host.history.record(document.uri.toString(), before, document.getText());
		await this.saveIfStepped(document);
	}

	/**
	 * The first edit of a caption that does not exist yet, stepped to: the file is written at once, and the editor
	 * goes on with the file's document.
	 */
	private async createCaption(file: vscode.Uri, text: string): Promise<void> {
		const name = basename(file.fsPath);
		try {
			const result = await writeCaptionFile(file.fsPath, text, { unchangedFrom: undefined });
			if (!result.written) {
				this.post({ type: 'notice', severity: 'error', message: `${name} was not written: ${result.reason}.` });
				return;
			}
		} catch (err) {
			this.post({ type: 'notice', severity: 'error', message: `${name} could not be written (${err instanceof Error ? err.message : String(err)}). Is the folder read-only?` });
			return;
		}
		this.host.history.record(file.toString(), '', text);
		await this.show(await vscode.workspace.openTextDocument(file));
	}

	private plainDocumentState(): { state: CaptionDocumentState; diagnostics: vscode.Diagnostic[] } {
		const document = this.document;
		const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'lora');
		const diagnostics = document.uri.scheme === 'file' ? ours(document.uri) : [];
		const imageDiagnostics = this.target.imagePath ? ours(vscode.Uri.file(this.target.imagePath)) : [];
		const state = buildDocumentState({ document, separator: SEPARATOR, trigger: this.target.folder?.trigger, facts: this.facts, diagnostics, imageDiagnostics });
		return { state, diagnostics };
	}

	/** The state with each problem's quick fixes: the same code actions Ctrl+. offers in the text editor. */
	private async documentState(): Promise<CaptionDocumentState> {
		const { state, diagnostics } = this.plainDocumentState();
		const round = ++this.fixRound;
		const version = this.document.version;
		const fixes = new Map<string, vscode.CodeAction>();
		if (diagnostics.length > 0 && !state.readOnlyReason) {
			const uri = this.document.uri;
			// Asked per problem, at its range: the actions VS Code hands back do not say which diagnostic they fix.
			const perProblem = await Promise.all(diagnostics.map((diagnostic) => vscode.commands.executeCommand<vscode.CodeAction[] | undefined>(
				'vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value)));
			perProblem.forEach((actions, i) => {
				for (const action of (actions ?? []).slice(0, MAX_FIXES_PER_PROBLEM)) {
					const id = `${round}:${fixes.size}`;
					fixes.set(id, action);
					state.problems[i].fixes.push({ id, title: action.title });
				}
			});
		}
		if (round === this.fixRound) {
			this.fixes = fixes;
			this.fixesVersion = version;
		}
		return state;
	}

	private async applyFix(id: string): Promise<void> {
		// A fix is an edit at offsets of the text it was computed for: once the caption changed, it is refused.
		const action = this.document.version === this.fixesVersion ? this.fixes.get(id) : undefined;
		if (!action) {
			this.post({ type: 'notice', severity: 'info', message: 'The caption changed since that fix was offered; the problems shown are up to date now.' });
			this.postDocument();
			return;
		}
		if (action.edit && !await vscode.workspace.applyEdit(action.edit)) {
			this.post({ type: 'notice', severity: 'error', message: `"${action.title}" could not be applied (is the file read-only?).` });
			return;
		}
		if (action.command) {
			await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
		}
		await this.saveIfStepped(this.document);
	}

	/** Posts the newest state only: a slower, older computation never overwrites a newer one. */
	private postDocument(): void {
		if (!this.started) {
			return;
		}
		const round = this.fixRound + 1;
		void this.documentState().then((document) => {
			if (round === this.fixRound && !this.disposed) {
				this.post({ type: 'document', document });
			}
		});
	}

	private neighbourState(thumbs?: Map<number, string>): { position?: PositionState; neighbours: NeighbourState[] } {
		const { subset, index } = this.target;
		if (!subset || index === undefined) {
			return { neighbours: [] };
		}
		const neighbours = filmstripRange(index, subset.images.length, FILMSTRIP_RADIUS).map((i) => ({
			index: i,
			name: subset.images[i].name,
			hasCaption: subset.images[i].hasCaption,
			current: i === index,
			thumbSrc: thumbs?.get(i),
		}));
		return { position: { index, count: subset.images.length, subset: subset.name }, neighbours };
	}

	private postNeighbours(thumbs?: Map<number, string>): void {
		if (this.started) {
			this.post({ type: 'neighbours', ...this.neighbourState(thumbs) });
		}
	}

	private webviewSrc(path: string): string {
		return this.webview.asWebviewUri(path);
	}

	private imageState(imagePath: string, preview: ImagePreview): ImageState {
		return preview.ok
			? { name: basename(imagePath), previewSrc: this.webviewSrc(preview.path), fullSrc: this.webviewSrc(imagePath), width: preview.width, height: preview.height }
			: { name: basename(imagePath), error: preview.error };
	}

	private async postImage(generation: number): Promise<void> {
		const imagePath = this.target.imagePath;
		if (!imagePath) {
			return;
		}
		const preview = await imagePreview(imagePath, this.host.previewCacheDir, { maxEdge: EDITOR_PREVIEW_EDGE });
		const image = this.imageState(imagePath, preview);
		if (this.current(generation)) {
			this.post({ type: 'image', image });
		}
	}

	/**
	 * The next and previous images' previews and caption documents first (stepping on then finds them ready), then
	 * the filmstrip's thumbnails one at a time (the machine may have two cores).
	 */
	private async postThumbnails(generation: number): Promise<void> {
		const { subset, index } = this.target;
		if (!subset || index === undefined) {
			return;
		}
		const previewSrcs: string[] = [];
		for (const neighbour of [subset.images[(index + 1) % subset.images.length], subset.images[(index - 1 + subset.images.length) % subset.images.length]]) {
			if (neighbour && this.current(generation) && neighbour.path !== this.target.imagePath) {
				const preview = await imagePreview(neighbour.path, this.host.previewCacheDir, { maxEdge: EDITOR_PREVIEW_EDGE });
				if (preview.ok) {
					previewSrcs.push(this.webviewSrc(preview.path));
				}
				// Its caption's document too: a step then finds it open, with no round trip to load it.
				if (neighbour.hasCaption) {
					await Promise.resolve(vscode.workspace.openTextDocument(vscode.Uri.file(neighbour.captionPath))).catch(() => undefined);
				}
			}
		}
		if (this.current(generation) && previewSrcs.length > 0) {
			this.post({ type: 'prefetch', previewSrcs });
		}
		const thumbs = new Map<number, string>();
		for (const i of filmstripRange(index, subset.images.length, FILMSTRIP_RADIUS)) {
			if (!this.current(generation)) {
				return;
			}
			const thumb = await imagePreview(subset.images[i].path, this.host.previewCacheDir, { maxEdge: THUMBNAIL_EDGE });
			if (thumb.ok) {
				thumbs.set(i, this.webviewSrc(thumb.path));
			}
		}
		if (this.current(generation)) {
			this.postNeighbours(thumbs);
		}
	}

	private post(message: ToCaptionEditorMessage): void {
		this.webview.post(message);
	}
}
