import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import type { BulkPlan, CaptionInput } from '../core/bulkEdit';
import { decodeCaption } from '../core/caption';

/**
 * Reading captions for a bulk edit and applying the edit as ONE WorkspaceEdit, so a single undo reverts
 * every file and open editors (saved or not) show the edit. Text is compared without BOM, as VS Code's
 * documents hold it (the BOM is kept by the document's encoding when it saves).
 */

export interface BulkInput extends CaptionInput {
	/** Why the caption cannot be edited (not UTF-8, unreadable); it is then reported, not edited. */
	problem?: string;
}

function openDocument(path: string): vscode.TextDocument | undefined {
	return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path);
}

async function readDisk(path: string): Promise<{ text?: string; problem?: string }> {
	try {
		const decoded = decodeCaption(await fs.readFile(path));
		return decoded.invalidUtf8 ? { problem: 'it is not UTF-8; re-save it as UTF-8' } : { text: decoded.text };
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		return code === 'ENOENT' ? {} : { problem: `it cannot be read (${code ?? String(err)})` };
	}
}

/** The captions' current text: an open document's buffer (with unsaved changes) wins over the file. */
export async function readCaptionsForBulk(paths: readonly string[]): Promise<BulkInput[]> {
	const result: BulkInput[] = new Array(paths.length);
	let next = 0;
	const worker = async () => {
		while (next < paths.length) {
			const index = next++;
			const path = paths[index];
			const document = openDocument(path);
			if (document) {
				result[index] = { path, text: document.getText() };
			} else {
				const disk = await readDisk(path);
				result[index] = { path, text: disk.text, problem: disk.problem };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(16, paths.length) }, worker));
	return result;
}

export interface BulkApplyResult {
	/** Captions the edit changed. */
	applied: string[];
	/** Captions left alone because they changed since the preview (on disk or in an editor). */
	skipped: Array<{ path: string; reason: string }>;
	/** Captions edited but not saved: they had unsaved changes before, or saving failed. */
	unsaved: string[];
}

/**
 * Applies a plan: each caption must still hold the text the plan was made from, else it is skipped.
 * Captions that had no unsaved changes are saved afterwards; the others stay dirty with the edit applied.
 */
export async function applyBulkPlan(plan: Pick<BulkPlan, 'changes'>): Promise<BulkApplyResult> {
	const result: BulkApplyResult = { applied: [], skipped: [], unsaved: [] };
	const edit = new vscode.WorkspaceEdit();
	const documents: Array<{ document: vscode.TextDocument; wasDirty: boolean }> = [];
	for (const change of plan.changes) {
		const uri = vscode.Uri.file(change.path);
		let document: vscode.TextDocument;
		try {
			document = await vscode.workspace.openTextDocument(uri);
		} catch {
			result.skipped.push({ path: change.path, reason: 'it was deleted or cannot be opened' });
			continue;
		}
		if (document.getText() !== change.before) {
			result.skipped.push({ path: change.path, reason: 'it was changed after the preview' });
			continue;
		}
		if (!document.isDirty) {
			// The editor may not have noticed an outside change yet: the file itself must still match too.
			const disk = await readDisk(change.path);
			if (disk.text !== change.before) {
				result.skipped.push({ path: change.path, reason: 'it was changed on disk after it was read' });
				continue;
			}
		}
		const fullRange = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
		edit.replace(uri, fullRange, change.after);
		documents.push({ document, wasDirty: document.isDirty });
	}
	if (documents.length === 0) {
		return result;
	}
	if (!(await vscode.workspace.applyEdit(edit))) {
		result.skipped.push(...documents.map(({ document }) => ({ path: document.uri.fsPath, reason: 'VS Code refused the edit' })));
		return result;
	}
	for (const { document, wasDirty } of documents) {
		result.applied.push(document.uri.fsPath);
		if (wasDirty || !(await document.save())) {
			result.unsaved.push(document.uri.fsPath);
		}
	}
	return result;
}
