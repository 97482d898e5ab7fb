import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CompareGrid, buildCompareGrid } from '../core/checkpoints/compareGrid';
import { listCheckpoints, usageSnippet } from '../core/checkpoints/checkpointList';
import { CheckpointRun, chosenName, runLabel } from '../core/checkpoints/checkpointRuns';
import { parseSamplePrompts } from '../core/checkpoints/samplePrompts';
import { effectiveOutputName } from '../core/training/trainingSettings';
import { CompareHostMessage, CompareWebviewMessage, GridView, LikenessView, isCompareWebviewMessage } from '../core/protocol/compareEpochs';
import { LikenessService } from '../services/likenessService';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';
import { PanelsByKey, WebviewHost, parseWith } from '../services/webviewHost';
import { requireSharp } from '../core/nativeModules';
import { chosenCheckpoint } from './chosenCheckpoint';
import { pickTrainingFolder } from '../services/pickTrainingFolder';

interface PanelServices {
	extensionUri: vscode.Uri;
	trainingFolders: TrainingFolderService;
	storageUri: vscode.Uri;
	log: vscode.LogOutputChannel;
	likeness: LikenessService;
}

/** The run a grid shows: its checkpoints' folder, its samples' folder and its output name. */
type GridRun = Pick<CheckpointRun, 'key' | 'outputName' | 'dir' | 'sampleDir' | 'runFolder' | 'latest'>;

/** The latest run of the folder's output name: what sd-scripts writes into model/ and model/sample/ now. */
function latestRun(folder: TrainingFolder): GridRun {
	const outputName = effectiveOutputName(folder.settings.trainer.settings, folder.trigger ?? '');
	return { key: `.:${outputName}`, outputName, dir: folder.modelDir, sampleDir: join(folder.modelDir, 'sample'), latest: true };
}

function runOf(arg: unknown): GridRun | undefined {
	const run = typeof arg === 'object' && arg !== null ? (arg as { run?: unknown }).run : undefined;
	return run && typeof run === 'object' && typeof (run as GridRun).dir === 'string' && typeof (run as GridRun).key === 'string' ? run as GridRun : undefined;
}

/**
 * "LoRA: Compare Epochs": rows = sample prompts, columns = epochs, from the PNGs sd-scripts writes into
 * `model/sample/`. One run per grid (the latest, or the run picked in the Checkpoints view): samples and
 * checkpoints of other runs or output names never enter it. The grid refills itself while training writes.
 */
export class CompareEpochsPanel extends Disposable {
	private static readonly panels = new PanelsByKey<CompareEpochsPanel>();
	public readonly host: WebviewHost<CompareHostMessage, CompareWebviewMessage>;
	private readonly root: string;
	private grid: CompareGrid = { columns: [], rows: [] };
	private refreshTimer: NodeJS.Timeout | undefined;

	public static register(services: WorkbenchServices): vscode.Disposable {
		const likeness = new LikenessService(services.globalStorageUri, services.log, services.trainingFolders);
		return vscode.Disposable.from(likeness, vscode.commands.registerCommand('loraWorkbench.compareEpochs', async (arg?: unknown) => {
			const folder = await pickTrainingFolder(services.trainingFolders, arg);
			if (folder) {
				CompareEpochsPanel.show({ ...services, storageUri: services.globalStorageUri, likeness }, folder, runOf(arg));
			}
		}));
	}

	/**
	 * Without a run the panel follows the folder's latest run (keyed by the folder); a run picked in the
	 * Checkpoints view gets a panel of its own (keyed by folder and run).
	 */
	public static show(services: PanelServices, folder: TrainingFolder, picked?: GridRun): CompareEpochsPanel {
		const run = picked ?? latestRun(folder);
		const key = picked ? `${folder.root}\n${run.key}` : folder.root;
		return CompareEpochsPanel.panels.show(key, () => new CompareEpochsPanel(services, folder, run, key, picked === undefined));
	}

