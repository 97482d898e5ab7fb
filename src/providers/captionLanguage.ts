import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import { normalizeTag, parseCaption } from '../core/caption';
import { captionForm } from '../core/vocabulary';
import { Disposable } from '../util/dispose';
import type { CaptionTagSource } from '../services/tagSource';
import { countOf } from '../core/plural';

export const CAPTION_LANGUAGE = 'lora-caption';
const TRIGGER_TOKEN = 'loraTrigger';
const legend = new vscode.SemanticTokensLegend([TRIGGER_TOKEN], []);

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `lora-caption` language: assigned by location (caption files inside training folders, not every
 * `.txt`), so users can widen it with `files.associations`. Adds the trigger word as a semantic token and
 * a hover with how many images of the dataset carry a tag.
 */
export class CaptionLanguage extends Disposable implements vscode.DocumentSemanticTokensProvider, vscode.HoverProvider {
	private readonly tokensChanged = this.register(new vscode.EventEmitter<void>());
	public readonly onDidChangeSemanticTokens = this.tokensChanged.event;
	private readonly tags: CaptionTagSource;

	static register(services: WorkbenchServices): CaptionLanguage {
		return new CaptionLanguage(services);
	}

	private constructor(private readonly services: WorkbenchServices) {
		super();
		this.tags = services.tags;
		const selector: vscode.DocumentSelector = { language: CAPTION_LANGUAGE };
		this.register(vscode.languages.registerDocumentSemanticTokensProvider(selector, this, legend));
		this.register(vscode.languages.registerHoverProvider(selector, this));
		this.register(vscode.workspace.onDidOpenTextDocument((document) => void this.assignLanguage(document)));
		this.register(services.trainingFolders.onDidChange(() => {
			vscode.workspace.textDocuments.forEach((document) => void this.assignLanguage(document));
			this.tokensChanged.fire();
		}));
		vscode.workspace.textDocuments.forEach((document) => void this.assignLanguage(document));
	}

	/** Whether a file is a caption of a scanned training folder (in a subset folder, with the caption extension). */
	public isTrainingCaption(uri: vscode.Uri): boolean {
		if (uri.scheme !== 'file' && uri.scheme !== 'untitled') {
			return false;
		}
		const folder = this.services.trainingFolders.folderOf(uri.fsPath);
		if (!folder || !uri.fsPath.endsWith(folder.training.captionExtension)) {
			return false;
		}
		const dir = dirname(uri.fsPath);
		return folder.subsets.some((subset) => subset.dir === dir);
	}

	private async assignLanguage(document: vscode.TextDocument): Promise<void> {
		// Only plain text is claimed: a language the user chose through files.associations stays.
		if (document.languageId === 'plaintext' && this.isTrainingCaption(document.uri)) {
			try {
				await vscode.languages.setTextDocumentLanguage(document, CAPTION_LANGUAGE);
			} catch (err) {
				this.services.log.warn(`Could not set the caption language on ${document.uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
			}
		}
	}

	private triggerOf(document: vscode.TextDocument): string | undefined {
		return this.services.trainingFolders.folderOf(document.uri.fsPath)?.trigger;
	}

	public provideDocumentSemanticTokens(document: vscode.TextDocument): vscode.SemanticTokens {
		const builder = new vscode.SemanticTokensBuilder(legend);
		const trigger = this.triggerOf(document);
		if (trigger) {
			const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(trigger)}(?![\\p{L}\\p{N}_])`, 'giu');
			for (let line = 0; line < document.lineCount; line++) {
				for (const match of document.lineAt(line).text.matchAll(pattern)) {
					builder.push(line, match.index ?? 0, match[0].length, 0, 0);
				}
			}
		}
		return builder.build();
	}

	public async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
		const line = document.lineAt(position.line).text;
		const tag = parseCaption(line).tags.find((t) => t.start <= position.character && position.character <= t.end);
		if (!tag) {
			return undefined;
		}
		const folder = this.services.trainingFolders.folderOf(document.uri.fsPath);
		const index = await this.tags.index(folder);
		const count = index.count(tag.text);
		const markdown = new vscode.MarkdownString();
		markdown.appendMarkdown(`**${escapeMarkdown(tag.text)}**`);
		if (folder?.trigger && normalizeTag(tag.text) === normalizeTag(folder.trigger)) {
			markdown.appendMarkdown(' — the trigger word');
		}
		markdown.appendMarkdown(`\n\nIn ${count} of ${countOf(index.imageCount, 'image')} of this dataset${index.imageCount ? ` (${Math.round((count / index.imageCount) * 100)}%)` : ''}.`);
		const known = (await this.tags.vocabulary(folder))?.canonical(tag.text);
		if (known) {
			const alias = normalizeTag(known.name) !== normalizeTag(tag.text) ? ` — alias of **${escapeMarkdown(captionForm(known.name))}**` : '';
			markdown.appendMarkdown(`\n\n${known.count.toLocaleString('en-US')} posts in the tag list${alias}.`);
		}
		if (position.line > 0) {
			markdown.appendMarkdown('\n\n_sd-scripts trains on the first line only._');
		}
		return new vscode.Hover(markdown, new vscode.Range(position.line, tag.start, position.line, tag.end));
	}
}

function escapeMarkdown(text: string): string {
	return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
