import * as vscode from 'vscode';
import { normalizeTag, tagAt } from '../core/caption';
import { coverageOptionsFrom } from '../core/coverage/fromFolder';
import type { TrainingFolder } from '../core/dataset';
import { TagRow, TagTable, buildTagTableSteps, filterRows, sortRows, tagStatsSubsets } from '../core/tagStats';
import { imageCaptionTags } from '../core/datasetCaptionTags';
import { DatasetTagSummary, summarizeTagsSteps } from '../core/tagStatsSummary';
import { Disposable } from '../util/dispose';
import { Steps, runInSlices, sortSteps } from '../core/slices';
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
interface FolderNodes {
	folder: TagsNode;
	groups: TagsNode[];
}

export class TagsViewProvider extends Disposable implements vscode.TreeDataProvider<TagsNode> {
	private readonly changeEmitter = this.register(new vscode.EventEmitter<TagsNode | TagsNode[] | undefined>());
	public readonly onDidChangeTreeData = this.changeEmitter.event;
	/** The table per root, made in slices once per scan (20,000 captions took ~300 ms in one piece). */
	private readonly cache = new Map<string, Promise<FolderTags>>();
	private sort: 'count' | 'name' = 'count';
	private filterText = '';
	private diagnosticsTimer: NodeJS.Timeout | undefined;
	/** Flagged tags per root, made in slices after each burst of diagnostics changes (reading them took ~1 s at 20,000). */
	private readonly flagged = new Map<string, FlaggedTag[]>();
	/** The first read's run per root, before any scheduled update has finished. */
	private readonly flaggedFirst = new Map<string, Promise<FlaggedTag[]>>();
	private flaggedUpdating = false;
	private flaggedAgain = false;
	private readonly idleWaiters: Array<() => void> = [];
	/** The folders the tree's top level was last made of (their rows, or one folder's groups). */
	private shownRoots: string[] | undefined;
	private readonly topNodes = new Map<string, FolderNodes>();
	/** Per root: the table as made for that scan, once made (what group rows count from without waiting). */
	private readonly built = new Map<string, { folder: TrainingFolder; tags: FolderTags }>();
	/** Scans whose table and flagged tags are being made for the group rows' counts, or failed to be. */
	private readonly counting = new WeakSet<TrainingFolder>();
	private readonly countFailed = new WeakSet<TrainingFolder>();
	/** Diagnostics and scan changes seen, so a first read that overlapped one is brought up to date after it. */
	private changes = 0;
	/**
	 * Per root and caption: its flagged tags as last read from its diagnostics, with the caption text they were read
	 * against. A change of diagnostics names its files, and only those (and captions whose text changed) are read
	 * again: after a rescan's re-lint, 20,000 getDiagnostics calls per update were most of this view's host time. VS
	 * Code names each changed file twice (its echo of the change comes back later, by then seconds later in the host
	 * bench): flags are made again only when the diagnostics are other objects.
	 */
	private readonly fileFlags = new Map<string, Map<string, FileFlags>>();
	/** Which update last saw each caption (FileFlags.seenBy): a Set of 20,000 paths per update was garbage at once. */
	private flaggedUpdates = 0;
	/** Per root: the captions events named since its last update, and the scan that update walked. */
	private readonly namedSince = new Map<string, Set<string>>();
	private readonly walkedScan = new Map<string, TrainingFolder>();