	private constructor(private readonly services: PanelServices, folder: TrainingFolder, private run: GridRun, key: string, private readonly followsLatest: boolean) {
		super();
		this.root = folder.root;
		const title = run.latest ? `Compare Epochs: ${basename(folder.root)}` : `Compare Epochs: ${basename(folder.root)} · ${runLabel(run)}`;
		this.host = this.register(WebviewHost.open<CompareHostMessage, CompareWebviewMessage>(services.extensionUri, { viewType: 'loraWorkbench.compareEpochs', title }, {
			entry: 'compareEpochs', title: 'Compare Epochs', label: 'Compare Epochs', key, log: services.log,
			dataRoots: [vscode.Uri.file(folder.modelDir), vscode.Uri.joinPath(services.storageUri, 'diffs')],
			parse: parseWith(isCompareWebviewMessage),
			onReady: () => this.sendGrid(),
			onMessage: (message) => this.onMessage(message),
		}));
		this.register(this.host.onDidDispose(() => this.dispose()));
		const root = this.root;
		const watcher = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(run.sampleDir), '*.png')));
		this.register(watcher.onDidCreate(() => this.scheduleRefresh()));
		this.register(watcher.onDidDelete(() => this.scheduleRefresh()));
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
		this.host.post(message);
	}

	private async onMessage(message: Exclude<CompareWebviewMessage, { type: 'ready' }>): Promise<void> {
		switch (message.type) {
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
					await vscode.env.clipboard.writeText(usageSnippet(basename(chosen), folder.trigger ?? ''));
				}
				break;
			}
		}
	}

	/** Grid column key -> checkpoint file name, from this run's folder and output name only. */
	private async checkpointsByKey(): Promise<Map<string, string>> {
		const byKey = new Map<string, string>();
		const files = (await listCheckpoints(this.run.dir)).filter((f) => f.outputName === this.run.outputName);
		for (const file of files) {
			if (file.kind === 'epoch') {
				byKey.set(`e${file.epoch}`, file.fileName);
			} else if (file.kind === 'step') {
				byKey.set(`s${file.step}`, file.fileName);
			}
		}
		// The last epoch is saved under the final name, not as an epoch file (reference §7).
		const finalFile = files.find((f) => f.kind === 'final');
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
		if (this.followsLatest) {
			// The output name may have changed in the settings since the panel opened.
			this.run = latestRun(folder);
		}
		this.grid = await buildCompareGrid(this.run.sampleDir, this.run.outputName, this.run.latest ? promptsOf(folder) : promptsOfRun(this.run));
		const checkpoints = await this.checkpointsByKey();
		const view: GridView = {
			columns: this.grid.columns.map((c) => ({ key: c.key, label: c.label, checkpoint: checkpoints.get(c.key) })),
			rows: this.grid.rows.map((r) => ({
				promptIndex: r.promptIndex,
				prompt: r.prompt,
				cells: Object.fromEntries(Object.entries(r.cells).map(([key, path]) => [key, { src: this.host.asWebviewUri(path) }])),
			})),
		};
		const chosen = chosenCheckpoint(folder);
		const chosenKey = chosen ? [...checkpoints.entries()].find(([, name]) => chosenName(folder.modelDir, join(this.run.dir, name)) === chosen)?.[0] : undefined;
		this.post({
			type: 'init',
			folderName: this.run.latest ? basename(folder.root) : `${basename(folder.root)} · ${runLabel(this.run)}`,
			trigger: folder.trigger ?? '',
			grid: view,
			chosenKey,
			snippet: chosen ? usageSnippet(basename(chosen), folder.trigger ?? '') : undefined,
			emptyHint: view.rows.length ? undefined
				: `No samples of ${this.run.outputName} in ${this.run.sampleDir} yet. Turn on sampling in lora-workbench.yaml (training.sample) so sd-scripts writes one image per prompt every epoch.`,
		});
		if (view.rows.length > 0) {
			await this.sendLikeness();
		}
	}

	/** Scores on the grid's cells and columns and the recommended epoch, from the folder's likeness report. */
	private async sendLikeness(): Promise<void> {
		const grid = this.grid;
		const report = await this.services.likeness.report(this.root, this.run.sampleDir, this.run.outputName);
		if (grid !== this.grid) {
			return; // a newer grid was sent meanwhile; its own likeness follows it
		}
		if ('reason' in report) {
			this.post({ type: 'likeness', reason: report.reason });
			return;
		}
		const epochs = report.epochs!;
		const where = new Map<string, { promptIndex: number; key: string }>();
		for (const row of grid.rows) {
			for (const [key, path] of Object.entries(row.cells)) {
				where.set(path, { promptIndex: row.promptIndex, key });
			}
		}
		const likeness: LikenessView = {
			columns: epochs.epochs.filter((e) => grid.columns.some((c) => c.key === e.key)).map((e) => ({
				key: e.key, label: e.label, median: e.spread?.median, q1: e.spread?.q1, q3: e.spread?.q3,
				alike: e.alike, copying: e.copying, noFace: e.noFace, severalFaces: e.severalFaces,
			})),
			cells: epochs.epochs.flatMap((e) => e.samples.flatMap((s) => {
				const at = where.get(s.file);
				return at ? [{ ...at, distance: s.distance, faces: s.faces, copies: s.copies && basename(s.copies) }] : [];
			})),
			recommendation: epochs.recommendation && grid.columns.some((c) => c.key === epochs.recommendation!.key) ? { key: epochs.recommendation.key, reason: epochs.recommendation.reason } : undefined,
			alikeBelow: report.identity.thresholds.unsure,
			notes: [...report.identity.referenceNotes, ...epochs.notes.filter((n) => !/has no epoch number/.test(n))],
		};
		this.post({ type: 'likeness', likeness });
	}

	private async choose(key: string): Promise<void> {
		const folder = this.services.trainingFolders.get(this.root);
		const checkpoint = folder ? (await this.checkpointsByKey()).get(key) : undefined;
		if (!folder || !checkpoint) {
			void vscode.window.showWarningMessage(`There is no checkpoint file of ${this.run.outputName} for ${key.startsWith('e') ? `epoch ${key.slice(1)}` : `step ${key.slice(1)}`} in ${this.run.dir}.`);
			return;
		}
		// An earlier run's file is recorded with its run folder, so it can never be taken for the latest run's namesake.
		await editSettingsFile(folder.root, [{ path: ['checkpoints', 'chosen'], value: chosenName(folder.modelDir, join(this.run.dir, checkpoint)) }], 'Choose epoch');
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
					cells.push({ promptIndex: row.promptIndex, key: column.key, diffSrc: this.host.asWebviewUri(out) });
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

/** An earlier run's prompts: the sample-prompts.txt written into its run folder when it started. */
function promptsOfRun(run: GridRun): { line: number; index: number; prompt: string; width: number; height: number; steps: number; scale: number }[] {
	try {
		return parseSamplePrompts(readFileSync(join(run.dir, 'sample-prompts.txt'), 'utf8')).prompts;
	} catch {
		return []; // a run without sampling, or one from before run folders: the grid shows the prompt numbers
	}
}
