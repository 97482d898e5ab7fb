import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import type { WorkbenchServices } from '../../services/workbenchServices';
import { Disposable } from '../../util/dispose';
import type { CaptionTagSource } from '../../services/tagSource';
import { CaptionEditorSession, SessionHost } from './captionEditorSession';
import { CaptionEditHistory } from './captionHistory';
import { NEW_CAPTION_SCHEME, captionPathOfImage, isImagePath } from './captionTarget';
import { DefaultEditorSetting } from './defaultEditor';
import { CAPTION_EDITOR_VIEW_TYPE } from './openAsText';

export { CAPTION_EDITOR_VIEW_TYPE };
/** "Open With..." on an image: hands over to the caption editor on the image's caption. */
export const IMAGE_CAPTION_VIEW_TYPE = 'loraWorkbench.imageCaptionEditor';

/** What integration tests use besides the webview observer (`testing.webviews`, which drives a session's page). */
export interface CaptionEditorTesting {
	/** Opens the editor on an image's caption (or a new caption), like the explorer's "Open With...". */
	openForImage(imageUri: vscode.Uri): Promise<vscode.Uri>;
}

/**
 * The caption editor: a CustomTextEditorProvider on caption files (the TextDocument is the model), plus
 * the commands that open it from an image and step through a subset.
 */
export class CaptionEditorProvider extends Disposable implements vscode.CustomTextEditorProvider, SessionHost {
	private readonly sessions = new Map<string, CaptionEditorSession>();
	public readonly tags: CaptionTagSource;
	public readonly previewCacheDir: string;
	public readonly history = new CaptionEditHistory();
	/** Steps of one editor run one after another: a second Next waits for the first image to be shown. */
	private readonly steps = new WeakMap<CaptionEditorSession, Promise<void>>();

	static register(services: WorkbenchServices): CaptionEditorProvider {
		const provider = new CaptionEditorProvider(services, vscode.Uri.joinPath(services.globalStorageUri, 'previews').fsPath);
		provider.register(vscode.window.registerCustomEditorProvider(CAPTION_EDITOR_VIEW_TYPE, provider, {
			// Each panel is light to rebuild from the document; keeping hidden ones alive would hold their images.
			webviewOptions: { retainContextWhenHidden: false },
			supportsMultipleEditorsPerDocument: true,
		}));
		provider.register(vscode.window.registerCustomEditorProvider(IMAGE_CAPTION_VIEW_TYPE, {
			openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
			resolveCustomEditor: (document, panel) => provider.handOverFromImage(document.uri, panel),
		}));
		provider.register(vscode.commands.registerCommand('loraWorkbench.openCaptionEditor', (uri?: vscode.Uri) => provider.openCommand(uri)));
		provider.register(vscode.commands.registerCommand('loraWorkbench.nextCaption', () => provider.navigateActive('next')));
		provider.register(vscode.commands.registerCommand('loraWorkbench.previousCaption', () => provider.navigateActive('previous')));
		// Ctrl+S, Ctrl+Z and Ctrl+Shift+Z in the caption editor (package.json keybindings): on the caption shown.
		provider.register(vscode.commands.registerCommand('loraWorkbench.saveShownCaption', () => provider.saveActive()));
		provider.register(vscode.commands.registerCommand('loraWorkbench.undoCaptionEdit', () => provider.historyActive('undo')));
		provider.register(vscode.commands.registerCommand('loraWorkbench.redoCaptionEdit', () => provider.historyActive('redo')));
		provider.register(new DefaultEditorSetting(services.log));
		// An image without a caption, stepped to: an empty document that is not untitled (VS Code gives an untitled
		// document with a path a tab of its own); its first edit writes the file.
		provider.register(vscode.workspace.registerTextDocumentContentProvider(NEW_CAPTION_SCHEME, { provideTextDocumentContent: () => '' }));
		return provider;
	}

	private constructor(public readonly services: WorkbenchServices, previewCacheDir: string) {
		super();
		this.previewCacheDir = previewCacheDir;
		this.tags = services.tags;
	}

	public readonly testing: CaptionEditorTesting = {
		openForImage: (imageUri) => this.openForImage(imageUri),
	};