	constructor(private readonly service: TrainingFolderService) {
		super();
		this.register(service.onDidChange((change) => {
			this.cache.delete(change.root);
			this.built.delete(change.root);
			if (!change.folder) {
				this.fileFlags.delete(change.root);
				this.namedSince.delete(change.root);
				this.walkedScan.delete(change.root);
				this.topNodes.delete(change.root);
			}
			this.refreshFolders([change.root]);
			this.scheduleFlagged();
		}));
		// Throttled like the Dataset view: a steady stream of diagnostics must not postpone the refresh forever. Only
		// the captions this view holds are marked; diagnostics of other files ask for no update.
		this.register(vscode.languages.onDidChangeDiagnostics((event) => {
			let marked = false;
			for (const [root, files] of this.fileFlags) {
				let named = this.namedSince.get(root);
				for (const uri of event.uris) {
					const read = files.get(uri.fsPath);
					if (!read) {
						continue;
					}
					read.diagnosticsChanged = true;
					// The event's Uri, which VS Code keeps anyway: a Uri made for each read was most of what reads allocated.
					read.uri = uri;
					marked = true;
					if (!named) {
						named = new Set();
						this.namedSince.set(root, named);
					}
					named.add(uri.fsPath);
				}
			}
			if (marked) {
				this.scheduleFlagged();
			}
		}));
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

	/** The table of a folder (built once per scan, in slices). */
	public tagsOf(folder: TrainingFolder): Promise<FolderTags> {
		let cached = this.cache.get(folder.root);
		if (!cached) {
			const building = runInSlices(this.tagsSteps(folder));
			// A failed build is made again on the next read, where the error reaches the tree view.
			building.catch(() => this.cache.get(folder.root) === building && this.cache.delete(folder.root));
			this.cache.set(folder.root, cached = building);
		}
		return cached;
	}

	private *tagsSteps(folder: TrainingFolder): Steps<FolderTags> {
		const subsets = tagStatsSubsets(folder);
		const table = yield* buildTagTableSteps(subsets, imageCaptionTags);
		const costumeTags = coverageOptionsFrom(folder.settings.raw).options.costumes.map((c) => c.tag);
		return { table, summary: yield* summarizeTagsSteps(table, subsets, { trigger: folder.trigger, costumeTags }) };
	}

	public async getTreeItem(node: TagsNode): Promise<vscode.TreeItem> {
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
		if (node.kind === 'group') {
			return this.groupItemNow(folder, node.group);
		}
		const { table } = await this.tagsOf(folder);
		switch (node.kind) {
			case 'subset':
				return subsetItem(node.root, table, node.index);
			case 'tag': {
				const row = table.byKey.get(node.key);
				return row ? tagItem(node, row, table) : new vscode.TreeItem(node.tag);
			}
			case 'flagged': {
				const flagged = (await this.flaggedTags(folder)).find((f) => f.key === node.key && f.code === node.code);
				return flagged ? flaggedItem(node, flagged) : new vscode.TreeItem(node.tag);
			}
		}
	}

	public async getChildren(node?: TagsNode): Promise<TagsNode[]> {
		if (!node) {
			const roots = this.service.folders().map((f) => f.root);
			this.shownRoots = roots;
			return roots.length === 1 ? this.groups(roots[0]) : roots.map((root) => this.nodesOf(root).folder);
		}
		if (node.kind === 'folder') {
			return this.groups(node.root);
		}
		const folder = this.service.get(node.root);
		if (!folder) {
			return [];
		}
		const { table, summary } = await this.tagsOf(folder);
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
				return (await this.flaggedTags(folder)).filter((f) => keys.has(f.key)).map((f) => ({ kind: 'flagged', root: node.root, tag: f.label, key: f.key, code: f.code }));
			}
			case 'subsets':
				return table.subsets.map((_, index) => ({ kind: 'subset', root: node.root, index }));
			case 'stats':
				return statNodes(node.root, summary);
		}
	}

	private groups(root: string): TagsNode[] {
		return this.nodesOf(root).groups;
	}

	/** A folder's row and its groups' rows, the same objects each time: VS Code refreshes a part of the tree by them. */
	private nodesOf(root: string): FolderNodes {
		let nodes = this.topNodes.get(root);
		if (!nodes) {
			const order: TagGroup[] = ['every', 'single', 'flagged', 'stats', 'subsets', 'all'];
			nodes = { folder: { kind: 'folder', root }, groups: order.map((group) => ({ kind: 'group', root, group })) };
			this.topNodes.set(root, nodes);
		}
		return nodes;
	}

	/**
	 * Refreshes these folders' parts of the tree: their rows when several folders are listed, else the groups. The
	 * whole tree only when the list of folders changed. A refresh of the whole tree cancels every fetch in flight (VS
	 * Code 1.139 answers them with nothing), and a folder being opened at that moment could stay open and empty.
	 */
	private refreshFolders(roots: readonly string[]): void {
		const shown = this.shownRoots;
		if (!shown || !this.service.isListedAs(shown)) {
			this.changeEmitter.fire(undefined);
			return;
		}
		const nodes = roots.filter((root) => shown.includes(root)).flatMap((root) => (shown.length === 1 ? this.nodesOf(root).groups : [this.nodesOf(root).folder]));
		if (nodes.length > 0) {
			this.changeEmitter.fire(nodes);
		}
	}

	/**
	 * A group's row at once: with its count when the folder's table and flagged tags are made, else without one while
	 * they are made, and the folder's rows are refreshed when they are. VS Code fetches a folder's rows as one request,
	 * and its extension host answers a request that a refresh overtook with nothing (1.139): a folder could stay open
	 * and empty. Rows made without waiting leave almost no such window.
	 */
	private async groupItemNow(folder: TrainingFolder, group: TagGroup): Promise<vscode.TreeItem> {
		const built = this.built.get(folder.root);
		const flagged = this.flagged.get(folder.root);
		if (built?.folder === folder && flagged) {
			return groupItem(folder.root, group, groupCount(filterRows(built.tags.table.rows, this.filterText), flagged, group));
		}
		if (this.countFailed.has(folder)) {
			// Made again here, so that its error reaches the tree view.
			this.countFailed.delete(folder);
			await Promise.all([this.tagsOf(folder), this.flaggedTags(folder)]);
			return this.groupItemNow(folder, group);
		}
		this.countLater(folder);
		return groupItem(folder.root, group, undefined);
	}

	private countLater(folder: TrainingFolder): void {
		if (this.counting.has(folder)) {
			return;
		}
		this.counting.add(folder);
		void Promise.all([this.tagsOf(folder), this.flaggedTags(folder)]).then(([tags]) => {
			this.built.set(folder.root, { folder, tags });
		}, () => {
			this.countFailed.add(folder);
		}).finally(() => {
			this.counting.delete(folder);
			if (!this.disposed && this.service.get(folder.root) === folder) {
				this.refreshFolders([folder.root]);
			}
		});
	}

	/**
	 * Throttled, and coalesced: a burst of diagnostics while an update runs asks for one more update after it, not one
	 * per timer (queued updates of 20,000 captions each were most of the host's garbage in the bench). Only folders
	 * the view has shown are updated; another folder's flagged tags are made on its first read.
	 */
	/** Resolves once no update of the flagged tags is waiting or running (tests: what a burst of diagnostics did). */
	public idle(): Promise<void> {
		return this.isIdle() ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	private isIdle(): boolean {
		return this.diagnosticsTimer === undefined && !this.flaggedUpdating;
	}

	private scheduleFlagged(): void {
		this.changes++;
		this.diagnosticsTimer ??= setTimeout(() => {
			this.diagnosticsTimer = undefined;
			if (this.flaggedUpdating) {
				this.flaggedAgain = true;
				return;
			}
			this.flaggedUpdating = true;
			void this.updateFlagged().catch(() => {
				// Made again at once on the next read, where a failure reaches the tree view and its log.
				this.flagged.clear();
			}).finally(() => {
				this.flaggedUpdating = false;
				if (this.flaggedAgain && !this.disposed) {
					this.flaggedAgain = false;
					this.scheduleFlagged();
				}
				if (this.isIdle()) {
					this.idleWaiters.splice(0).forEach((resolve) => resolve());
				}
			});
		}, 500);
	}

	private async updateFlagged(): Promise<void> {
		const shown = this.service.folders().filter((folder) => this.flagged.has(folder.root));
		const changed: string[] = [];
		for (const folder of shown) {
			const tags = await runInSlices(this.flaggedSteps(folder));
			if (this.disposed) {
				return;
			}
			if (tags !== this.flagged.get(folder.root)) {
				changed.push(folder.root);
			}
			this.flagged.set(folder.root, tags);
		}
		// flaggedSteps gives back the same array when no caption's flags changed: then the view stays as it is. Each
		// burst of diagnostics (VS Code's echo of ours, another extension's on the captions) refreshed the whole tree.
		if (changed.length > 0) {
			this.refreshFolders(changed);
		}
	}

	/**
	 * Tags the linter reports in this folder's captions (diagnostics with source "lora" on the first line): as of
	 * the last slice-made update, which fires a refresh when done; the first read makes them (in slices too).
	 */
	public async flaggedTags(folder: TrainingFolder): Promise<FlaggedTag[]> {
		const made = this.flagged.get(folder.root);
		if (made) {
			return made;
		}
		let first = this.flaggedFirst.get(folder.root);
		if (!first) {
			const changes = this.changes;
			first = runInSlices(this.flaggedSteps(folder));
			this.flaggedFirst.set(folder.root, first);
			void first.then((tags) => {
				if (!this.flagged.has(folder.root)) {
					this.flagged.set(folder.root, tags);
				}
				if (this.changes !== changes && !this.disposed) {
					this.scheduleFlagged();
				}
			}, () => undefined)
				.finally(() => this.flaggedFirst.get(folder.root) === first && this.flaggedFirst.delete(folder.root));
		}
		return first;
	}

	/** Reads again the captions events named (`named`); whether any of their flags changed. */
	private *anyFlagsChangedSteps(files: Map<string, FileFlags>, named: ReadonlySet<string> | undefined): Steps<boolean> {
		let changed = false;
		for (const path of named ?? []) {
			const read = files.get(path);
			if (read?.diagnosticsChanged) {
				// Other diagnostics on the caption (a spell checker's), or ours sent again alike, flag the same tags.
				changed = !sameFlags(readFlags(files, path, read.caption, read).flags, read.flags) || changed;
				yield;
			}
		}
		return changed;
	}

	/**
	 * One caption's diagnostics at a time (vscode.languages.getDiagnostics() of the whole workspace is one call
	 * that copies every file's diagnostics: 50-400 ms at 20,000 captions), in folder order, and only for captions
	 * whose diagnostics or text changed since the last update (`fileFlags`).
	 */
	private *flaggedSteps(folder: TrainingFolder): Steps<FlaggedTag[]> {
		let files = this.fileFlags.get(folder.root);
		if (!files) {
			files = new Map();
			this.fileFlags.set(folder.root, files);
		}
		const named = this.namedSince.get(folder.root);
		this.namedSince.delete(folder.root);
		const last = this.flagged.get(folder.root);
		// The same scan, and every caption named since holds the same diagnostics (VS Code's echoes of changes already
		// read): the last tags stand, without a walk of every caption.
		if (last && this.walkedScan.get(folder.root) === folder && !(yield* this.anyFlagsChangedSteps(files, named))) {
			return last;
		}
		this.walkedScan.set(folder.root, folder);
		// Per tag and code: the flagged tag, its files gathered in folder order.
		const found = new Map<string, Map<string, FlaggedTag>>();
		const update = ++this.flaggedUpdates;
		let seen = 0;
		for (const subset of folder.subsets) {
			for (let m = 0; m < subset.images.length; m++) {
				// A step per caption read from its diagnostics, else per 32 captions: a yield per image was an object per image per update.
				if ((m & 31) === 31) {
					yield;
				}
				const image = subset.images[m];
				if (!image.hasCaption || image.caption === undefined) {
					continue;
				}
				const path = image.captionPath;
				let read = files.get(path);
				if (read?.seenBy === update) {
					continue; // Two images with one caption file (a.png, a.jpg): counted once.
				}
				if (read?.caption !== image.caption || read.diagnosticsChanged) {
					read = readFlags(files, path, image.caption, read);
					yield;
				}
				read.seenBy = update;
				seen++;
				for (let f = 0; f < read.flags.length; f++) {
					const flag = read.flags[f];
					// By tag, then by code: a key string made per flag was 32,000 strings per update.
					let byCode = found.get(flag.key);
					if (!byCode) {
						byCode = new Map();
						found.set(flag.key, byCode);
					}
					let tag = byCode.get(flag.code);
					if (!tag) {
						tag = { key: flag.key, label: flag.label, code: flag.code, message: flag.message, severity: flag.severity, files: [] };
						byCode.set(flag.code, tag);
					}
					// A caption's flags are gathered together, so a caption already counted for this tag is the last one.
					if (tag.files[tag.files.length - 1] !== path) {
						tag.files.push(path);
					}
				}
			}
		}
		// Captions gone from the folder are let go (looked for only when some are: the walk made an entry per caption).
		if (files.size > seen) {
			let looked = 0;
			for (const [path, read] of files) {
				if (read.seenBy !== update) {
					files.delete(path);
				}
				if ((++looked & 63) === 0) {
					yield;
				}
			}
		}
		return yield* sortSteps([...found.values()].flatMap((byCode) => [...byCode.values()]), (a, b) => a.severity - b.severity || b.files.length - a.files.length || a.key.localeCompare(b.key));
	}
}

