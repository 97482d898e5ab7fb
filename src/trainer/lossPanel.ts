import { join } from 'node:path';
import * as vscode from 'vscode';
import { effectiveOutputName } from '../core/training/trainingSettings';
import { countOf } from '../core/plural';
import { decimateSeries, packSeries } from '../core/trainerLog/chartData';
import { likenessOverlayPoints } from '../core/likeness/lossOverlay';
import type { FolderLikeness } from '../core/likeness/likeness';
import type { LikenessOverlay, LossPanelHostMessage, LossPanelWebviewMessage, LossPoint, LossRunInfo, LossSeries } from '../core/protocol/lossPanel';
import { isLossPanelWebviewMessage, savedSelection } from '../core/protocol/lossPanel';
import type { LikenessService } from '../services/likenessService';
import type { TrainingFolderService } from '../services/trainingFolders';
import { PanelsByKey, PostBatch, WebviewHost, WebviewHostOptions, parseWith } from '../services/webviewHost';
import { Disposable } from '../util/dispose';
import type { RunHistory, WatchedRun } from './runHistory';
import { listStoredRuns, readStoredSeries, StoredRun, tensorBoardRun } from './runHistoryStore';

export interface LossPanelServices {
	extensionUri: vscode.Uri;
	log: vscode.LogOutputChannel;
	trainingFolders: TrainingFolderService;
	/** Makes the likeness overlay's reports; without it the overlay says likeness is not available. */
	likeness?: LikenessService;
}

/** Live points are batched: a fast run redraws tqdm many times a second. */
const POINT_BATCH_MS = 200;
const MAX_OVERLAY = 8;
/** Also in package.json's activationEvents (`onWebviewPanel:`), so a reload activates the extension to revive it. */
const VIEW_TYPE = 'loraWorkbench.lossPanel';

/**
 * "LoRA: Show Loss Curves": loss and avr_loss against step for the live run and stored runs (histories in
 * `log/`, TensorBoard event files), overlaid for comparison. The webview draws with uPlot.
 */
export class LossPanel extends Disposable {
	/** One loss panel (it shows every run): kept under one key. */
	private static readonly panels = new PanelsByKey<LossPanel>();
	/** TensorBoard folders the user picked this session (runs started outside VS Code, anywhere on disk). */
	private static readonly extraTensorBoardDirs = new Set<string>();
	public readonly host: WebviewHost<LossPanelHostMessage, LossPanelWebviewMessage>;
	private stored = new Map<string, StoredRun>();
	private selected: string[] = [];
	/** Live points, batched per run. */
	/** The likeness overlay toggle (the webview's, sent with showLikeness): off, nothing is computed. */
	private showLikeness = false;
	/** The runs whose overlay was sent since the toggle went on, so each report is asked for once per run and epoch. */
	private likenessSent = new Map<string, number>();
	/** Runs whose whole series waits for the page's first paint (sendRefines), and whether it came. */
	private refines: string[] = [];
	private painted = false;
	private readonly points = this.register(new PostBatch<{ runId: string; points: LossPoint[] }>(POINT_BATCH_MS, (batches) => this.postPoints(batches)));

	public static get current(): LossPanel | undefined {
		return LossPanel.panels.get('');
	}