	public resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
		const session = new CaptionEditorSession(document, panel, this);
		const key = document.uri.toString();
		this.sessions.set(key, session);
		session.onDidDispose(() => {
			if (this.sessions.get(key) === session) {
				this.sessions.delete(key);
			}
			// VS Code asks about unsaved changes of the tab's own caption only: one stepped to stays open in its own tab.
			const shown = session.document;
			if (session.stepped && shown.isDirty && !this.disposed) {
				void vscode.commands.executeCommand('vscode.openWith', shown.uri, CAPTION_EDITOR_VIEW_TYPE, { viewColumn: session.panel.viewColumn, preview: false });
			}
		});
	}

	/**
	 * The caption document for an image: the file when it exists, else an empty document at its path. A tab of its
	 * own gets an untitled one (saved to that path without a dialog); an editor stepping to it gets a `lora-new-caption:`
	 * one, since VS Code gives an untitled document with a path a tab of its own.
	 */
	private async captionDocumentForImage(imagePath: string, missing: 'untitled' | typeof NEW_CAPTION_SCHEME): Promise<vscode.TextDocument> {
		const { captionPath } = captionPathOfImage(imagePath, this.services.trainingFolders.folderOf(imagePath));
		const exists = await fs.stat(captionPath).then((s) => s.isFile(), () => false);
		const fileUri = vscode.Uri.file(captionPath);
		return vscode.workspace.openTextDocument(exists ? fileUri : fileUri.with({ scheme: missing }));
	}

	/** The caption URI for an image: the file when it exists, else an untitled document at its path (created on first save). */
	public async captionUriForImage(imagePath: string): Promise<vscode.Uri> {
		return (await this.captionDocumentForImage(imagePath, 'untitled')).uri;
	}

	private async openForImage(imageUri: vscode.Uri, viewColumn?: vscode.ViewColumn): Promise<vscode.Uri> {
		const uri = await this.captionUriForImage(imageUri.fsPath);
		await vscode.commands.executeCommand('vscode.openWith', uri, CAPTION_EDITOR_VIEW_TYPE, { viewColumn, preview: true });
		return uri;
	}

	private async openCommand(uri: vscode.Uri | undefined): Promise<void> {
		const target = uri ?? vscode.window.activeTextEditor?.document.uri;
		if (!target) {
			void vscode.window.showInformationMessage('Select an image or a caption file in the Explorer, then run "LoRA: Open Caption Editor".');
			return;
		}
		if (isImagePath(target.fsPath)) {
			await this.openForImage(target);
		} else {
			await vscode.commands.executeCommand('vscode.openWith', target, CAPTION_EDITOR_VIEW_TYPE);
		}
	}

	private async handOverFromImage(imageUri: vscode.Uri, panel: vscode.WebviewPanel): Promise<void> {
		const column = panel.viewColumn;
		panel.webview.html = '<!DOCTYPE html><html><body></body></html>';
		await this.openForImage(imageUri, column);
		panel.dispose();
	}

	private activeSession(): CaptionEditorSession | undefined {
		return [...this.sessions.values()].find((s) => s.panel.active);
	}

	private async navigateActive(direction: 'next' | 'previous'): Promise<void> {
		const session = this.activeSession();
		if (session) {
			await this.navigate(session, direction);
		}
	}

	private async saveActive(): Promise<void> {
		const session = this.activeSession();
		if (!session) {
			await vscode.commands.executeCommand('workbench.action.files.save');
		} else if (session.document.isDirty) {
			await this.saveShown(session);
		}
	}

	private async historyActive(direction: 'undo' | 'redo'): Promise<void> {
		const session = this.activeSession();
		if (session?.stepped) {
			await session.stepHistory(direction);
			return;
		}
		// The tab's own caption: VS Code's undo, whose stack is the document's (edits made as text too) and which knows
		// the saved version: undone back to it, the caption is clean again, where an edit writing the old text back
		// (the editor's own history, which a caption stepped to needs) left it dirty.
		await vscode.commands.executeCommand(direction);
	}

	/** Saves the caption on screen; an untitled one (no caption file yet) is written to its path. */
	private async saveShown(session: CaptionEditorSession): Promise<boolean> {
		const document = session.document;
		if (!session.stepped && session.panel.active) {
			// The tab's own caption: VS Code's save, as Ctrl+S in any editor.
			await vscode.commands.executeCommand('workbench.action.files.save');
			if (!document.isDirty) {
				return true;
			}
		} else if (await document.save()) {
			return true;
		}
		void vscode.window.showErrorMessage(`${document.uri.fsPath} could not be saved, so the caption editor stays on it. Is the file or its folder read-only?`);
		return false;
	}

	/**
	 * Shows another image of the subset in the same editor, in place: no new tab, no new page. The caption on
	 * screen is saved first when it has unsaved changes (a caption with changes and no tab would be easy to forget).
	 */
	public navigate(session: CaptionEditorSession, to: 'next' | 'previous' | number): Promise<void> {
		const step = (this.steps.get(session) ?? Promise.resolve()).then(() => this.step(session, to));
		this.steps.set(session, step.catch(() => undefined));
		return step;
	}

	private async step(session: CaptionEditorSession, to: 'next' | 'previous' | number): Promise<void> {
		const { subset, index } = session.target;
		if (!subset || index === undefined || session.closed) {
			return;
		}
		const count = subset.images.length;
		const nextIndex = to === 'next' ? (index + 1) % count : to === 'previous' ? (index - 1 + count) % count : to;
		const image = subset.images[nextIndex];
		if (!image || nextIndex === index) {
			return;
		}
		if (session.document.isDirty && !await this.saveShown(session)) {
			return;
		}
		if (session.closed) {
			return; // saving the tab's own new caption made VS Code reopen it as the file, in a new editor
		}
		await session.show(await this.captionDocumentForImage(image.path, NEW_CAPTION_SCHEME));
	}
}

