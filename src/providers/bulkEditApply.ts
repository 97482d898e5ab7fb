import * as vscode from 'vscode';
import type { BulkPlan, CaptionInput } from '../core/bulkEdit';
import { readCaptionFile } from '../core/captionFile';
import { SettleHost, settleFiles } from './bulkEditSettle';

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
	const file = await readCaptionFile(path);
	switch (file.kind) {
		case 'text': return { text: file.text };
		case 'not-utf8': return { problem: 'it is not UTF-8; re-save it as UTF-8' };
		case 'missing': return {};
		case 'unreadable': return { problem: `it cannot be read (${file.code})` };
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

interface Prepared {
	change: BulkPlan['changes'][number];
	document: vscode.TextDocument;
	wasDirty: boolean;
}

/** The changes whose caption still holds the planned text (in its editor and on disk); the rest are skipped. */
async function prepare(changes: BulkPlan['changes'], skipped: BulkApplyResult['skipped']): Promise<Prepared[]> {
	const prepared: Prepared[] = [];
	for (const change of changes) {
		try {
			const document = await vscode.workspace.openTextDocument(vscode.Uri.file(change.path));
			if (document.getText() !== change.before) {
				// A clean document that differs was reloaded from disk (or saved): the file itself changed.
				skipped.push({ path: change.path, reason: document.isDirty ? 'it was changed in its editor after the preview' : 'it was changed on disk after it was read' });
				continue;
			}
			// The editor may not have noticed an outside change yet: the file itself must still match too.
			if (!document.isDirty && (await readDisk(change.path)).text !== change.before) {
				skipped.push({ path: change.path, reason: 'it was changed on disk after it was read' });
				continue;
			}
			prepared.push({ change, document, wasDirty: document.isDirty });
		} catch {
			skipped.push({ path: change.path, reason: 'it was deleted or cannot be opened' });
		}
	}
	return prepared;
}

async function applyAsOneEdit(prepared: readonly Prepared[]): Promise<boolean> {
	const edit = new vscode.WorkspaceEdit();
	for (const { change, document } of prepared) {
		edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), change.after);
	}
	try {
		return await vscode.workspace.applyEdit(edit);
	} catch {
		return false; // e.g. a document closed while the edit was built
	}
}

/**
 * Step boundaries of an apply, awaited when given (the fault tests hold an edit there, as `applyRenamesJournaled`'s
 * `afterStep`): 'checking' before the captions are checked against the plan, 'saving' after the one WorkspaceEdit,
 * before the captions are saved one by one.
 */
export type BulkApplyStep = 'checking' | 'saving';
export interface BulkApplyOptions {
	afterStep?: (step: BulkApplyStep) => Promise<void>;
}

const settleHost: SettleHost = {
	reopen: (path) => Promise.resolve(vscode.workspace.openTextDocument(vscode.Uri.file(path))).catch(() => undefined),
	readDisk: async (path) => (await readDisk(path)).text,
};

/**
 * Applies a plan: each caption must still hold the text the plan was made from, else it is skipped.
 * Captions that had no unsaved changes are saved afterwards; the others stay dirty with the edit applied.
 * Files that change or close underneath are handled one by one: the result is partial, never an exception.
 */
export async function applyBulkPlan(plan: Pick<BulkPlan, 'changes'>, options: BulkApplyOptions = {}): Promise<BulkApplyResult> {
	const result: BulkApplyResult = { applied: [], skipped: [], unsaved: [] };
	await options.afterStep?.('checking');
	let prepared = await prepare(plan.changes, result.skipped);
	if (prepared.length === 0) {
		return result;
	}
	if (!(await applyAsOneEdit(prepared))) {
		// A file changed between the checks and the edit (VS Code refuses the whole edit then): check each
		// file again and apply to those still as planned.
		const refused: BulkApplyResult['skipped'] = [];
		prepared = await prepare(prepared.map((p) => p.change), refused);
		result.skipped.push(...refused);
		if (prepared.length === 0 || !(await applyAsOneEdit(prepared))) {
			result.skipped.push(...prepared.map((p) => ({ path: p.change.path, reason: 'VS Code refused the edit (files kept changing while it ran)' })));
			return result;
		}
	}
	await options.afterStep?.('saving');
	const outcomes = await settleFiles(prepared.map((p) => ({ path: p.change.path, after: p.change.after, wasDirty: p.wasDirty, document: p.document })), settleHost);
	for (const outcome of outcomes) {
		if (outcome.kind === 'skipped') {
			result.skipped.push({ path: outcome.path, reason: outcome.reason });
			continue;
		}
		result.applied.push(outcome.path);
		if (outcome.kind === 'unsaved') {
			result.unsaved.push(outcome.path);
		}
	}
	return result;
}
