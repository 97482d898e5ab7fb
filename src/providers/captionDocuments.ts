/**
 * Captions as the extension changes them: one open in an editor is read from its document (unsaved changes
 * included) and changed through a WorkspaceEdit, so the editor shows the change and Undo there reverts it;
 * it is saved afterwards unless it had unsaved changes (those are the user's to save). Every other caption
 * is read and written on disk through `src/core/captionFile.ts`. A caption that is not UTF-8 on disk is never
 * taken from its editor: the document holds a guess at its text, and the tagger refuses to append to it.
 */
import * as vscode from 'vscode';
import { CaptionFile, readCaptionFile, writeCaptionFile } from '../core/captionFile';
import type { CaptionAccess } from '../core/tagger/tagImages';

function openDocument(path: string): vscode.TextDocument | undefined {
	return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path && !d.isClosed);
}

export function editorAwareCaptions(): CaptionAccess {
	/** Captions read from their editor: they are written back there too. */
	const fromEditor = new Set<string>();
	return {
		async read(path: string): Promise<CaptionFile> {
			const file = await readCaptionFile(path);
			const document = openDocument(path);
			if (file.kind !== 'text' || !document) {
				fromEditor.delete(path);
				return file;
			}
			fromEditor.add(path);
			// The document holds the text without the BOM; the file keeps it when the document is saved.
			return { ...file, text: document.getText() };
		},
		async write(path: string, text: string): Promise<unknown> {
			const document = fromEditor.has(path) ? openDocument(path) : undefined;
			if (!document) {
				return writeCaptionFile(path, text);
			}
			const wasDirty = document.isDirty;
			const edit = new vscode.WorkspaceEdit();
			edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text.startsWith('\uFEFF') ? text.slice(1) : text);
			if (!(await vscode.workspace.applyEdit(edit))) {
				throw new Error('VS Code refused the edit of its open editor');
			}
			if (!wasDirty && !(await document.save())) {
				throw new Error('saving its open editor failed');
			}
			return undefined;
		},
	};
}
