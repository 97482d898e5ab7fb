import * as vscode from 'vscode';
import type { LossPanelHostMessage, LossPanelWebviewMessage, LossPoint, LossRunInfo, LossSeries } from '../core/protocol/lossPanel';
import { isLossPanelWebviewMessage, savedSelection } from '../core/protocol/lossPanel';
import type { TrainingFolderService } from '../services/trainingFolders';
import { PanelsByKey, PostBatch, WebviewHost, WebviewHostOptions, parseWith } from '../services/webviewHost';
import { Disposable } from '../util/dispose';
import type { RunHistory, WatchedRun } from './runHistory';
import { listStoredRuns, readStoredSeries, StoredRun, tensorBoardRun } from './runHistoryStore';

export interface LossPanelServices {
	extensionUri: vscode.Uri;
	log: vscode.LogOutputChannel;
	trainingFolders: TrainingFolderService;
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
		return LossPanel.panels.show('', () => new LossPanel(services, history, (options) => WebviewHost.open(services.extensionUri,
			{ viewType: VIEW_TYPE, title: 'Loss Curves', column: vscode.ViewColumn.Beside, preserveFocus: true, retainContextWhenHidden: true }, options)));
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
			this.post({ type: 'series', series: run.series.build() });
			this.post({ type: 'selected', selected: this.selected });
		}));
		this.register(history.onDidUpdate(({ run, events, points, marks, source }) => {
			if (!this.selected.includes(run.id)) {
				return;
			}
			for (const mark of marks) {
				this.post({ type: 'epoch', runId: run.id, mark });
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
			case 'painted':
				break; // for the VS Code bench, which reads it through the host's observer
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
		this.post({ type: 'init', runs, selected: this.selected, series, liveRunId: this.history.all.find((r) => r.status === 'running')?.id });
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
				this.post({ type: 'series', series });
			}
		}
		this.post({ type: 'selected', selected: this.selected });
		await this.sendRuns();
	}

	public get selectedRuns(): readonly string[] {
		return this.selected;
	}
}
