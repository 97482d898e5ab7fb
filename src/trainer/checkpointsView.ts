import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CheckpointFile, formatBytes } from '../core/checkpoints/checkpointList';
import { CheckpointRun, StateFolder, chosenName, listCheckpointRuns, runLabel } from '../core/checkpoints/checkpointRuns';
import { readSafetensorsHeader } from '../core/checkpoints/safetensors';
import { summarizeMetadata } from '../core/checkpoints/metadata';
import type { TrainingFolderService } from '../services/trainingFolders';
import { Disposable } from '../util/dispose';
import { chosenCheckpoint } from './chosenCheckpoint';
import { countOf } from '../core/plural';

export type CheckpointNode =
	| { kind: 'folder'; folder: TrainingFolder }
	| { kind: 'run'; folder: TrainingFolder; run: CheckpointRun }
	| { kind: 'checkpoint'; folder: TrainingFolder; file: CheckpointFile; run?: CheckpointRun }
	| { kind: 'state'; folder: TrainingFolder; state: StateFolder; run: CheckpointRun }
	| { kind: 'empty'; folder: TrainingFolder };

/**
 * "Checkpoints" view: the files sd-scripts wrote into each training folder's `model/`, newest first, updated
 * live while training (a file watcher per model folder). With more than one run they are grouped by run (the
 * latest in model/, earlier ones in model/runs/<run>/), so epochs of different runs never sit side by side.
 */
export class CheckpointsView extends Disposable implements vscode.TreeDataProvider<CheckpointNode> {
	public static readonly viewId = 'loraWorkbench.checkpoints';
	private readonly changeEmitter = this.register(new vscode.EventEmitter<CheckpointNode | undefined>());
	public readonly onDidChangeTreeData = this.changeEmitter.event;
	private readonly watchers = new Map<string, vscode.Disposable>();
	private refreshTimer: NodeJS.Timeout | undefined;

	public static register(trainingFolders: TrainingFolderService): CheckpointsView {
		const view = new CheckpointsView(trainingFolders);
		view.register(vscode.window.createTreeView(CheckpointsView.viewId, { treeDataProvider: view, showCollapseAll: true }));
		return view;
	}

	private constructor(private readonly trainingFolders: TrainingFolderService) {
		super();
		this.register(trainingFolders.onDidChange(() => this.scheduleRefresh()));
		this.register({ dispose: () => this.watchers.forEach((w) => w.dispose()) });
	}

	public refresh(): void {
		this.changeEmitter.fire(undefined);
	}

	private scheduleRefresh(): void {
		clearTimeout(this.refreshTimer);
		this.refreshTimer = setTimeout(() => this.refresh(), 200);
	}

