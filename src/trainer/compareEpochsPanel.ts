import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CompareGrid, buildCompareGrid } from '../core/checkpoints/compareGrid';
import { listCheckpoints, usageSnippet } from '../core/checkpoints/checkpointList';
import { CompareHostMessage, GridView, isCompareWebviewMessage } from '../core/protocol/compareEpochs';
import type { TrainingFolderService } from '../providers/trainingFolders';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';
import { renderWebviewHtml, webviewResourceRoots } from '../util/webviewHtml';
import { requireSharp } from '../core/nativeModules';
import { chosenCheckpoint } from './chosenCheckpoint';
import { pickTrainingFolder } from '../providers/pickTrainingFolder';

interface PanelServices {
	extensionUri: vscode.Uri;
	trainingFolders: TrainingFolderService;
	storageUri: vscode.Uri;
	log: vscode.LogOutputChannel;
}

/**
 * "LoRA: Compare Epochs": rows = sample prompts, columns = epochs, from the PNGs sd-scripts writes into
 * `model/sample/`. The grid refills itself while training writes new samples.
 */
export class CompareEpochsPanel extends Disposable {
	private static readonly panels = new Map<string, CompareEpochsPanel>();
	/** For tests: the last grid sent to each panel, by training folder root. */
	public static readonly lastGrid = new Map<string, GridView>();
	private grid: CompareGrid = { columns: [], rows: [] };
	private refreshTimer: NodeJS.Timeout | undefined;

	public static register(services: PanelServices): vscode.Disposable {
		return vscode.commands.registerCommand('loraWorkbench.compareEpochs', async (arg?: unknown) => {
			const folder = await pickTrainingFolder(services.trainingFolders, arg);
			if (folder) {
				CompareEpochsPanel.show(services, folder);
			}
		});
	}

	public static show(services: PanelServices, folder: TrainingFolder): CompareEpochsPanel {
		const existing = CompareEpochsPanel.panels.get(folder.root);
		if (existing) {
			existing.panel.reveal();
			return existing;
		}
		const panel = vscode.window.createWebviewPanel('loraWorkbench.compareEpochs', `Compare Epochs: ${basename(folder.root)}`, vscode.ViewColumn.Active, {
			enableScripts: true,
			localResourceRoots: webviewResourceRoots(services.extensionUri, vscode.Uri.file(folder.modelDir), vscode.Uri.joinPath(services.storageUri, 'diffs')),
		});
		const instance = new CompareEpochsPanel(services, folder.root, panel);
		CompareEpochsPanel.panels.set(folder.root, instance);
		return instance;
	}

