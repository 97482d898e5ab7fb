import * as vscode from 'vscode';
import { basename, relative } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { FolderCoverage, folderCoverage } from '../core/coverage/fromFolder';
import { CoverageTracker } from '../core/coverage/coverageTracker';
import type { CoverageProblem } from '../core/coverage/checks';
import type { GroupCoverage, SubsetCoverage, TagCoverage } from '../core/coverage/coverage';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { countOf } from '../core/plural';
import { LikenessService } from '../services/likenessService';
import { PoseSpread, poseSpread } from '../core/likeness/poseSpread';
import { yawBin, tiltBin } from '../core/likeness/pose';

export type CoverageNode =
	/** A folder's row when several are listed: one kept object per root, so VS Code can be told to refresh it alone. */
	| { kind: 'folder'; root: string }
	| { kind: 'problem'; folder: TrainingFolder; problem: CoverageProblem }
	| { kind: 'subset'; folder: TrainingFolder; subset: SubsetCoverage }
	| { kind: 'group'; folder: TrainingFolder; subset: SubsetCoverage; group: GroupCoverage }
	| { kind: 'tag'; folder: TrainingFolder; subset: SubsetCoverage; group: GroupCoverage; tag: TagCoverage }
	/** The head pose measured on the pictures (not read from the captions), and its bins. */
	| { kind: 'pose'; folder: TrainingFolder; measured: PoseMeasure }
	| { kind: 'poseBin'; folder: TrainingFolder; label: string; images: string[]; total: number }
	| { kind: 'poseMissing'; folder: TrainingFolder; message: string };

/** Where the measurement of a folder's head poses stands. */
type PoseMeasure = { state: 'measuring' } | { state: 'done'; spread: PoseSpread } | { state: 'off'; reason: string };

interface CoverageEntry {
	folder: TrainingFolder;
	coverage: Promise<FolderCoverage>;
	/** Set once computed (by the slices, or at once by coverageOf). */
	done?: FolderCoverage;
}

/** A text bar for tree descriptions: 8 cells, filled by share. */
export function shareBar(share: number): string {
	const cells = Math.round(Math.max(0, Math.min(1, share)) * 8);
	return '█'.repeat(cells) + '░'.repeat(8 - cells);
}

/**
 * "Coverage" view: view angles, framing, hair, glasses and outfits per subset from the captions, with the
 * guide's variety checks on top. The checks also go to Problems, on the subset folders.
 */
export class CoverageView extends Disposable implements vscode.TreeDataProvider<CoverageNode> {
	public static readonly viewId = 'loraWorkbench.coverage';
	private readonly changeEmitter = this.register(new vscode.EventEmitter<CoverageNode | undefined>());
	private readonly folderNodes = new Map<string, Extract<CoverageNode, { kind: 'folder' }>>();
	/** The folders the top level was last made of (their rows, or one folder's rows). */
	private shownRoots: string[] | undefined;
	/** Scans whose folder row was drawn before their coverage was computed: the row is refreshed once it is. */
	private readonly describing = new WeakSet<TrainingFolder>();
	public readonly onDidChangeTreeData = this.changeEmitter.event;
	private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lora-coverage'));
	/** Per root: the coverage of one scan (the folder object), computed once in slices that leave the host free. */
	private readonly cache = new Map<string, CoverageEntry>();
	/** Per root: the coverage kept from scan to scan, so that a rescan counts again only what changed. */
	private readonly trackers = new Map<string, CoverageTracker>();
	private diagnosticsRun: Promise<void> = Promise.resolve();
	/** Measured poses per folder, with the image list they were measured on (new pictures mean a new measure). */
	private readonly poses = new Map<string, { folder: TrainingFolder; measured: PoseMeasure }>();
	private readonly likeness: LikenessService;

