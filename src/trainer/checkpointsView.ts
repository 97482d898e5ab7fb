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
import { promises as fs } from 'node:fs';
import { EpochReport, EpochStats, epochLine } from '../core/likeness/epochs';
import type { LikenessService } from '../services/likenessService';

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
	/** Likeness per run's sample folder, with the sample names it was computed from (a new sample means a new score). */
	private readonly scores = new Map<string, { stamp: string; report?: EpochReport }>();

	public static register(trainingFolders: TrainingFolderService, likeness?: LikenessService): CheckpointsView {
		const view = new CheckpointsView(trainingFolders, likeness);
		view.register(vscode.window.createTreeView(CheckpointsView.viewId, { treeDataProvider: view, showCollapseAll: true }));
		return view;
	}

	private constructor(private readonly trainingFolders: TrainingFolderService, private readonly likeness?: LikenessService) {
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
		void this.scoreRun(folder, run);
		return [
			...run.checkpoints.map((file): CheckpointNode => ({ kind: 'checkpoint', folder, file, run })),
			...run.states.map((state): CheckpointNode => ({ kind: 'state', folder, state, run })),
		];
	}

	/**
	 * Scores the run's samples by likeness in the background (cached embeddings make a re-score cheap) and refreshes
	 * the view when the score is new. Nothing without samples, or where likeness is off (untrusted workspace).
	 */
	private async scoreRun(folder: TrainingFolder, run: CheckpointRun): Promise<void> {
		if (!this.likeness || this.likeness.unavailable()) {
			return;
		}
		const names = await fs.readdir(run.sampleDir).catch(() => [] as string[]);
		if (names.length === 0) {
			return;
		}
		const stamp = names.sort().join('\n');
		if (this.scores.get(run.sampleDir)?.stamp === stamp) {
			return;
		}
		this.scores.set(run.sampleDir, { stamp });
		const report = await this.likeness.report(folder.root, run.sampleDir, run.outputName);
		if ('epochs' in report && report.epochs && this.scores.get(run.sampleDir)?.stamp === stamp) {
			this.scores.set(run.sampleDir, { stamp, report: report.epochs });
			this.changeEmitter.fire(undefined);
		}
	}

	/** The likeness of a checkpoint's epoch (the final file is the last epoch) and whether it is the recommended one. */
	public likenessOf(file: CheckpointFile, run: CheckpointRun | undefined): { stats: EpochStats; recommended: boolean } | undefined {
		const report = run && this.scores.get(run.sampleDir)?.report;
		if (!report) {
			return undefined;
		}
		const lastEpoch = Math.max(0, ...report.epochs.map((e) => e.epoch ?? 0));
		const key = file.kind === 'epoch' ? `e${file.epoch}` : file.kind === 'step' ? `s${file.step}` : `e${lastEpoch}`;
		const stats = report.epochs.find((e) => e.key === key);
		return stats ? { stats, recommended: report.recommendation?.key === key } : undefined;
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
		const likeness = this.likenessOf(file, node.run);
		const score = likeness?.stats.spread ? ` · likeness ${likeness.stats.spread.median.toFixed(2)}${likeness.recommended ? ' ◆ recommended' : ''}` : '';
		item.description = `${chosen ? '★ chosen · ' : ''}${what}${score} · ${formatBytes(file.bytes)} · ${file.modified.toLocaleString()}`;
		item.iconPath = new vscode.ThemeIcon(chosen ? 'star-full' : file.hasMetadata ? 'package' : 'file-binary');
		item.resourceUri = vscode.Uri.file(file.path);
		item.contextValue = `checkpoint${file.hasMetadata ? '.safetensors' : ''}${chosen ? '.chosen' : ''}`;
		item.command = { command: 'loraWorkbench.showCheckpointDetails', title: 'Show Details', arguments: [node] };
		return item;
	}

	/** The tooltip needs the header: read it only when the user hovers. */
	public async resolveTreeItem(item: vscode.TreeItem, node: CheckpointNode): Promise<vscode.TreeItem> {
		if (node.kind === 'checkpoint') {
			const tooltip = await checkpointTooltip(node.file);
			const likeness = this.likenessOf(node.file, node.run);
			if (likeness) {
				const reason = likeness.recommended && node.run ? this.scores.get(node.run.sampleDir)?.report?.recommendation?.reason : undefined;
				tooltip.appendMarkdown('\n\n**Likeness of the samples** (face distance to the person, lower is more alike)  \n');
				tooltip.appendText(`${epochLine(likeness.stats)}${reason ? `\nRecommended: ${reason}` : ''}`);
			}
			item.tooltip = tooltip;
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
