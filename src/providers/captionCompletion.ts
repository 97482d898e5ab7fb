import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { captionTags } from '../core/caption';
import { Disposable } from '../util/dispose';
import type { CaptionTagSource } from '../services/tagSource';
import { CAPTION_LANGUAGE } from './captionLanguage';
import { countOf } from '../core/plural';

const SEPARATOR = ',';

function formatCount(n: number): string {
	return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

/**
 * Tag completion in plain-text caption editing: this dataset's tags (by how many images carry them), then
 * the configured vocabulary's (by post count). An alias typed resolves to its canonical tag. The item
 * replaces the whole tag being typed, so multi-word tags (`long h` → `long hair`) complete as one.
 */
export class CaptionCompletion extends Disposable implements vscode.CompletionItemProvider {
	private readonly tags: CaptionTagSource;

	static register(services: WorkbenchServices): CaptionCompletion {
		return new CaptionCompletion(services);
	}

	private constructor(private readonly services: WorkbenchServices) {
		super();
		this.tags = services.tags;
		this.register(vscode.languages.registerCompletionItemProvider({ language: CAPTION_LANGUAGE }, this, SEPARATOR, ' '));
	}

	public async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionList> {
		const line = document.lineAt(position.line).text;
		const before = line.slice(0, position.character);
		const pieceStart = before.lastIndexOf(SEPARATOR) + 1;
		const leading = before.slice(pieceStart).length - before.slice(pieceStart).trimStart().length;
		const typed = before.slice(pieceStart + leading);
		const range = new vscode.Range(position.line, pieceStart + leading, position.line, position.character);
		const folder = this.services.trainingFolders.folderOf(document.uri.fsPath);
		const vocabulary = await this.tags.vocabulary(folder);
		const others = captionTags(line.slice(0, pieceStart) + line.slice(position.character), SEPARATOR);
		const suggestions = (await this.tags.index(folder)).suggest(typed, vocabulary, others, 100);
		const items = suggestions.map((s, rank) => {
			const detail = [s.datasetCount ? countOf(s.datasetCount, 'image') : '', s.postCount ? `${formatCount(s.postCount)} posts` : ''].filter(Boolean).join(' · ');
			const item = new vscode.CompletionItem({ label: s.tag, description: detail }, s.datasetCount ? vscode.CompletionItemKind.Value : vscode.CompletionItemKind.Keyword);
			item.range = range;
			item.sortText = String(rank).padStart(4, '0');
			// VS Code filters by the text in `range`; an alias or underscores must still match.
			item.filterText = s.alias ?? (typed.includes('_') ? s.tag.replace(/ /g, '_') : s.tag);
			if (s.alias) {
				item.detail = `alias "${s.alias}" → ${s.tag}`;
			}
			return item;
		});
		// Incomplete: the ranking depends on the whole typed prefix, so ask again as the user types.
		return new vscode.CompletionList(items, true);
	}
}
