import type * as vscode from 'vscode';
import type { CaptionTagSource } from './tagSource';
import type { TrainingFolderService } from './trainingFolders';

/**
 * What the features share, built once by the composition root (src/extension.ts) and handed to every feature's
 * `register(services)`. Only services/ and core/ types appear here, so providers/ and trainer/ depend on this
 * layer instead of on extension.ts, and trainer/ never on providers/. What a feature needs of the ExtensionContext
 * is a field here.
 */
export interface WorkbenchServices {
	/** The extension's install folder (webview scripts and styles). */
	readonly extensionUri: vscode.Uri;
	/** The extension's global storage (tagger models, face detector, thumbnails, previews). */
	readonly globalStorageUri: vscode.Uri;
	readonly log: vscode.LogOutputChannel;
	/** The workspace's training folders, scanned and watched (src/services/trainingFolders.ts). */
	readonly trainingFolders: TrainingFolderService;
	/** Per training folder: the dataset's tag counts and the configured vocabulary (src/services/tagSource.ts). */
	readonly tags: CaptionTagSource;
}

/** Every feature registers the same way: built from the services, undone by disposing what it returns. */
export interface Feature<T extends vscode.Disposable = vscode.Disposable> {
	register(services: WorkbenchServices): T;
}
