import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { DatasetLinter, LintIssue, applyEdits, ruleInfo } from '../core/lint';
import { Disposable } from '../util/dispose';
import { applyBulkPlan, readCaptionsForBulk } from './bulkEditApply';
import { CaptionDiagnostics, LINT_SOURCE } from './captionDiagnostics';
import { countOf } from '../core/plural';

export const FIX_ALL_COMMAND = 'loraWorkbench.fixAllLintProblems';

/** Fixes of one rule applied one at a time (each re-linted), so overlapping fixes never clash. */
export function fixAllOfCode(linter: DatasetLinter, path: string, text: string, code: string): string {
	let current = text;
	for (let round = 0; round < 200; round++) {
		const issue = linter.lintText(path, current).find((i) => i.code === code && i.fix);
		if (!issue?.fix) {
			break;
		}
		const next = applyEdits(current, issue.fix.edits);
		if (next === current) {
			break;
		}
		current = next;
	}
	return current;
}

/**
 * Quick fixes for the `lora` problems: the rule's own fix, and "Fix all of this kind in the dataset" as one
 * WorkspaceEdit (one undo). Fixes are recomputed from the document's current text, so a stale diagnostic
 * never applies a stale edit.
 */
export class CaptionCodeActions extends Disposable implements vscode.CodeActionProvider {
	static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

	static register(services: WorkbenchServices, diagnostics: CaptionDiagnostics): CaptionCodeActions {
		return new CaptionCodeActions(services, diagnostics);
	}

	private constructor(private readonly services: WorkbenchServices, private readonly diagnostics: CaptionDiagnostics) {
		super();
		this.register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, CaptionCodeActions.metadata));
		this.register(vscode.commands.registerCommand(FIX_ALL_COMMAND, (root?: string, code?: string) => this.fixAll(root, code)));
	}

	public provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
		const ours = context.diagnostics.filter((d) => d.source === LINT_SOURCE);
		const linter = ours.length > 0 ? this.diagnostics.linterFor(document.uri.fsPath) : undefined;
		if (!linter) {
			return [];
		}
		const issues = linter.lintText(document.uri.fsPath, document.getText());
		const actions: vscode.CodeAction[] = [];
		const fixAllOffered = new Set<string>();
		for (const diagnostic of ours) {
			const issue = issues.find((i) => i.code === diagnostic.code && i.line - 1 === diagnostic.range.start.line && i.column - 1 === diagnostic.range.start.character);
			if (!issue?.fix) {
				continue;
			}
			actions.push(this.quickFix(document, diagnostic, issue));
			if (!fixAllOffered.has(issue.code)) {
				fixAllOffered.add(issue.code);
				const all = new vscode.CodeAction(`Fix all "${issue.code}" problems in the dataset`, vscode.CodeActionKind.QuickFix);
				all.diagnostics = [diagnostic];
				all.command = { command: FIX_ALL_COMMAND, title: all.title, arguments: [linter.folder.root, issue.code] };
				actions.push(all);
			}
		}
		return actions;
	}

	private quickFix(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, issue: LintIssue): vscode.CodeAction {
		const action = new vscode.CodeAction(issue.fix!.title, vscode.CodeActionKind.QuickFix);
		action.diagnostics = [diagnostic];
		action.isPreferred = true;
		action.edit = new vscode.WorkspaceEdit();
		for (const edit of issue.fix!.edits) {
			action.edit.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.newText);
		}
		return action;
	}

	/** Applies every fix of one rule across the folder's captions as one WorkspaceEdit; returns the captions changed. */
	public async fixAll(root: string | undefined, code: string | undefined): Promise<string[]> {
		await this.diagnostics.idle();
		const linter = root ? this.diagnostics.linterOf(root) : undefined;
		if (!linter || !code || !ruleInfo(code)) {
			void vscode.window.showWarningMessage('LoRA: nothing to fix: open a caption with a lint problem and use its quick fix.');
			return [];
		}
		const changes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Fixing ${code} in ${linter.folder.root}` }, async () => {
			const inputs = await readCaptionsForBulk(linter.captionFiles().map((f) => f.path));
			return inputs.flatMap((input) => {
				if (input.text === undefined) {
					return [];
				}
				const after = fixAllOfCode(linter, input.path, input.text, code);
				return after === input.text ? [] : [{ path: input.path, before: input.text, after }];
			});
		});
		if (changes.length === 0) {
			void vscode.window.showInformationMessage(`LoRA: no "${code}" problem has an automatic fix in this dataset.`);
			return [];
		}
		const result = await applyBulkPlan({ changes });
		if (result.skipped.length > 0) {
			this.services.log.warn(`Fix all ${code}: left alone ${result.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}`);
		}
		void vscode.window.showInformationMessage(`LoRA: fixed "${code}" in ${countOf(result.applied.length, 'caption')}${result.skipped.length ? `; ${result.skipped.length} changed meanwhile and were left alone` : ''}. Undo reverts all of them.`);
		return result.applied;
	}
}
