import * as vscode from 'vscode';
import { relative } from 'node:path';
import type { BulkPlan } from '../core/bulkEdit';
import { Disposable } from '../util/dispose';

const PREVIEW_SCHEME = 'lora-bulk-preview';

function firstLine(text: string): string {
	return text.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
}

/**
 * Every changed caption's line before and after, side by side in VS Code's diff editor, which highlights the
 * changed words: the readable version of a 500-caption edit. The documents are read-only and virtual. Apply and
 * Cancel sit in the preview's title bar (as in VS Code's own refactor preview), so they are there with Do Not
 * Disturb on and while the user scrolls; closing the preview cancels.
 */
export class PlanDiffs extends Disposable {
	private readonly texts = new Map<string, string>();
	private shown = 0;
	private pending: { after: vscode.Uri; answer: (apply: boolean) => void } | undefined;

	constructor() {
		super();
		this.register(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, { provideTextDocumentContent: (uri) => this.texts.get(uri.path) ?? '' }));
		this.register(vscode.commands.registerCommand('loraWorkbench.applyBulkEditPreview', () => this.answer(true)));
		this.register(vscode.commands.registerCommand('loraWorkbench.cancelBulkEditPreview', () => this.answer(false)));
		this.register(vscode.window.tabGroups.onDidChangeTabs((event) => {
			const after = this.pending?.after.toString();
			if (after && event.closed.some((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === after)) {
				this.answer(false);
			}
		}));
		this.register({ dispose: () => this.answer(false) });
	}

	/** Shows the plan and resolves with the user's answer; a newer preview cancels an older one. */
	public async confirm(root: string, title: string, plan: BulkPlan): Promise<boolean> {
		this.answer(false);
		const id = ++this.shown;
		const text = (pick: (c: BulkPlan['changes'][number]) => string) => plan.changes.map((c) => `${relative(root, c.path)}: ${firstLine(pick(c))}`).join('\n') + '\n';
		const before = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${id}/before.txt` });
		const after = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${id}/after.txt` });
		this.texts.clear();
		this.texts.set(before.path, text((c) => c.before));
		this.texts.set(after.path, text((c) => c.after));
		const answered = new Promise<boolean>((resolve) => { this.pending = { after, answer: resolve }; });
		await vscode.commands.executeCommand('vscode.diff', before, after, `Preview: ${title} (${plan.summary})`, { preview: true });
		void vscode.window.showInformationMessage(`${title}: ${plan.summary}. Check the preview, then Apply (✓ in its title bar) or close it. One undo (Ctrl+Z in any of these captions) reverts the edit.`);
		const apply = await answered;
		await this.closeTabs(after);
		return apply;
	}

	private answer(apply: boolean): void {
		const pending = this.pending;
		this.pending = undefined;
		pending?.answer(apply);
	}

	private async closeTabs(after: vscode.Uri): Promise<void> {
		const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs)
			.filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === after.toString());
		await vscode.window.tabGroups.close(tabs);
	}
}