	public static register(services: LossPanelServices, history: RunHistory): vscode.Disposable {
		return vscode.Disposable.from(
			vscode.commands.registerCommand('loraWorkbench.showLossPanel', () => LossPanel.show(services, history)),
			vscode.commands.registerCommand('loraWorkbench.chartTensorBoardLogs', async (arg?: unknown) => {
				const dir = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Chart', title: 'Folder with TensorBoard event files (logging_dir)' }))?.[0];
				if (dir) {
					await LossPanel.chartTensorBoard(services, history, dir.fsPath);
				}
			}),
			// After a window reload VS Code shows the panel again and hands over what the webview saved with setState.
			vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
				deserializeWebviewPanel: async (panel, state) => { LossPanel.revive(services, history, panel, state); },
			}),
			{ dispose: () => LossPanel.current?.dispose() },
		);
	}

	/** Takes over a panel VS Code restored: the runs it showed are selected again, their curves read from disk. */
	public static revive(services: LossPanelServices, history: RunHistory, panel: vscode.WebviewPanel, state: unknown): LossPanel {
		const open = LossPanel.current;
		if (open) {
			panel.dispose(); // one loss panel; it already shows every run
			return open;
		}
		const revived = new LossPanel(services, history, (options) => new WebviewHost(services.extensionUri, panel, options, true));
		revived.selected = savedSelection(state);
		return LossPanel.panels.add('', revived);
	}

	public static show(services: LossPanelServices, history: RunHistory): LossPanel {
		return LossPanel.panels.show('', () => {
			const panel = new LossPanel(services, history, (options) => WebviewHost.open(services.extensionUri,
				{ viewType: VIEW_TYPE, title: 'Loss Curves', column: vscode.ViewColumn.Beside, preserveFocus: true, retainContextWhenHidden: true }, options));
			panel.host.sendStateEarly();
			return panel;
		});
	}

	/** Adds every TensorBoard run under `dir` and shows them. */
	public static async chartTensorBoard(services: LossPanelServices, history: RunHistory, dir: string): Promise<void> {
		const { findTensorBoardRuns } = await import('../core/tensorboard/files');
		const runs = await findTensorBoardRuns(dir);
		if (runs.length === 0) {
			void vscode.window.showWarningMessage(`No TensorBoard event files (events.out.tfevents.*) under ${dir}. Pick sd-scripts' logging_dir or a run folder inside it.`);
			return;
		}
		runs.forEach((r) => LossPanel.extraTensorBoardDirs.add(r));
		const panel = LossPanel.show(services, history);
		await panel.select(runs.slice(-MAX_OVERLAY).map((r) => `tb:${r}`));
	}

	/** `host`: makes the host, in a new panel or in one VS Code restored. */
	private constructor(private readonly services: LossPanelServices, private readonly history: RunHistory,
		host: (options: WebviewHostOptions<LossPanelWebviewMessage>) => WebviewHost<LossPanelHostMessage, LossPanelWebviewMessage>) {
		super();
		this.host = this.register(host({
			entry: 'lossPanel', title: 'Loss Curves', label: 'Loss Curves', log: services.log,
			parse: parseWith(isLossPanelWebviewMessage),
			onReady: () => this.sendInit(),
			onMessage: (message) => this.onMessage(message),
		}));
		this.register(this.host.onDidDispose(() => this.dispose()));
		this.register(history.onDidStartWatching((run) => {
			this.selected = [run.id, ...this.selected.filter((id) => id !== run.id)].slice(0, MAX_OVERLAY);
			void this.sendRuns();
			this.post({ type: 'series', series: packSeries(run.series.build()) });
			this.post({ type: 'selected', selected: this.selected });
			if (this.showLikeness) {
				void this.sendLikeness([run.id]); // until its first epoch ends: why there is no curve yet
			}
		}));
		this.register(history.onDidUpdate(({ run, events, points, marks, source }) => {
			if (!this.selected.includes(run.id)) {
				return;
			}
			for (const mark of marks) {
				this.post({ type: 'epoch', runId: run.id, mark });
			}
			if (marks.length > 0 && this.showLikeness) {
				void this.sendLikeness([run.id]); // a new epoch began: the one before it has written its samples
			}
			if (points.length > 0) {
				this.points.add({ runId: run.id, points });
			}
			if (events.length === 0 && source !== 'tensorboard') {
				this.points.flush();
				void this.sendRuns();
			}
		}));
	}

	/**
	 * The whole series of the runs the last init sent decimated, once the page has painted its first chart; read
	 * again then, so a live run's points since the init are in it (points after it are appended on the page).
	 */
	private async sendRefines(): Promise<void> {
		for (const id of this.refines.splice(0)) {
			const series = await this.seriesOf(id);
			if (series && this.selected.includes(id)) {
				this.post({ type: 'series', series: packSeries(series) });
			}
		}
	}

	private post(message: LossPanelHostMessage): void {
		this.host.post(message);
	}

	/** One `points` message per run, runs in the order their points came. */
	private postPoints(batches: { runId: string; points: LossPoint[] }[]): void {
		const byRun = new Map<string, LossPoint[]>();
		for (const { runId, points } of batches) {
			const list = byRun.get(runId);
			if (list) {
				list.push(...points);
			} else {
				byRun.set(runId, [...points]);
			}
		}
		for (const [runId, points] of byRun) {
			if (points.length > 0) {
				this.post({ type: 'points', runId, points });
			}
		}
	}

	private async onMessage(message: Exclude<LossPanelWebviewMessage, { type: 'ready' }>): Promise<void> {
		switch (message.type) {
			case 'refresh':
				await this.sendInit();
				break;
			case 'select':
				await this.select(message.ids);
				break;
			case 'openTensorBoard':
				await vscode.commands.executeCommand('loraWorkbench.chartTensorBoardLogs');
				break;
			case 'showLikeness':
				this.showLikeness = message.on;
				this.likenessSent.clear();
				if (message.on) {
					await this.sendLikeness(this.selected);
				}
				break;
			case 'painted':
				// The page's first chart is on screen (the VS Code bench times this message): now the whole runs.
				this.painted = true;
				await this.sendRefines();
				break;
		}
	}

	private liveRun(id: string): WatchedRun | undefined {
		return this.history.all.find((r) => r.id === id);
	}

	private async listRuns(): Promise<LossRunInfo[]> {
		const logDirs = [...new Set([...this.services.trainingFolders.folders().map((f) => f.logDir), ...this.history.all.map((r) => r.run.logDir)])];
		const stored = await listStoredRuns(logDirs);
		for (const dir of LossPanel.extraTensorBoardDirs) {
			if (!stored.some((s) => s.path === dir)) {
				stored.push(tensorBoardRun(dir));
			}
		}
		this.stored = new Map(stored.map((s) => [s.info.id, s]));
		const live = this.history.all.map((r): LossRunInfo => ({ id: r.id, label: r.label, source: 'history', location: r.run.folderRoot, startedAt: r.startedAt, status: r.status }));
		const liveIds = new Set(live.map((r) => r.id));
		const runs = [...live, ...stored.map((s) => s.info).filter((r) => !liveIds.has(r.id))];
		return runs.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
	}

	private async seriesOf(id: string): Promise<LossSeries | undefined> {
		const live = this.liveRun(id);
		if (live) {
			return live.series.build();
		}
		const stored = this.stored.get(id);
		return stored ? readStoredSeries(stored) : undefined;
	}

	private async sendRuns(): Promise<void> {
		const runs = await this.listRuns();
		this.post({ type: 'runs', runs, liveRunId: this.history.all.find((r) => r.status === 'running')?.id });
	}

	private async sendInit(): Promise<void> {
		const runs = await this.listRuns();
		const known = new Set(runs.map((r) => r.id));
		this.selected = this.selected.filter((id) => known.has(id));
		if (this.selected.length === 0 && runs.length > 0) {
			this.selected = [(runs.find((r) => r.status === 'running') ?? runs.find((r) => r.source === 'history') ?? runs[0]).id];
		}
		this.points.clear();
		const series = (await Promise.all(this.selected.map((id) => this.seriesOf(id)))).filter((s): s is LossSeries => s !== undefined);
		// A long run paints first from the steps the canvas can show; its whole series follows for zooming in.
		const first = series.map((s) => decimateSeries(s));
		this.post({ type: 'init', runs, selected: this.selected, series: first, liveRunId: this.history.all.find((r) => r.status === 'running')?.id });
		this.refines = series.filter((s, i) => s !== first[i]).map((s) => s.id);
		if (this.painted) {
			await this.sendRefines();
		}
		this.likenessSent.clear();
		if (this.showLikeness) {
			await this.sendLikeness(this.selected);
		}
	}

	/** Where a run's samples are: its training folder's model/sample under its output name, or why not. */
	private samplesOf(id: string, runs: readonly LossRunInfo[]): { root: string; sampleDir: string; outputName: string } | { reason: string } {
		const live = this.liveRun(id);
		if (live) {
			return { root: live.run.folderRoot, sampleDir: join(live.run.outputDir, 'sample'), outputName: live.run.outputName };
		}
		const stored = this.stored.get(id);
		if (!stored || stored.info.source !== 'history') {
			return { reason: 'Likeness needs a run started in VS Code (its training folder and samples); a TensorBoard log does not say where its samples are.' };
		}
		const folder = this.services.trainingFolders.get(stored.info.location);
		if (!folder) {
			return { reason: `Likeness: ${stored.info.location} is not an open training folder.` };
		}
		// A new run moves the previous run's samples into model/runs/: model/sample holds only the newest run's.
		const newest = runs.filter((r) => r.source === 'history' && r.location === stored.info.location).sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))[0];
		if (newest && newest.id !== id) {
			return { reason: 'Likeness is drawn for the newest run of a folder only: model/sample holds its samples; an earlier run\'s were moved to model/runs/ (Compare Epochs shows them from the Checkpoints view).' };
		}
		const outputName = stored.outputName ?? effectiveOutputName(folder.settings.trainer.settings, folder.trigger ?? '');
		return { root: folder.root, sampleDir: join(folder.modelDir, 'sample'), outputName };
	}

	/**
	 * The likeness overlay of each run in `ids`, from the last report already made (Compare Epochs, the Checkpoints
	 * view) when there is one, else made now (embeddings come from the cache, so only new samples cost).
	 */
	private async sendLikeness(ids: readonly string[]): Promise<void> {
		const likeness = this.services.likeness;
		const runs = await this.listRuns();
		for (const id of ids) {
			const series = await this.seriesOf(id);
			const lastStep = series && series.steps.length > 0 ? series.steps[series.steps.length - 1] : 0;
			const epochCount = series?.epochs.length ?? 0;
			if (this.likenessSent.get(id) === epochCount) {
				continue;
			}
			this.likenessSent.set(id, epochCount);
			const where = likeness ? this.samplesOf(id, runs) : { reason: 'Likeness is not available in this window.' };
			if ('reason' in where) {
				this.post({ type: 'likeness', overlay: { runId: id, points: [], note: where.reason } });
				continue;
			}
			// A report made before the newest epoch ended lacks its samples: made again then (a new mark means the epoch
			// before it has written its samples).
			const cached = likeness!.cached(where.root, where.sampleDir, where.outputName);
			const newestEnded = Math.max(0, ...(series?.epochs ?? []).map((m) => m.epoch)) - 1;
			const upToDate = cached?.epochs && Math.max(0, ...cached.epochs.epochs.map((e) => e.epoch ?? 0)) >= newestEnded;
			const report: FolderLikeness | { reason: string } = upToDate ? cached! : await likeness!.report(where.root, where.sampleDir, where.outputName);
			if (!this.showLikeness) {
				return; // turned off while the report was made
			}
			this.post({ type: 'likeness', overlay: overlayOf(id, report, series?.epochs ?? [], lastStep) });
		}
	}

	public async select(ids: readonly string[]): Promise<void> {
		await this.listRuns();
		const known = (id: string) => this.liveRun(id) !== undefined || this.stored.has(id);
		const next = [...new Set(ids)].filter(known).slice(0, MAX_OVERLAY);
		const added = next.filter((id) => !this.selected.includes(id));
		this.selected = next;
		if (!this.host.ready) {
			return; // the init after `ready` sends them
		}
		for (const id of added) {
			const series = await this.seriesOf(id);
			if (series) {
				this.post({ type: 'series', series: packSeries(series) });
			}
		}
		this.post({ type: 'selected', selected: this.selected });
		await this.sendRuns();
		if (this.showLikeness) {
			await this.sendLikeness(added);
		}
	}

	public get selectedRuns(): readonly string[] {
		return this.selected;
	}
}

function overlayOf(runId: string, report: FolderLikeness | { reason: string }, marks: LossSeries['epochs'], lastStep: number): LikenessOverlay {
	if ('reason' in report) {
		return { runId, points: [], note: report.reason };
	}
	if (!report.epochs || report.epochs.epochs.length === 0) {
		return { runId, points: [], note: 'Likeness: no samples yet (sd-scripts writes them at the end of each epoch with sample_every_n_epochs).' };
	}
	const { points, unplaced } = likenessOverlayPoints(report.epochs, marks, lastStep);
	const notes = [
		...(points.length === 0 ? ['Likeness: no sample face could be scored.'] : []),
		...(unplaced > 0 ? [`Likeness: ${countOf(unplaced, 'epoch')} not drawn (the log does not say where it ended).`] : []),
	];
	return { runId, points, recommended: report.epochs.recommendation?.key, alikeBelow: report.identity.thresholds.unsure, note: notes.length ? notes.join(' ') : undefined };
}
