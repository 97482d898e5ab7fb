import * as vscode from 'vscode';
import type { TrainingFolder } from '../core/dataset';
import { readCaptionFile } from '../core/captionFile';
import type { FolderLikeness } from '../core/likeness/likeness';
import { poseContradictions, removeTag } from '../core/likeness/poseCaption';
import { Disposable } from '../util/dispose';

const CODE = 'pose-contradicts-caption';

/**
 * Captions whose angle tags contradict the head pose measured in their picture (`from side` on a frontal face):
 * a problem on the tag in the caption file, with a quick fix that removes the tag. Published by each image check
 * (the pose comes from the likeness report); a caption edited since loses its problems until the next check,
 * since their places may have moved.
 */
export class PoseCaptions extends Disposable implements vscode.CodeActionProvider {
	public static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
	private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lora-pose'));
	private readonly published = new Map<string, vscode.Uri[]>();

	constructor() {
		super();
		this.register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, PoseCaptions.metadata));
		this.register(vscode.workspace.onDidChangeTextDocument((e) => {
			if (e.contentChanges.length > 0 && this.diagnostics.has(e.document.uri)) {
				this.diagnostics.delete(e.document.uri);
			}
		}));
	}

	public async update(folder: TrainingFolder, likeness: FolderLikeness): Promise<void> {
		for (const uri of this.published.get(folder.root) ?? []) {
			this.diagnostics.delete(uri);
		}
		const captions = new Map(folder.subsets.flatMap((s) => s.images.map((i) => [i.path, i.captionPath] as const)));
		const uris: vscode.Uri[] = [];
		for (const verdict of likeness.identity.pictures) {
			const face = verdict.person !== undefined ? verdict.faces[verdict.person] : undefined;
			const captionPath = captions.get(verdict.file);
			if (!face || !captionPath || verdict.verdict === 'wrong') {
				continue; // someone else's face says nothing about the person's angle
			}
			const caption = await readCaptionFile(captionPath);
			if (caption.kind !== 'text') {
				continue; // missing or not UTF-8: the caption checks say so
			}
			const found = poseContradictions(caption.text, face.pose);
			if (found.length > 0) {
				const uri = vscode.Uri.file(captionPath);
				this.diagnostics.set(uri, found.map((c) => {
					const d = new vscode.Diagnostic(new vscode.Range(0, c.start, 0, c.end), c.message, vscode.DiagnosticSeverity.Warning);
					d.source = 'lora';
					d.code = CODE;
					return d;
				}));
				uris.push(uri);
			}
		}
		this.published.set(folder.root, uris);
	}

	public provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
		return context.diagnostics.filter((d) => d.code === CODE && d.range.start.line === 0).map((d) => {
			const line = document.lineAt(0).text;
			const tag = document.getText(d.range);
			const action = new vscode.CodeAction(`Remove "${tag}" (the picture does not show it)`, vscode.CodeActionKind.QuickFix);
			action.diagnostics = [d];
			action.isPreferred = true;
			action.edit = new vscode.WorkspaceEdit();
			action.edit.replace(document.uri, document.lineAt(0).range, removeTag(line, d.range.start.character, d.range.end.character));
			return action;
		});
	}
}
