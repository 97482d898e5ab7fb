import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { normalizeTag, parseCaption } from '../core/caption';
import { coverageOptionsFrom } from '../core/coverage/fromFolder';
import type { TrainingFolder } from '../core/dataset';
import { TagTable, buildTagTable, filterRows, sortRows, tagStatsSubsets } from '../core/tagStats';
import { DatasetTagSummary, summarizeTags } from '../core/tagStatsSummary';
import { Disposable } from '../util/dispose';
import { Steps, runInSlices, runToEnd } from '../core/slices';
import { FlaggedTag, TagGroup, TagsNode, flaggedItem, folderItem, groupItem, statItem, statNodes, subsetItem, tagItem } from './tagsViewNodes';
import type { TrainingFolderService } from '../services/trainingFolders';

export const TAGS_VIEW_ID = 'loraWorkbench.tags';

interface FolderTags {
	table: TagTable;
	summary: DatasetTagSummary;
}

/**
 * The "Tags" view: every tag of a training folder with its count and share, per subset and in total,
 * plus the groups worth a look (in every image, in one image, flagged by the linter) and the statistics.
 */
export class TagsViewProvider extends Disposable implements vscode.TreeDataProvider<TagsNode> {
	private readonly changeEmitter = this.register(new vscode.EventEmitter<TagsNode | undefined>());
	public readonly onDidChangeTreeData = this.changeEmitter.event;
	private readonly cache = new Map<string, FolderTags>();
	private sort: 'count' | 'name' = 'count';
	private filterText = '';
	private diagnosticsTimer: NodeJS.Timeout | undefined;
	/** Flagged tags per root, made in slices after each burst of diagnostics changes (reading them took ~1 s at 20,000). */
	private readonly flagged = new Map<string, { folder: TrainingFolder; tags: FlaggedTag[] }>();
	private flaggedRun: Promise<void> = Promise.resolve();

	constructor(private readonly service: TrainingFolderService) {
		super();
		this.register(service.onDidChange((change) => {
			this.cache.delete(change.root);
			this.changeEmitter.fire(undefined);
			this.scheduleFlagged();
		}));
		// Throttled like the Dataset view: a steady stream of diagnostics must not postpone the refresh forever.
		this.register(vscode.languages.onDidChangeDiagnostics(() => this.scheduleFlagged()));
		this.register({ dispose: () => clearTimeout(this.diagnosticsTimer) });
	}

	public get sortOrder(): 'count' | 'name' {
		return this.sort;
	}

	public get filter(): string {
		return this.filterText;
	}

	public setSort(sort: 'count' | 'name'): void {
		this.sort = sort;
		this.changeEmitter.fire(undefined);
	}

	public setFilter(text: string): void {
		this.filterText = text.trim();
		this.changeEmitter.fire(undefined);
	}

	/** The table of a folder (built once per scan). */
	public tagsOf(folder: TrainingFolder): FolderTags {
		let cached = this.cache.get(folder.root);
		if (!cached) {
			const subsets = tagStatsSubsets(folder);
			const table = buildTagTable(subsets);
			const costumeTags = coverageOptionsFrom(folder.settings.raw).options.costumes.map((c) => c.tag);
			cached = { table, summary: summarizeTags(table, subsets, { trigger: folder.trigger, costumeTags }) };
			this.cache.set(folder.root, cached);
		}
		return cached;
	}

	public getTreeItem(node: TagsNode): vscode.TreeItem {
		const folder = this.service.get(node.root);
		if (node.kind === 'folder') {
			return folderItem(node.root);
		}
		if (node.kind === 'stat') {
			return statItem(node);
		}
		if (!folder) {
			return new vscode.TreeItem('(folder is gone)');
		}
		const { table } = this.tagsOf(folder);
		switch (node.kind) {
			case 'group':
				return groupItem(node.root, node.group, this.groupCount(folder, node.group));
			case 'subset':
				return subsetItem(node.root, table, node.index);
			case 'tag': {
				const row = table.byKey.get(node.key);
				return row ? tagItem(node, row, table) : new vscode.TreeItem(node.tag);
			}
			case 'flagged': {
				const flagged = this.flaggedTags(folder).find((f) => f.key === node.key && f.code === node.code);
				return flagged ? flaggedItem(node, flagged) : new vscode.TreeItem(node.tag);
			}
		}
	}

