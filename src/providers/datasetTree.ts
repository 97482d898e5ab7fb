import * as vscode from 'vscode';
import { dirname, sep } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { registerDatasetCommands } from './datasetTreeCommands';
import { DatasetNode, IMAGE_PAGE_SIZE, detailItem, folderItem, imageItem, subsetItem, summaryDetails, summaryLabel } from './datasetTreeNodes';
import type { TrainingFolderService } from '../services/trainingFolders';
import { countOf } from '../core/plural';

export const DATASET_VIEW_ID = 'loraWorkbench.dataset';

/**
 * The "Dataset" view: training folder -> summary (steps, guide checks) -> subsets -> images.
 * Reads everything from the TrainingFolderService; image children are paged so huge subsets stay light.
 */
export class DatasetTreeProvider extends Disposable implements vscode.TreeDataProvider<DatasetNode> {
	private readonly changeEmitter = this.register(new vscode.EventEmitter<DatasetNode | undefined>());
	public readonly onDidChangeTreeData = this.changeEmitter.event;
	/** Same object per node key, so VS Code can refresh one node at a time. */
	private readonly nodes = new Map<string, DatasetNode>();
	/** Images shown per subset dir (grows with "Show more"). */
	private readonly shown = new Map<string, number>();
	private diagnosticsTimer: NodeJS.Timeout | undefined;
	private readonly pendingDiagnosticDirs = new Set<string>();

	constructor(private readonly service: TrainingFolderService) {
		super();
		this.register(service.onDidChange((change) => {
			const subsetNodes = change.changedSubsets?.map((dir) => this.nodes.get(`subset:${dir}`));
			if (change.folder && subsetNodes && subsetNodes.every((n) => n !== undefined)) {
				// Counts in the summary change too; the subsets refresh their own images.
				this.changeEmitter.fire(this.node({ kind: 'summary', root: change.root }));
				this.changeEmitter.fire(this.node({ kind: 'folder', root: change.root }));
				subsetNodes.forEach((n) => this.changeEmitter.fire(n));
			} else {
				this.changeEmitter.fire(undefined);
			}
		}));
		this.register(vscode.languages.onDidChangeDiagnostics((event) => this.onDiagnostics(event.uris)));
		this.register({ dispose: () => clearTimeout(this.diagnosticsTimer) });
	}

	private node<T extends DatasetNode>(value: T): T {
		const key = value.kind === 'subset' ? `subset:${value.dir}`
			: value.kind === 'image' ? `image:${value.path}`
				: value.kind === 'more' ? `more:${value.dir}:${value.shown}`
					: value.kind === 'detail' ? `detail:${value.root}:${value.id}`
						: `${value.kind}:${value.root}`;
		const existing = this.nodes.get(key);
		if (existing && JSON.stringify(existing) === JSON.stringify(value)) {
			return existing as T;
		}
		this.nodes.set(key, value);
		return value;
	}

	/** Diagnostics arrive in bursts (a lint pass over 500 captions); refresh the affected subsets once per burst. */
	private onDiagnostics(uris: readonly vscode.Uri[]): void {
		for (const uri of uris) {
			if (uri.scheme === 'file' && this.nodes.has(`subset:${dirname(uri.fsPath)}`)) {
				this.pendingDiagnosticDirs.add(dirname(uri.fsPath));
			}
		}
		if (this.pendingDiagnosticDirs.size === 0) {
			return;
		}
		// Throttle, not debounce: a steady stream of diagnostics elsewhere (a relint after every file change) must
		// not postpone this refresh forever.
		if (this.diagnosticsTimer) {
			return;
		}
		this.diagnosticsTimer = setTimeout(() => {
			this.diagnosticsTimer = undefined;
			for (const dir of this.pendingDiagnosticDirs) {
				const node = this.nodes.get(`subset:${dir}`);
				if (node) {
					this.changeEmitter.fire(node);
				}
			}
			this.pendingDiagnosticDirs.clear();
		}, 250);
	}

	public showMore(node: Extract<DatasetNode, { kind: 'more' }>): void {
		this.shown.set(node.dir, node.shown + IMAGE_PAGE_SIZE);
		const subset = this.nodes.get(`subset:${node.dir}`);
		this.changeEmitter.fire(subset);
	}

