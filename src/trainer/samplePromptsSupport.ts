import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { SAMPLERS, defaultSamplePrompts, parseSamplePrompts } from '../core/checkpoints/samplePrompts';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { pickTrainingFolder } from '../services/pickTrainingFolder';

/** Sample-prompt files sd-scripts reads with `--sample_prompts`: `sample_prompts.txt`, `prompts.txt` and the like. */
export const SAMPLE_PROMPT_FILE = /(^|[-_.])(sample[-_]?)?prompts?\.txt$/i;

const OPTIONS: { name: string; detail: string; insert: string }[] = [
	{ name: 'n', detail: 'negative prompt', insert: 'n ${1:lowres, blurry, bad anatomy}' },
	{ name: 'w', detail: 'width (multiple of 8)', insert: 'w ${1:512}' },
	{ name: 'h', detail: 'height (multiple of 8)', insert: 'h ${1:768}' },
	{ name: 'd', detail: 'seed: keep it fixed so epochs compare', insert: 'd ${1:1234}' },
	{ name: 'l', detail: 'CFG scale', insert: 'l ${1:7}' },
	{ name: 's', detail: 'sampling steps (1-1000)', insert: 's ${1:28}' },
	{ name: 'ss', detail: 'sampler for this prompt', insert: `ss \${1|${SAMPLERS.join(',')}|}` },
];

/** Problems, completion and a starter file for sample-prompt files, so the Compare Epochs grid fills itself. */
export class SamplePromptsSupport extends Disposable implements vscode.CompletionItemProvider {
	private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lora-sample-prompts'));

	public static register(services: WorkbenchServices): vscode.Disposable {
		return new SamplePromptsSupport(services.trainingFolders);
	}

	private constructor(private readonly trainingFolders: TrainingFolderService) {
		super();
		const selector: vscode.DocumentSelector = { scheme: 'file', pattern: '**/*prompt*.txt' };
		this.register(vscode.languages.registerCompletionItemProvider(selector, this, '-'));
		this.register(vscode.workspace.onDidOpenTextDocument((d) => this.validate(d)));
		this.register(vscode.workspace.onDidChangeTextDocument((e) => this.validate(e.document)));
		this.register(vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)));
		vscode.workspace.textDocuments.forEach((d) => this.validate(d));
		this.register(vscode.commands.registerCommand('loraWorkbench.newSamplePrompts', (arg?: unknown) => this.createFile(arg)));
	}

	private isPromptFile(document: vscode.TextDocument): boolean {
		return document.uri.scheme === 'file' && SAMPLE_PROMPT_FILE.test(basename(document.uri.fsPath)) && this.trainingFolders.folderOf(document.uri) !== undefined;
	}

	public validate(document: vscode.TextDocument): void {
		if (!this.isPromptFile(document)) {
			return;
		}
		const trigger = this.trainingFolders.folderOf(document.uri)?.trigger;
		const { problems } = parseSamplePrompts(document.getText(), trigger);
		this.diagnostics.set(document.uri, problems.map((p) => {
			const diagnostic = new vscode.Diagnostic(new vscode.Range(p.line, p.column, p.line, p.endColumn), p.message,
				p.severity === 'error' ? vscode.DiagnosticSeverity.Error : p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
			diagnostic.source = 'lora';
			diagnostic.code = p.code;
			return diagnostic;
		}));
	}

	public provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
		if (!this.isPromptFile(document)) {
			return [];
		}
		const before = document.lineAt(position.line).text.slice(0, position.character);
		if (!/ --?$/.test(before)) {
			return [];
		}
		const dashes = before.endsWith('--') ? 2 : 1;
		return OPTIONS.map((option) => {
			const item = new vscode.CompletionItem(`--${option.name}`, vscode.CompletionItemKind.Property);
			item.detail = option.detail;
			item.insertText = new vscode.SnippetString(option.insert);
			item.range = new vscode.Range(position.translate(0, -dashes), position);
			item.insertText = new vscode.SnippetString(`--${option.insert}`);
			return item;
		});
	}

	private async createFile(arg?: unknown): Promise<void> {
		const folder = await pickTrainingFolder(this.trainingFolders, arg);
		if (!folder) {
			return;
		}
		const uri = vscode.Uri.file(join(folder.root, 'sample_prompts.txt'));
		const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
		if (!exists) {
			const edit = new vscode.WorkspaceEdit();
			edit.createFile(uri, { contents: Buffer.from(defaultSamplePrompts(folder.trigger ?? 'trigger', folder.classWord ?? 'person'), 'utf8') });
			await vscode.workspace.applyEdit(edit);
		}
		await vscode.window.showTextDocument(uri);
	}
}
