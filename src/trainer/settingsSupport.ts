import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { settingsCompletions } from '../core/training/settingsCompletion';
import { SettingsDiagnostic, settingsDiagnostics } from '../core/training/settingsDiagnostics';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';

const SEVERITY: Record<SettingsDiagnostic['severity'], vscode.DiagnosticSeverity> = {
	error: vscode.DiagnosticSeverity.Error,
	warning: vscode.DiagnosticSeverity.Warning,
	info: vscode.DiagnosticSeverity.Information,
};

function isSettingsFile(document: vscode.TextDocument): boolean {
	return document.uri.scheme === 'file' && basename(document.uri.fsPath) === SETTINGS_FILE_NAME;
}

/**
 * The `training:` section of lora-workbench.yaml in the editor: its problems in Problems on their lines (the
 * reader the training uses, so the preflight says the same), quick fixes where the fix is clear, and completion of
 * the keys and values, all without a YAML extension.
 */
export class SettingsSupport extends Disposable implements vscode.CompletionItemProvider, vscode.CodeActionProvider {
	private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lora-settings'));

	public static register(services: WorkbenchServices): vscode.Disposable {
		return new SettingsSupport(services.trainingFolders);
	}

	private constructor(trainingFolders: TrainingFolderService) {
		super();
		// Settings files not open in an editor are checked from disk, so Problems lists them too.
		this.register(trainingFolders.onDidChange((change) => void this.validateOnDisk(change.root)));
		void trainingFolders.ready().then(() => Promise.all(trainingFolders.folders().map((f) => this.validateOnDisk(f.root))));
		const selector: vscode.DocumentSelector = { scheme: 'file', pattern: `**/${SETTINGS_FILE_NAME}` };
		this.register(vscode.languages.registerCompletionItemProvider(selector, this, ' ', ':'));
		this.register(vscode.languages.registerCodeActionsProvider(selector, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
		this.register(vscode.workspace.onDidOpenTextDocument((d) => this.validate(d)));
		this.register(vscode.workspace.onDidChangeTextDocument((e) => this.validate(e.document)));
		vscode.workspace.textDocuments.forEach((d) => this.validate(d));
	}

	private async validateOnDisk(root: string): Promise<void> {
		const uri = vscode.Uri.file(join(root, SETTINGS_FILE_NAME));
		if (vscode.workspace.textDocuments.some((d) => d.uri.fsPath === uri.fsPath)) {
			return; // the editor's text (unsaved edits included) is what counts
		}
		let text: string;
		try {
			text = await fs.readFile(uri.fsPath, 'utf8');
		} catch {
			this.diagnostics.delete(uri);
			return;
		}
		this.show(uri, text, (offset) => positionIn(text, offset));
	}

	private validate(document: vscode.TextDocument): void {
		if (!isSettingsFile(document)) {
			return;
		}
		this.show(document.uri, document.getText(), (offset) => document.positionAt(offset));
	}

	private show(uri: vscode.Uri, text: string, positionAt: (offset: number) => vscode.Position): void {
		this.diagnostics.set(uri, settingsDiagnostics(text).map((found) => {
			const range = new vscode.Range(positionAt(found.start), positionAt(found.end));
			const diagnostic = new vscode.Diagnostic(range, found.message, SEVERITY[found.severity]);
			diagnostic.source = 'lora';
			diagnostic.code = found.code;
			return diagnostic;
		}));
	}

	public provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
		return settingsDiagnostics(document.getText())
			.filter((found) => found.fix && new vscode.Range(document.positionAt(found.start), document.positionAt(found.end)).intersection(range))
			.map((found) => {
				const fix = found.fix!;
				const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
				action.edit = new vscode.WorkspaceEdit();
				action.edit.replace(document.uri, new vscode.Range(document.positionAt(fix.start), document.positionAt(fix.end)), fix.newText);
				action.diagnostics = this.diagnostics.get(document.uri)?.filter((d) => d.code === found.code && d.range.start.isEqual(document.positionAt(found.start)));
				action.isPreferred = true;
				return action;
			});
	}

	public provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
		return settingsCompletions(document.getText(), document.offsetAt(position)).map((found) => {
			const item = new vscode.CompletionItem(found.label, found.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.Value);
			item.documentation = new vscode.MarkdownString(found.documentation);
			item.insertText = found.insertText;
			return item;
		});
	}
}

/** A document position from an offset, for text read from disk (no TextDocument). */
function positionIn(text: string, offset: number): vscode.Position {
	const before = text.slice(0, offset);
	const line = before.split('\n').length - 1;
	return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}