	public getTreeItem(node: DatasetNode): vscode.TreeItem {
		const folder = this.service.get(node.root);
		if (!folder) {
			return new vscode.TreeItem('(removed)');
		}
		switch (node.kind) {
			case 'folder':
				return folderItem(folder);
			case 'summary': {
				const item = new vscode.TreeItem(summaryLabel(folder), vscode.TreeItemCollapsibleState.Collapsed);
				item.id = `summary:${folder.root}`;
				const failing = folder.checks.filter((c) => !c.ok).length;
				item.description = failing > 0 ? countOf(failing, 'guide warning') : 'guide checks pass';
				item.iconPath = new vscode.ThemeIcon(failing > 0 ? 'warning' : 'graph', failing > 0 ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
				item.contextValue = 'loraSummary';
				return item;
			}
			case 'detail':
				return detailItem(node);
			case 'problems': {
				const errors = folder.folderProblems.filter((p) => p.severity === 'error').length;
				const item = new vscode.TreeItem(`Problems (${folder.folderProblems.length})`, errors > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
				item.id = `problems:${folder.root}`;
				item.iconPath = new vscode.ThemeIcon(errors > 0 ? 'error' : 'warning');
				return item;
			}
			case 'subset': {
				const subset = folder.subsets.find((s) => s.dir === node.dir);
				return subset ? subsetItem(subset) : new vscode.TreeItem('(removed)');
			}
			case 'image': {
				const subset = folder.subsets.find((s) => s.dir === node.dir);
				const image = subset?.images.find((i) => i.path === node.path);
				return subset && image ? imageItem(image, subset, folder.training.enableBucket) : new vscode.TreeItem('(removed)');
			}
			case 'more': {
				const subset = folder.subsets.find((s) => s.dir === node.dir);
				const left = (subset?.images.length ?? 0) - node.shown;
				const item = new vscode.TreeItem(`Show ${Math.min(left, IMAGE_PAGE_SIZE)} more (${left} not shown)`);
				item.id = `more:${node.dir}`;
				item.iconPath = new vscode.ThemeIcon('ellipsis');
				item.command = { command: 'loraWorkbench.showMoreImages', title: 'Show More Images', arguments: [node] };
				return item;
			}
		}
	}

	public getChildren(node?: DatasetNode): DatasetNode[] {
		if (!node) {
			return this.service.folders().map((f) => this.node({ kind: 'folder', root: f.root }));
		}
		const folder = this.service.get(node.root);
		if (!folder) {
			return [];
		}
		switch (node.kind) {
			case 'folder':
				return [
					this.node({ kind: 'summary', root: folder.root }),
					...(folder.folderProblems.length > 0 ? [this.node({ kind: 'problems', root: folder.root })] : []),
					...folder.subsets.map((s) => this.node({ kind: 'subset', root: folder.root, dir: s.dir })),
				];
			case 'summary':
				return summaryDetails(folder).map((d) => this.node(d));
			case 'problems':
				return folder.folderProblems.map((problem, i) => this.node({ kind: 'detail', root: folder.root, id: `problem:${i}`, label: problem.message, problem }));
			case 'subset': {
				const subset = folder.subsets.find((s) => s.dir === node.dir);
				if (!subset) {
					return [];
				}
				const limit = this.shown.get(subset.dir) ?? IMAGE_PAGE_SIZE;
				const children: DatasetNode[] = subset.images.slice(0, limit).map((i) => this.node({ kind: 'image', root: folder.root, dir: subset.dir, path: i.path }));
				if (subset.images.length > limit) {
					children.push(this.node({ kind: 'more', root: folder.root, dir: subset.dir, shown: limit }));
				}
				return children;
			}
			default:
				return [];
		}
	}

	public getParent(node: DatasetNode): DatasetNode | undefined {
		switch (node.kind) {
			case 'folder':
				return undefined;
			case 'image':
			case 'more':
				return this.nodes.get(`subset:${node.dir}`) ?? this.node({ kind: 'subset', root: node.root, dir: node.dir });
			case 'detail':
				return this.node({ kind: node.problem ? 'problems' : 'summary', root: node.root });
			default:
				return this.node({ kind: 'folder', root: node.root });
		}
	}

	/** The node for a file or subset folder path, for `reveal`. */
	public nodeForPath(path: string): DatasetNode | undefined {
		const folder = this.service.folderOf(path);
		if (!folder) {
			return undefined;
		}
		const subset = folder.subsets.find((s) => s.dir === path || path.startsWith(s.dir + sep));
		if (!subset) {
			return this.node({ kind: 'folder', root: folder.root });
		}
		const image = subset.images.find((i) => i.path === path || i.captionPath === path);
		return image ? this.node({ kind: 'image', root: folder.root, dir: subset.dir, path: image.path }) : this.node({ kind: 'subset', root: folder.root, dir: subset.dir });
	}
}

export class DatasetTree {
	public static register(services: WorkbenchServices): vscode.Disposable & { provider: DatasetTreeProvider } {
		const provider = new DatasetTreeProvider(services.trainingFolders);
		const view = vscode.window.createTreeView(DATASET_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true, canSelectMany: false });
		const updateMessage = (): void => {
			view.message = services.trainingFolders.folders().length === 0
				? 'No training folder here yet. A training folder holds images/<repeats>_<trigger> <class>/ folders or a lora-workbench.yaml; create one with "LoRA: New Training Folder".'
				: undefined;
		};
		updateMessage();
		const subscription = services.trainingFolders.onDidChange(updateMessage);
		const commands = registerDatasetCommands(services, provider, view);
		return Object.assign(vscode.Disposable.from(provider, view, subscription, commands), { provider });
	}
}