/** One tag a caption's lint problem is on (a FlaggedTag before its files are gathered). */
type CaptionFlag = Omit<FlaggedTag, 'files'>;

/**
 * A caption's flags as last read, the caption text and diagnostics they were read from, the last update that saw the
 * caption, and whether an event named it since.
 */
interface FileFlags {
	/** The caption file's Uri, kept for the next read (its string form, which the lookup needs, is kept in it). */
	uri: vscode.Uri;
	caption: string;
	diagnostics: readonly vscode.Diagnostic[];
	flags: readonly CaptionFlag[];
	seenBy: number;
	diagnosticsChanged: boolean;
}

const NO_FLAGS: readonly CaptionFlag[] = Object.freeze([]);

/**
 * A caption's flags from its diagnostics now: `read` itself when they are the same Diagnostic objects as it was read
 * from (VS Code 1.139 sends every diagnostics change back to the extension host, which fires it a second time), else
 * a new entry, kept in `files`.
 */
function readFlags(files: Map<string, FileFlags>, path: string, caption: string, read: FileFlags | undefined): FileFlags {
	const uri = read?.uri ?? vscode.Uri.file(path);
	const diagnostics = vscode.languages.getDiagnostics(uri);
	if (read && read.caption === caption && sameItems(read.diagnostics, diagnostics)) {
		read.diagnosticsChanged = false;
		return read;
	}
	const fresh: FileFlags = { uri, caption, diagnostics, flags: captionFlags(diagnostics, caption), seenBy: read?.seenBy ?? 0, diagnosticsChanged: false };
	files.set(path, fresh);
	return fresh;
}