	private watch(folder: TrainingFolder): void {
		if (this.watchers.has(folder.modelDir)) {
			return;
		}
		const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder.modelDir), '*'));
		const onEvent = () => this.scheduleRefresh();
		this.watchers.set(folder.modelDir, vscode.Disposable.from(watcher, watcher.onDidCreate(onEvent), watcher.onDidDelete(onEvent), watcher.onDidChange(onEvent)));
	}

	public async getChildren(node?: CheckpointNode): Promise<CheckpointNode[]> {
		if (!node) {
			await this.trainingFolders.ready();
			const folders = this.trainingFolders.folders();
			folders.forEach((f) => this.watch(f));
			if (folders.length === 1) {
				return this.checkpointsOf(folders[0]);
			}
			return folders.map((folder) => ({ kind: 'folder', folder }));
		}
		if (node.kind === 'run') {
			return this.runChildren(node.folder, node.run);
		}
		return node.kind === 'folder' ? this.checkpointsOf(node.folder) : [];
	}

	private async checkpointsOf(folder: TrainingFolder): Promise<CheckpointNode[]> {
		const runs = await listCheckpointRuns(folder.modelDir);
		if (runs.length === 0) {
			return [{ kind: 'empty', folder }];
		}
		if (runs.length === 1) {
			return this.runChildren(folder, runs[0]);
		}
		return runs.map((run) => ({ kind: 'run', folder, run }));
	}

	/** A run's checkpoints, then the state folders it can be resumed from. */
	private runChildren(folder: TrainingFolder, run: CheckpointRun): CheckpointNode[] {
		return [
			...run.checkpoints.map((file): CheckpointNode => ({ kind: 'checkpoint', folder, file, run })),
			...run.states.map((state): CheckpointNode => ({ kind: 'state', folder, state, run })),
		];
	}

	/** Every checkpoint of a folder, whichever run it belongs to (commands given a file find its node here). */
	public async allCheckpoints(folder: TrainingFolder): Promise<Extract<CheckpointNode, { kind: 'checkpoint' }>[]> {
		return (await listCheckpointRuns(folder.modelDir)).flatMap((run) => run.checkpoints.map((file) => ({ kind: 'checkpoint' as const, folder, file, run })));
	}

	public getTreeItem(node: CheckpointNode): vscode.TreeItem {
		if (node.kind === 'folder') {
			const item = new vscode.TreeItem(basename(node.folder.root), vscode.TreeItemCollapsibleState.Expanded);
			item.iconPath = new vscode.ThemeIcon('folder');
			item.contextValue = 'trainingFolder';
			item.resourceUri = vscode.Uri.file(node.folder.root);
			return item;
		}
		if (node.kind === 'run') {
			const item = new vscode.TreeItem(runLabel(node.run), node.run.latest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
			item.id = `${node.folder.root}:${node.run.key}`;
			item.description = `${countOf(node.run.checkpoints.length, 'checkpoint')}${node.run.states.length ? `, ${countOf(node.run.states.length, 'state')}` : ''}${node.run.latest ? '' : ` · runs/${node.run.runFolder}`}`;
			item.iconPath = new vscode.ThemeIcon(node.run.latest ? 'history' : 'archive');
			item.contextValue = 'checkpointRun';
			item.tooltip = node.run.dir;
			return item;
		}
		if (node.kind === 'state') {
			const item = new vscode.TreeItem(node.state.name, vscode.TreeItemCollapsibleState.None);
			const what = node.state.epoch !== undefined ? `epoch ${node.state.epoch}` : node.state.step !== undefined ? `step ${node.state.step}` : 'end of training';
			item.description = `training state · ${what}`;
			item.tooltip = `${node.state.path}\naccelerate's saved state (save_state): "Resume from This State" continues the run from here.`;
			item.iconPath = new vscode.ThemeIcon('debug-continue');
			item.resourceUri = vscode.Uri.file(node.state.path);
			item.contextValue = 'checkpointState';
			return item;
		}
		if (node.kind === 'empty') {
			const item = new vscode.TreeItem('No checkpoints yet', vscode.TreeItemCollapsibleState.None);
			item.description = 'sd-scripts writes them into model/';
			return item;
		}
		const { file, folder } = node;
		const chosen = chosenCheckpoint(folder) === chosenName(folder.modelDir, file.path);
		const item = new vscode.TreeItem(file.fileName, vscode.TreeItemCollapsibleState.None);
		const what = file.kind === 'epoch' ? `epoch ${file.epoch}` : file.kind === 'step' ? `step ${file.step}` : 'final';
		item.description = `${chosen ? '★ chosen · ' : ''}${what} · ${formatBytes(file.bytes)} · ${file.modified.toLocaleString()}`;
		item.iconPath = new vscode.ThemeIcon(chosen ? 'star-full' : file.hasMetadata ? 'package' : 'file-binary');
		item.resourceUri = vscode.Uri.file(file.path);
		item.contextValue = `checkpoint${file.hasMetadata ? '.safetensors' : ''}${chosen ? '.chosen' : ''}`;
		item.command = { command: 'loraWorkbench.showCheckpointDetails', title: 'Show Details', arguments: [node] };
		return item;
	}

	/** The tooltip needs the header: read it only when the user hovers. */
	public async resolveTreeItem(item: vscode.TreeItem, node: CheckpointNode): Promise<vscode.TreeItem> {
		if (node.kind === 'checkpoint') {
			item.tooltip = await checkpointTooltip(node.file);
		}
		return item;
	}
}

export async function checkpointTooltip(file: CheckpointFile): Promise<vscode.MarkdownString> {
	const markdown = new vscode.MarkdownString(`**${file.fileName}**  \n${formatBytes(file.bytes)}, ${file.modified.toLocaleString()}\n\n`);
	if (!file.hasMetadata) {
		markdown.appendMarkdown(`${file.extension} files are pickled state dicts: no metadata is available. Save as .safetensors to keep sd-scripts' metadata.`);
		return markdown;
	}
	try {
		const header = await readSafetensorsHeader(file.path);
		const summary = summarizeMetadata(header.metadata);
		if (!summary.hasTrainingMetadata) {
			markdown.appendMarkdown('No sd-scripts training metadata in this file.\n\n');
		}
		markdown.appendMarkdown(summary.fields.slice(0, 14).map((f) => `- ${f.label}: \`${f.value.replace(/`/g, "'")}\``).join('\n'));
	} catch (err) {
		markdown.appendMarkdown(`Metadata unavailable: ${err instanceof Error ? err.message : String(err)}`);
	}
	return markdown;
}
