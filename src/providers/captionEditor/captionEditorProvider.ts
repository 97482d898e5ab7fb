import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import type { WorkbenchServices } from '../../services/workbenchServices';
import { Disposable } from '../../util/dispose';
import type { CaptionTagSource } from '../../services/tagSource';
import { CaptionEditorSession, SessionHost } from './captionEditorSession';
import { captionPathOfImage, isImagePath } from './captionTarget';
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
		provider.register(new DefaultEditorSetting(services.log));
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
		});
	}

	/** The caption URI for an image: the file when it exists, else an untitled document at its path (created on first save). */
	public async captionUriForImage(imagePath: string): Promise<vscode.Uri> {
		const target = captionPathOfImage(imagePath, this.services.trainingFolders.folderOf(imagePath));
		const exists = await fs.stat(target.captionPath).then((s) => s.isFile(), () => false);
		const fileUri = vscode.Uri.file(target.captionPath);
		if (exists) {
			return fileUri;
		}
		// An untitled document with the caption's path: empty, and saved to that path without a dialog.
		const document = await vscode.workspace.openTextDocument(fileUri.with({ scheme: 'untitled' }));
		return document.uri;
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

	private async navigateActive(direction: 'next' | 'previous'): Promise<void> {
		const session = [...this.sessions.values()].find((s) => s.panel.active);
		if (session) {
			await this.navigate(session, direction);
		}
	}

	/** Opens another image of the subset in this editor's place; a clean editor is closed, a dirty one stays open. */
	public async navigate(session: CaptionEditorSession, to: 'next' | 'previous' | number): Promise<void> {
		const { subset, index } = session.target;
		if (!subset || index === undefined) {
			return;
		}
		const count = subset.images.length;
		const nextIndex = to === 'next' ? (index + 1) % count : to === 'previous' ? (index - 1 + count) % count : to;
		const image = subset.images[nextIndex];
		if (!image || nextIndex === index) {
			return;
		}
		const uri = await this.captionUriForImage(image.path);
		const column = session.panel.viewColumn;
		const wasDirty = session.document.isDirty;
		const oldTab = findTab(session.uri);
		await vscode.commands.executeCommand('vscode.openWith', uri, CAPTION_EDITOR_VIEW_TYPE, { viewColumn: column, preview: true });
		if (oldTab && !wasDirty && !session.document.isDirty) {
			const stillOpen = findTab(session.uri);
			if (stillOpen) {
				await vscode.window.tabGroups.close(stillOpen, true);
			}
		}
	}
}

function findTab(uri: vscode.Uri): vscode.Tab | undefined {
	const key = uri.toString();
	for (const group of vscode.window.tabGroups.all) {
		for (const tab of group.tabs) {
			if (tab.input instanceof vscode.TabInputCustom && tab.input.viewType === CAPTION_EDITOR_VIEW_TYPE && tab.input.uri.toString() === key) {
				return tab;
			}
		}
	}
	return undefined;
}