	private constructor(private readonly services: PanelServices, private readonly root: string, private readonly panel: vscode.WebviewPanel) {
		super();
		this.register(panel);
		panel.webview.html = renderWebviewHtml(panel.webview, services.extensionUri, { entry: 'compareEpochs', title: 'Compare Epochs' });
		this.register(panel.onDidDispose(() => {
			CompareEpochsPanel.panels.delete(root);
			this.dispose();
		}));
		this.register(panel.webview.onDidReceiveMessage((message) => this.onMessage(message)));
		const folder = services.trainingFolders.get(root);
		if (folder) {
			const watcher = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(join(folder.modelDir, 'sample')), '*.png')));
			this.register(watcher.onDidCreate(() => this.scheduleRefresh()));
			this.register(watcher.onDidDelete(() => this.scheduleRefresh()));
		}
		this.register(services.trainingFolders.onDidChange((change) => {
			if (change.root === root) {
				this.scheduleRefresh();
			}
		}));
	}

	private scheduleRefresh(): void {
		clearTimeout(this.refreshTimer);
		this.refreshTimer = setTimeout(() => void this.sendGrid(), 300);
	}

	private post(message: CompareHostMessage): void {
		void this.panel.webview.postMessage(message);
	}

	private async onMessage(message: unknown): Promise<void> {
		if (!isCompareWebviewMessage(message)) {
			this.services.log.warn(`Compare Epochs: ignored an unexpected message from the webview: ${JSON.stringify(message)?.slice(0, 200)}`);
			return;
		}
		try {
			switch (message.type) {
				case 'ready':
					await this.sendGrid();
					break;
				case 'choose':
					await this.choose(message.key);
					break;
				case 'showDifferences':
					await this.sendDifferences();
					break;
				case 'copySnippet': {
					const folder = this.services.trainingFolders.get(this.root);
					const chosen = folder && chosenCheckpoint(folder);
					if (folder && chosen) {
						await vscode.env.clipboard.writeText(usageSnippet(chosen, folder.trigger ?? ''));
					}
					break;
				}
			}
		} catch (err) {
			void vscode.window.showErrorMessage(`Compare Epochs: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	private async checkpointsByKey(folder: TrainingFolder): Promise<Map<string, string>> {
		const byKey = new Map<string, string>();
		for (const file of await listCheckpoints(folder.modelDir)) {
			if (file.kind === 'epoch') {
				byKey.set(`e${file.epoch}`, file.fileName);
			} else if (file.kind === 'step') {
				byKey.set(`s${file.step}`, file.fileName);
			}
		}
		// The last epoch is saved under the final name, not as an epoch file (reference §7).
		const finalFile = (await listCheckpoints(folder.modelDir)).find((f) => f.kind === 'final');
		if (finalFile) {
			const lastEpoch = Math.max(0, ...this.grid.columns.map((c) => c.epoch ?? 0));
			if (lastEpoch > 0 && !byKey.has(`e${lastEpoch}`)) {
				byKey.set(`e${lastEpoch}`, finalFile.fileName);
			}
		}
		return byKey;
	}

	private async sendGrid(): Promise<void> {
		const folder = this.services.trainingFolders.get(this.root);
		if (!folder) {
			return;
		}
		this.grid = await buildCompareGrid(join(folder.modelDir, 'sample'), undefined, promptsOf(folder));
		const checkpoints = await this.checkpointsByKey(folder);
		const webview = this.panel.webview;
		const view: GridView = {
			columns: this.grid.columns.map((c) => ({ key: c.key, label: c.label, checkpoint: checkpoints.get(c.key) })),
			rows: this.grid.rows.map((r) => ({
				promptIndex: r.promptIndex,
				prompt: r.prompt,
				cells: Object.fromEntries(Object.entries(r.cells).map(([key, path]) => [key, { src: webview.asWebviewUri(vscode.Uri.file(path)).toString() }])),
			})),
		};
		CompareEpochsPanel.lastGrid.set(this.root, view);
		const chosen = chosenCheckpoint(folder);
		const chosenKey = chosen ? [...checkpoints.entries()].find(([, name]) => name === chosen)?.[0] : undefined;
		this.post({
			type: 'init',
			folderName: basename(folder.root),
			trigger: folder.trigger ?? '',
			grid: view,
			chosenKey,
			snippet: chosen ? usageSnippet(chosen, folder.trigger ?? '') : undefined,
			emptyHint: view.rows.length ? undefined
				: `No samples in ${join(folder.modelDir, 'sample')} yet. Turn on sampling in lora-workbench.yaml (training.sample) so sd-scripts writes one image per prompt every epoch.`,
		});
	}

	private async choose(key: string): Promise<void> {
		const folder = this.services.trainingFolders.get(this.root);
		const checkpoint = folder ? (await this.checkpointsByKey(folder)).get(key) : undefined;
		if (!folder || !checkpoint) {
			void vscode.window.showWarningMessage(`There is no checkpoint file for ${key.startsWith('e') ? `epoch ${key.slice(1)}` : `step ${key.slice(1)}`} in ${folder?.modelDir ?? 'model/'}.`);
			return;
		}
		await editSettingsFile(folder.root, [{ path: ['checkpoints', 'chosen'], value: checkpoint }], 'Choose epoch');
		await this.services.trainingFolders.refresh(folder.root);
		await this.sendGrid();
	}

	/** Difference images (each cell against the previous column of its row), made with sharp and cached. */
	private async sendDifferences(): Promise<void> {
		const sharp = requireSharp();
		const dir = vscode.Uri.joinPath(this.services.storageUri, 'diffs').fsPath;
		mkdirSync(dir, { recursive: true });
		const cells: { promptIndex: number; key: string; diffSrc: string }[] = [];
		for (const row of this.grid.rows) {
			let previous: string | undefined;
			for (const column of this.grid.columns) {
				const path = row.cells[column.key];
				if (!path) {
					continue;
				}
				if (previous) {
					const out = join(dir, `${createHash('sha1').update(`${previous}\n${path}`).digest('hex')}.png`);
					if (!existsSync(out)) {
						const a = sharp(previous).removeAlpha();
						const { width, height } = await a.metadata();
						const b = await sharp(path).removeAlpha().resize(width, height, { fit: 'fill' }).toBuffer();
						await a.composite([{ input: b, blend: 'difference' }]).linear(3, 0).png().toFile(out);
					}
					cells.push({ promptIndex: row.promptIndex, key: column.key, diffSrc: this.panel.webview.asWebviewUri(vscode.Uri.file(out)).toString() });
				}
				previous = path;
			}
		}
		this.post({ type: 'diffs', cells });
	}
}

function promptsOf(folder: TrainingFolder): { line: number; index: number; prompt: string; width: number; height: number; steps: number; scale: number }[] {
	const training = folder.settings.raw.training as { sample?: { prompts?: unknown } } | undefined;
	const prompts = Array.isArray(training?.sample?.prompts) ? training!.sample!.prompts as unknown[] : [];
	return prompts.filter((p): p is string => typeof p === 'string').map((p, index) => ({
		line: index, index, prompt: p.split(' --')[0], width: 512, height: 512, steps: 30, scale: 7.5,
	}));
}