	public static register(services: WorkbenchServices): CoverageView {
		const view = new CoverageView(services.trainingFolders, new LikenessService(services.globalStorageUri, services.log, services.trainingFolders), services.log);
		view.register(vscode.window.createTreeView(CoverageView.viewId, { treeDataProvider: view, showCollapseAll: true }));
		view.register(vscode.commands.registerCommand('loraWorkbench.showCoverageImages', (node?: CoverageNode) => view.showImages(node)));
		return view;
	}

	private constructor(private readonly trainingFolders: TrainingFolderService, likeness: LikenessService, private readonly log: vscode.LogOutputChannel) {
		super();
		this.likeness = this.register(likeness);
		this.register(trainingFolders.onDidChange((change) => {
			this.cache.delete(change.root);
			if (!change.folder) {
				this.trackers.delete(change.root);
				this.folderNodes.delete(change.root);
			}
			this.scheduleDiagnostics();
			this.refreshFolder(change.root);
		}));
		void trainingFolders.ready().then(() => this.scheduleDiagnostics());
	}

	/** The folder's coverage now; computed at once (blocking) when the slices have not finished it yet. */
	public coverageOf(folder: TrainingFolder): FolderCoverage {
		const entry = this.entryOf(folder);
		entry.done ??= folderCoverage(folder);
		return entry.done;
	}

	/** The folder's coverage, computed in slices of a few milliseconds (a 20,000-caption folder took seconds at once). */
	public coverageReady(folder: TrainingFolder): Promise<FolderCoverage> {
		return this.entryOf(folder).coverage;
	}

	/** Resolves when the Problems entries of every folder's coverage are up to date (tests, the bench). */
	public async idle(): Promise<void> {
		for (let run = this.diagnosticsRun; ; run = this.diagnosticsRun) {
			await run;
			if (run === this.diagnosticsRun) {
				return;
			}
		}
	}

	private trackerOf(root: string): CoverageTracker {
		let tracker = this.trackers.get(root);
		if (!tracker) {
			tracker = new CoverageTracker();
			this.trackers.set(root, tracker);
		}
		return tracker;
	}

	private entryOf(folder: TrainingFolder): CoverageEntry {
		let entry = this.cache.get(folder.root);
		if (entry?.folder !== folder) {
			const fresh: CoverageEntry = { folder, coverage: this.trackerOf(folder.root).coverage(folder).then((coverage) => (fresh.done ??= coverage)) };
			entry = fresh;
			this.cache.set(folder.root, entry);
		}
		return entry;
	}

	/**
	 * The measured head pose of the folder's face pictures (all pictures when no subset is a face subset), from the
	 * likeness report: its cached embeddings also hold each face's pose, so after Check Images this reads small files.
	 */
	public poseOf(folder: TrainingFolder): PoseMeasure {
		const off = this.likeness.unavailable();
		if (off) {
			return { state: 'off', reason: off };
		}
		const known = this.poses.get(folder.root);
		// Same scan: no need to join 20,000 paths again (each tree item asked, 2 MB of string and ~15 ms a time).
		if (known?.folder === folder) {
			return known.measured;
		}
		// Another scan of the same pictures (captions changed): the measure stands. Compared path by path, not as one
		// joined string (2 MB and ~15 ms of the host per scan at 20,000 images).
		if (known && samePictures(known.folder, folder)) {
			known.folder = folder;
			return known.measured;
		}
		const entry = { folder, measured: { state: 'measuring' } as PoseMeasure };
		this.poses.set(folder.root, entry);
		void this.likeness.report(folder.root).then((report) => {
			if ('reason' in report) {
				entry.measured = { state: 'off', reason: report.reason };
			} else {
				const faceSubsets = new Set(folder.subsets.filter((s) => s.role === 'face').map((s) => s.name));
				const pictures = faceSubsets.size ? report.pictures.filter((p) => faceSubsets.has(report.subsets.get(p.file) ?? '')) : report.pictures;
				entry.measured = { state: 'done', spread: poseSpread(pictures, (p) => report.identity.pictures.find((v) => v.file === p.file)?.person) };
			}
			if (this.poses.get(folder.root) === entry) {
				this.refreshFolder(folder.root);
			}
		});
		return entry.measured;
	}