	public getChildren(node?: TagsNode): TagsNode[] {
		if (!node) {
			const folders = this.service.folders();
			return folders.length === 1 ? this.groups(folders[0].root) : folders.map((f) => ({ kind: 'folder', root: f.root }));
		}
		if (node.kind === 'folder') {
			return this.groups(node.root);
		}
		const folder = this.service.get(node.root);
		if (!folder) {
			return [];
		}
		const { table, summary } = this.tagsOf(folder);
		const visible = sortRows(filterRows(table.rows, this.filterText), this.sort);
		if (node.kind === 'subset') {
			const rows = visible.filter((r) => r.perSubset[node.index] > 0);
			if (this.sort === 'count') {
				rows.sort((a, b) => b.perSubset[node.index] - a.perSubset[node.index]);
			}
			return rows.map((r) => ({ kind: 'tag', root: node.root, tag: r.label, key: r.key, subsetIndex: node.index }));
		}
		if (node.kind !== 'group') {
			return [];
		}
		const tags = (rows: typeof visible): TagsNode[] => rows.map((r) => ({ kind: 'tag', root: node.root, tag: r.label, key: r.key }));
		switch (node.group) {
			case 'all':
				return tags(visible);
			case 'every':
				return tags(visible.filter((r) => r.inEveryImage));
			case 'single':
				return tags(visible.filter((r) => r.singleImage));
			case 'flagged': {
				const keys = new Set(visible.map((r) => r.key));
				return this.flaggedTags(folder).filter((f) => keys.has(f.key)).map((f) => ({ kind: 'flagged', root: node.root, tag: f.label, key: f.key, code: f.code }));
			}
			case 'subsets':
				return table.subsets.map((_, index) => ({ kind: 'subset', root: node.root, index }));
			case 'stats':
				return statNodes(node.root, summary);
		}
	}

	private groups(root: string): TagsNode[] {
		const order: TagGroup[] = ['every', 'single', 'flagged', 'stats', 'subsets', 'all'];
		return order.map((group) => ({ kind: 'group', root, group }));
	}

	private groupCount(folder: TrainingFolder, group: TagGroup): number | undefined {
		const rows = filterRows(this.tagsOf(folder).table.rows, this.filterText);
		switch (group) {
			case 'all': return rows.length;
			case 'every': return rows.filter((r) => r.inEveryImage).length;
			case 'single': return rows.filter((r) => r.singleImage).length;
			case 'flagged': return this.flaggedTags(folder).length;
			default: return undefined;
		}
	}

	private scheduleFlagged(): void {
		this.diagnosticsTimer ??= setTimeout(() => {
			this.diagnosticsTimer = undefined;
			this.flaggedRun = this.flaggedRun.then(async () => {
				for (const folder of this.service.folders()) {
					const tags = await runInSlices(this.flaggedSteps(folder));
					if (this.disposed) {
						return;
					}
					this.flagged.set(folder.root, { folder, tags });
				}
				this.changeEmitter.fire(undefined);
			}).catch(() => {
				// Made again at once on the next read, where a failure reaches the tree view and its log.
				this.flagged.clear();
			});
		}, 500);
	}

	/**
	 * Tags the linter reports in this folder's captions (diagnostics with source "lora" on the first line): as of
	 * the last slice-made update, which fires a refresh when done; made at once only the first time.
	 */
	public flaggedTags(folder: TrainingFolder): FlaggedTag[] {
		let entry = this.flagged.get(folder.root);
		if (!entry) {
			entry = { folder, tags: runToEnd(this.flaggedSteps(folder)) };
			this.flagged.set(folder.root, entry);
		}
		return entry.tags;
	}

	private *flaggedSteps(folder: TrainingFolder): Steps<FlaggedTag[]> {
		const captions = new Map<string, string>();
		for (const subset of folder.subsets) {
			for (const image of subset.images) {
				if (image.hasCaption && image.caption !== undefined) {
					captions.set(image.captionPath, image.caption);
				}
				yield;
			}
		}
		const dirs = new Set(folder.subsets.map((s) => s.dir));
		const found = new Map<string, FlaggedTag>();
		for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
			yield;
			if (uri.scheme !== 'file' || !dirs.has(dirname(uri.fsPath))) {
				continue;
			}
			const caption = captions.get(uri.fsPath);
			if (caption === undefined) {
				continue;
			}
			const tags = parseCaption(caption).tags;
			for (const diagnostic of diagnostics) {
				if (diagnostic.source !== 'lora' || diagnostic.range.start.line !== 0) {
					continue;
				}
				const start = diagnostic.range.start.character;
				const end = diagnostic.range.end.line === 0 ? diagnostic.range.end.character : Number.MAX_SAFE_INTEGER;
				const tag = tags.find((t) => t.start < Math.max(end, start + 1) && t.end > start);
				if (!tag) {
					continue;
				}
				const code = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? 'lint');
				const key = normalizeTag(tag.text);
				const id = `${key}\u0000${code}`;
				const entry = found.get(id) ?? { key, label: tag.text, code, message: diagnostic.message, severity: diagnostic.severity, files: [] };
				if (!entry.files.includes(uri.fsPath)) {
					entry.files.push(uri.fsPath);
				}
				found.set(id, entry);
			}
		}
		return [...found.values()].sort((a, b) => a.severity - b.severity || b.files.length - a.files.length || a.key.localeCompare(b.key));
	}
}