function groupCount(rows: readonly TagRow[], flagged: readonly FlaggedTag[], group: TagGroup): number | undefined {
	switch (group) {
		case 'all': return rows.length;
		case 'every': return rows.filter((r) => r.inEveryImage).length;
		case 'single': return rows.filter((r) => r.singleImage).length;
		case 'flagged': return flagged.length;
		default: return undefined;
	}
}

function sameFlags(a: readonly CaptionFlag[], b: readonly CaptionFlag[]): boolean {
	return a === b || (a.length === b.length && a.every((flag, i) => flag.key === b[i].key && flag.label === b[i].label
		&& flag.code === b[i].code && flag.message === b[i].message && flag.severity === b[i].severity));
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
	return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The tags the `lora` diagnostics of one caption's first line are on. */
function captionFlags(diagnostics: readonly vscode.Diagnostic[], caption: string): readonly CaptionFlag[] {
	let flags: CaptionFlag[] | undefined;
	for (const diagnostic of diagnostics) {
		if (diagnostic.source !== 'lora' || diagnostic.range.start.line !== 0) {
			continue;
		}
		const start = diagnostic.range.start.character;
		const end = diagnostic.range.end.line === 0 ? diagnostic.range.end.character : Number.MAX_SAFE_INTEGER;
		const tag = tagAt(caption, start, Math.max(end, start + 1));
		if (!tag) {
			continue;
		}
		const code = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? 'lint');
		(flags ??= []).push({ key: normalizeTag(tag.text), label: tag.text, code, message: diagnostic.message, severity: diagnostic.severity });
	}
	return flags ?? NO_FLAGS;
}