	/** One update at a time; a change during one is picked up by the next, so a stream of changes never starves it. */
	private scheduleDiagnostics(): void {
		this.diagnosticsRun = this.diagnosticsRun.then(() => this.updateDiagnostics()).catch((err: unknown) => {
			this.log.error(`Coverage: ${err instanceof Error ? err.message : String(err)}`);
		});
	}

	private async updateDiagnostics(): Promise<void> {
		const folders = this.trainingFolders.folders();
		const coverages = await Promise.all(folders.map((folder) => this.coverageReady(folder)));
		if (this.disposed) {
			return;
		}
		this.diagnostics.clear();
		for (const [i, folder] of folders.entries()) {
			const bySubset = new Map<string, vscode.Diagnostic[]>();
			for (const problem of coverages[i].problems) {
				const subset = folder.subsets.find((s) => s.name === problem.subset);
				const target = subset?.dir ?? folder.root;
				const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), problem.message,
					problem.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
				diagnostic.source = 'lora';
				diagnostic.code = problem.code;
				bySubset.set(target, [...(bySubset.get(target) ?? []), diagnostic]);
			}
			for (const [path, list] of bySubset) {
				this.diagnostics.set(vscode.Uri.file(path), list);
			}
		}
	}

	/** A folder's row when several are listed (the same object each time). */
	public folderNode(root: string): CoverageNode {
		let node = this.folderNodes.get(root);
		if (!node) {
			node = { kind: 'folder', root };
			this.folderNodes.set(root, node);
		}
		return node;
	}

	/**
	 * Refreshes one folder's row when several folders are listed and the list is what the top level was made of; else
	 * the whole tree. A refresh of the whole tree cancels every fetch in flight (VS Code 1.139 answers them with
	 * nothing), and a folder's rows fetched at that moment could stay empty: each rescan of any folder did that.
	 */
	private refreshFolder(root: string): void {
		const shown = this.shownRoots;
		if (shown && shown.length > 1 && this.trainingFolders.isListedAs(shown)) {
			if (shown.includes(root)) {
				this.changeEmitter.fire(this.folderNode(root));
			}
			return;
		}
		this.changeEmitter.fire(undefined);
	}

	public async getChildren(node?: CoverageNode): Promise<CoverageNode[]> {
		if (!node) {
			await this.trainingFolders.ready();
			const folders = this.trainingFolders.folders();
			this.shownRoots = folders.map((folder) => folder.root);
			// Several folders: their rows at once; each folder's coverage is waited for in the request for its own rows.
			return folders.length === 1 ? this.folderRows(folders[0]) : folders.map((folder) => this.folderNode(folder.root));
		}
		switch (node.kind) {
			case 'folder': {
				const folder = this.trainingFolders.get(node.root);
				return folder ? this.folderRows(folder) : [];
			}
			case 'pose': {
				if (node.measured.state !== 'done') {
					return [];
				}
				const spread = node.measured.spread;
				const total = spread.poses.length;
				const bins = new Map<string, string[]>();
				for (const { file, pose } of spread.poses) {
					for (const label of [yawBin(pose.yaw), tiltBin(pose.pitch)]) {
						bins.set(label, [...(bins.get(label) ?? []), file]);
					}
				}
				const order = ['front', 'three-quarter left', 'three-quarter right', 'side left', 'side right', 'level', 'from above', 'from below'];
				return [
					...spread.missing.map((message): CoverageNode => ({ kind: 'poseMissing', folder: node.folder, message })),
					...order.map((label): CoverageNode => ({ kind: 'poseBin', folder: node.folder, label, images: bins.get(label) ?? [], total })),
				];
			}
			case 'subset':
				return node.subset.groups.map((group): CoverageNode => ({ kind: 'group', folder: node.folder, subset: node.subset, group }));
			case 'group':
				return node.group.tags.map((tag): CoverageNode => ({ ...node, kind: 'tag', tag }));
			default:
				return [];
		}
	}

	/** A folder's rows: its coverage problems, its subsets, all subsets and the measured head pose. */
	private async folderRows(folder: TrainingFolder): Promise<CoverageNode[]> {
		const coverage = await this.coverageReady(folder);
		return [
			...coverage.problems.map((problem): CoverageNode => ({ kind: 'problem', folder, problem })),
			...coverage.report.subsets.filter((s) => s.role !== 'reg').map((subset): CoverageNode => ({ kind: 'subset', folder, subset })),
			{ kind: 'subset', folder, subset: coverage.report.total },
			{ kind: 'pose', folder, measured: this.poseOf(folder) },
		];
	}

	public getTreeItem(node: CoverageNode): vscode.TreeItem {
		const showImages = (title: string): vscode.Command => ({ command: 'loraWorkbench.showCoverageImages', title, arguments: [node] });
		switch (node.kind) {
			case 'folder': {
				const item = new vscode.TreeItem(basename(node.root), vscode.TreeItemCollapsibleState.Expanded);
				item.id = `coverage-folder:${node.root}`;
				// As of the last computed coverage of this scan; its rows wait for it, and a new scan refreshes the row.
				const folder = this.trainingFolders.get(node.root);
				const entry = folder && this.cache.get(node.root);
				const coverage = entry?.folder === folder ? entry?.done : undefined;
				item.description = coverage === undefined ? undefined : coverage.problems.length ? `${coverage.problems.length} to improve` : 'varied';
				if (folder && coverage === undefined && !this.describing.has(folder)) {
					this.describing.add(folder);
					void this.coverageReady(folder).then(() => {
						if (this.trainingFolders.get(node.root) === folder && !this.disposed) {
							this.changeEmitter.fire(node);
						}
					}, () => undefined);
				}
				item.iconPath = new vscode.ThemeIcon('folder');
				return item;
			}
			case 'problem': {
				const item = new vscode.TreeItem(node.problem.message, vscode.TreeItemCollapsibleState.None);
				item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
				item.tooltip = node.problem.message;
				item.description = node.problem.code;
				if (node.problem.images.length) {
					item.command = showImages('Show Images');
				}
				return item;
			}
			case 'subset': {
				const item = new vscode.TreeItem(node.subset.subset, vscode.TreeItemCollapsibleState.Collapsed);
				item.description = `${node.subset.role === 'unknown' ? '' : `${node.subset.role} · `}${countOf(node.subset.imageCount, 'image')}`;
				item.iconPath = new vscode.ThemeIcon(node.subset.subset === 'all subsets' ? 'layers' : 'file-media');
				return item;
			}
			case 'group': {
				const item = new vscode.TreeItem(node.group.group, node.group.tags.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
				const top = node.group.tags.slice(0, 3).map((t) => `${t.tag} ${t.count}`).join(' · ');
				item.description = `${top || 'none tagged'}${node.group.untagged.length ? ` · ${node.group.untagged.length} untagged` : ''}`;
				item.iconPath = new vscode.ThemeIcon('symbol-enum');
				item.command = showImages('Show Images');
				return item;
			}
			case 'pose': {
				const m = node.measured;
				const item = new vscode.TreeItem('head pose (measured)', m.state === 'done' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
				item.id = `${node.folder.root}:pose:${m.state}`;
				item.description = m.state === 'measuring' ? 'measuring the faces...' : m.state === 'off' ? 'not measured' : `${countOf(m.spread.poses.length, 'face')}${m.spread.missing.length ? ` · ${m.spread.missing.length} missing` : ' · every angle'}`;
				item.tooltip = m.state === 'off' ? m.reason : 'Yaw and pitch measured from the face landmarks of each picture, whatever the captions say.';
				item.iconPath = new vscode.ThemeIcon(m.state === 'measuring' ? 'loading~spin' : 'eye');
				return item;
			}
			case 'poseMissing': {
				const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
				item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
				item.description = 'missing angle';
				item.tooltip = `${node.message}: the guide asks for faces from the front, left, right, from above and from below. Add close-ups from that angle.`;
				return item;
			}
			case 'poseBin': {
				const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
				const share = node.total ? node.images.length / node.total : 0;
				item.description = `${shareBar(share)} ${node.images.length}/${node.total} (${Math.round(share * 100)}%)`;
				item.iconPath = new vscode.ThemeIcon('person');
				if (node.images.length) {
					item.command = showImages('Show Images');
				}
				return item;
			}
			case 'tag': {
				const item = new vscode.TreeItem(node.tag.tag, vscode.TreeItemCollapsibleState.None);
				item.description = `${shareBar(node.tag.share)} ${node.tag.count}/${node.subset.imageCount} (${Math.round(node.tag.share * 100)}%)`;
				item.iconPath = new vscode.ThemeIcon('tag');
				item.command = showImages('Show Images');
				return item;
			}
		}
	}

	/** The images a coverage item is about: the gallery filtered to them when it exists, else a pick list. */
	public async showImages(node: CoverageNode | undefined): Promise<void> {
		if (!node || node.kind === 'folder' || node.kind === 'subset' || node.kind === 'pose' || node.kind === 'poseMissing') {
			return;
		}
		const images = [...new Set(node.kind === 'poseBin' ? node.images : node.kind === 'problem' ? node.problem.images : node.kind === 'tag' ? node.tag.images : node.group.tags.flatMap((t) => t.images))];
		const filter = node.kind === 'tag' ? quoteTag(node.tag.tag) : node.kind === 'group' ? node.group.tags.map((t) => quoteTag(t.tag)).join(' OR ') : undefined;
		const commands = await vscode.commands.getCommands(true);
		if (filter && commands.includes('loraWorkbench.filterGallery')) {
			// A subset's group shows that subset's images, "all subsets" every image.
			const subset = node.kind === 'tag' || node.kind === 'group' ? node.subset.subset : undefined;
			await vscode.commands.executeCommand('loraWorkbench.filterGallery', { root: node.folder.root, expression: filter, subset: subset === 'all subsets' ? '' : subset });
			return;
		}
		const picked = await vscode.window.showQuickPick(images.sort().map((path) => ({ label: basename(path), description: relative(node.folder.root, path), path })), {
			title: node.kind === 'problem' ? node.problem.message : node.kind === 'poseBin' ? `${node.label} (measured): ${countOf(images.length, 'image')}` : `${filter ?? ''}: ${countOf(images.length, 'image')}`,
			matchOnDescription: true,
		});
		if (picked) {
			await vscode.commands.executeCommand('loraWorkbench.openImageCaption', vscode.Uri.file(picked.path));
		}
	}
}

function quoteTag(tag: string): string {
	return /^[\w\s-]+$/.test(tag) && !/\b(AND|OR|NOT)\b/.test(tag) ? tag : `"${tag.replace(/"/g, '\\"')}"`;
}

/** Whether two scans list the same pictures in the same subsets' order (a rescan keeps the path strings it can). */
function samePictures(a: TrainingFolder, b: TrainingFolder): boolean {
	if (a.subsets.length !== b.subsets.length) {
		return false;
	}
	for (let s = 0; s < a.subsets.length; s++) {
		const before = a.subsets[s].images;
		const after = b.subsets[s].images;
		if (before.length !== after.length) {
			return false;
		}
		for (let i = 0; i < before.length; i++) {
			if (before[i].path !== after[i].path) {
				return false;
			}
		}
	}
	return true;
}
