import 'uplot/dist/uPlot.min.css';
import './main.css';
import uPlot from 'uplot';
import type { LikenessOverlay, LossPanelHostMessage, LossPanelSavedState, LossPanelWebviewMessage, LossRunInfo, LossSeries } from '../../src/core/protocol/lossPanel';
import { alignRuns, appendPoints, stepCount, unpackSeries } from '../../src/core/trainerLog/chartData';
import { el } from '../common/dom';
import { afterNextPaint } from '../common/paint';
import { messenger } from '../common/vscodeApi';

interface ViewState extends LossPanelSavedState {
	smoothing: number;
	showLoss: boolean;
	showAvr: boolean;
	showLr: boolean;
	showVal: boolean;
	showLikeness: boolean;
}

const host = messenger<LossPanelWebviewMessage, LossPanelHostMessage, ViewState>();
const post = host.post;
const root = document.getElementById('root')!;
const state: ViewState = { smoothing: 0, showLoss: true, showAvr: true, showLr: true, showVal: true, showLikeness: false, ...host.getState() };

/** The selection goes into the saved state too: after a window reload the panel serializer selects the same runs. */
function rememberSelection(): void {
	state.selected = selected;
	host.setState(state);
}

let runs: LossRunInfo[] = [];
let selected: string[] = [];
let liveRunId: string | undefined;
const series = new Map<string, LossSeries>();
/** Each run's likeness curve, as the host sent it (only while the overlay is on, or from a report already made). */
const overlays = new Map<string, LikenessOverlay>();
let chart: uPlot | undefined;
let redrawQueued = false;

const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

function themeColor(variable: string, fallback: string): string {
	return getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || fallback;
}

function runColor(index: number): string {
	return themeColor(PALETTE[index % PALETTE.length], FALLBACK[index % FALLBACK.length]);
}

const toolbar = el('div', { className: 'toolbar' });
const runList = el('div', { className: 'runs' });
const warnings = el('div', { className: 'warnings' });
const chartBox = el('div', { className: 'chart' });
root.append(el('div', { className: 'layout' }, toolbar, runList, warnings, chartBox));

function checkbox(label: string, key: 'showLoss' | 'showAvr' | 'showLr' | 'showVal', title: string): HTMLLabelElement {
	const input = el('input', { type: 'checkbox', checked: state[key] });
	input.addEventListener('change', () => {
		state[key] = input.checked;
		host.setState(state);
		rebuildChart();
	});
	return el('label', { title }, input, label);
}

/** The likeness toggle: turning it on asks the host for the curves, which it only computes then. */
function likenessToggle(): HTMLLabelElement {
	const input = el('input', { type: 'checkbox', checked: state.showLikeness });
	input.addEventListener('change', () => {
		state.showLikeness = input.checked;
		host.setState(state);
		if (!state.showLikeness) {
			overlays.clear();
		}
		post({ type: 'showLikeness', on: state.showLikeness });
		rebuildChart();
	});
	return el('label', { className: 'likeness-toggle', title: 'Each epoch\'s sample likeness (median face distance to the person, lower is more alike) at the step the epoch ended, on its own axis' }, input, 'likeness');
}

function renderToolbar(): void {
	const live = runs.find((r) => r.id === liveRunId);
	const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(state.smoothing), title: 'Smoothing (exponential moving average, as in TensorBoard)' });
	const smoothingValue = el('span', {}, state.smoothing.toFixed(2));
	smoothing.setAttribute('aria-label', 'Smoothing');
	smoothing.addEventListener('input', () => {
		state.smoothing = Number(smoothing.value);
		smoothingValue.textContent = state.smoothing.toFixed(2);
		host.setState(state);
		scheduleRedraw();
	});
	const openTb = el('button', { className: 'link', title: 'Chart the TensorBoard event files of a run started outside VS Code' }, 'TensorBoard logs…');
	openTb.addEventListener('click', () => post({ type: 'openTensorBoard' }));
	const refresh = el('button', { className: 'link', title: 'Look for new runs on disk' }, 'Refresh');
	refresh.addEventListener('click', () => post({ type: 'refresh' }));
	toolbar.replaceChildren(
		live ? el('span', { className: 'live' }, el('span', { className: 'codicon codicon-sync codicon-modifier-spin' }), ` ${live.label}`) : el('span', { className: 'live' }, 'Loss curves'),
		checkbox('loss', 'showLoss', 'The loss of each step (from TensorBoard logs, or a loss= postfix)'),
		checkbox('avr_loss', 'showAvr', 'The moving average sd-scripts prints'),
		checkbox('learning rate', 'showLr', 'Learning rate on the right axis (from TensorBoard lr/* scalars)'),
		checkbox('validation', 'showVal', 'Validation loss (val_avg_loss, when sd-scripts validates: validation_split > 0)'),
		likenessToggle(),
		el('label', {}, 'smoothing', smoothing, smoothingValue),
		el('span', { className: 'spacer' }),
		openTb,
		refresh,
	);
}

function renderRuns(): void {
	runList.replaceChildren(...runs.map((run) => {
		const index = selected.indexOf(run.id);
		const input = el('input', { type: 'checkbox', checked: index !== -1 });
		input.addEventListener('change', () => {
			const next = input.checked ? [...selected, run.id] : selected.filter((id) => id !== run.id);
			post({ type: 'select', ids: next });
		});
		const swatch = el('span', { className: 'swatch' });
		swatch.style.background = index === -1 ? 'transparent' : runColor(index);
		const status = el('span', { className: `status ${run.status}` }, run.id === liveRunId ? 'training' : run.status === 'unknown' ? '' : run.status);
		return el('label', { className: 'run', title: run.location }, input, swatch, run.label, status);
	}));
	if (runs.length === 0) {
		runList.replaceChildren(el('div', { className: 'empty' }, 'No training runs yet. Start one with "LoRA: Train", or chart TensorBoard logs of a run started elsewhere.'));
	}
}

function renderWarnings(): void {
	const all = [...selected.flatMap((id) => series.get(id)?.warnings ?? []),
		...(state.showLikeness ? selected.flatMap((id) => overlays.get(id)?.note ?? []) : [])];
	warnings.replaceChildren(...all.map((w) => el('div', {}, w)));
}

/** Vertical lines where epochs begin (for the first selected run), labelled `e2`, `e3`, ... */
function epochMarks(): uPlot.Plugin {
	return {
		hooks: {
			draw: [(u: uPlot) => {
				const first = series.get(selected[0]);
				if (!first || first.epochs.length === 0) {
					return;
				}
				const ctx = u.ctx;
				ctx.save();
				ctx.strokeStyle = themeColor('--vscode-descriptionForeground', '#888');
				ctx.fillStyle = themeColor('--vscode-descriptionForeground', '#999');
				ctx.setLineDash([4, 4]);
				ctx.lineWidth = 1;
				ctx.font = `${10 * devicePixelRatio}px ${getComputedStyle(document.body).fontFamily}`;
				for (const mark of first.epochs) {
					if (mark.epoch <= 1) {
						continue;
					}
					const x = Math.round(u.valToPos(mark.step, 'x', true));
					if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) {
						continue;
					}
					ctx.beginPath();
					ctx.moveTo(x, u.bbox.top);
					ctx.lineTo(x, u.bbox.top + u.bbox.height);
					ctx.stroke();
					ctx.fillText(`e${mark.epoch}`, x + 3, u.bbox.top + 12 * devicePixelRatio);
				}
				ctx.restore();
			}],
		},
	};
}

/** The runs whose likeness curve is drawn: the toggle on and a curve with points. */
function likenessRuns(list: readonly LossSeries[]): { run: LossSeries; overlay: LikenessOverlay; index: number }[] {
	return state.showLikeness
		? list.map((run, index) => ({ run, overlay: overlays.get(run.id)!, index })).filter((r) => r.overlay && r.overlay.points.length > 0)
		: [];
}

/** A likeness curve on the chart's steps: its medians at the steps its epochs ended, null elsewhere (joined across). */
function likenessColumn(x: readonly number[], overlay: LikenessOverlay): (number | null)[] {
	const column: (number | null)[] = x.map(() => null);
	for (const point of overlay.points) {
		// The nearest step the chart has (the end step is a step of the run, but smoothing or a sparse log may skip it).
		let best = 0;
		for (let i = 1; i < x.length; i++) {
			if (Math.abs(x[i] - point.step) < Math.abs(x[best] - point.step)) {
				best = i;
			}
		}
		if (x.length > 0) {
			column[best] = point.median;
		}
	}
	return column;
}

function chartData(): uPlot.AlignedData {
	const list = selected.map((id) => series.get(id)).filter((s): s is LossSeries => s !== undefined);
	const aligned = alignRuns(list, state.smoothing);
	const columns: (number | null)[][] = [];
	aligned.runs.forEach((run) => {
		if (state.showLoss) { columns.push(run.loss); }
		if (state.showAvr) { columns.push(run.avrLoss); }
		if (state.showLr) { columns.push(run.lr); }
		if (state.showVal) { columns.push(run.valLoss); }
	});
	for (const { overlay } of likenessRuns(list)) {
		columns.push(likenessColumn(aligned.x, overlay));
	}
	return [aligned.x, ...columns] as uPlot.AlignedData;
}

/** Each likeness curve's quartile band (a whisker per epoch) and its recommended epoch (a ring and ◆), drawn over the chart. */
function likenessMarks(): uPlot.Plugin {
	return {
		hooks: {
			draw: [(u: uPlot) => {
				const list = selected.map((id) => series.get(id)).filter((s): s is LossSeries => s !== undefined);
				const ctx = u.ctx;
				ctx.save();
				for (const { overlay, index } of likenessRuns(list)) {
					ctx.strokeStyle = runColor(index);
					ctx.lineWidth = 2 * devicePixelRatio;
					for (const point of overlay.points) {
						const x = u.valToPos(point.step, 'x', true);
						ctx.beginPath();
						ctx.moveTo(x, u.valToPos(point.q1, 'likeness', true));
						ctx.lineTo(x, u.valToPos(point.q3, 'likeness', true));
						ctx.stroke();
					}
					const recommended = overlay.points.find((p) => p.key === overlay.recommended);
					if (recommended) {
						const x = u.valToPos(recommended.step, 'x', true);
						const y = u.valToPos(recommended.median, 'likeness', true);
						ctx.strokeStyle = themeColor('--vscode-charts-green', '#89d185');
						ctx.fillStyle = ctx.strokeStyle;
						ctx.beginPath();
						ctx.arc(x, y, 7 * devicePixelRatio, 0, 2 * Math.PI);
						ctx.stroke();
						ctx.font = `${11 * devicePixelRatio}px ${getComputedStyle(document.body).fontFamily}`;
						ctx.fillText(`◆ ${recommended.label}`, x + 9 * devicePixelRatio, y - 9 * devicePixelRatio);
					}
				}
				ctx.restore();
			}],
		},
	};
}

function rebuildChart(): void {
	chart?.destroy();
	chart = undefined;
	renderWarnings();
	const list = selected.map((id) => series.get(id)).filter((s): s is LossSeries => s !== undefined);
	if (list.length === 0 || list.every((s) => s.steps.length === 0)) {
		chartBox.replaceChildren(el('div', { className: 'empty' }, list.length === 0 ? 'Pick a run above.' : 'No loss points yet: they appear as the progress bar moves.'));
		return;
	}
	chartBox.replaceChildren();
	const axisColor = themeColor('--vscode-descriptionForeground', '#999');
	const gridColor = themeColor('--vscode-editorWidget-border', '#444');
	const curves: uPlot.Series[] = [{ label: 'step' }];
	list.forEach((run, index) => {
		const color = runColor(index);
		const name = runs.find((r) => r.id === run.id)?.label ?? run.id;
		const prefix = list.length > 1 ? `${name}: ` : '';
		if (state.showLoss) { curves.push({ label: `${prefix}loss`, stroke: color, width: 1, alpha: 0.35, spanGaps: false, scale: 'loss' } as uPlot.Series); }
		if (state.showAvr) { curves.push({ label: `${prefix}avr_loss`, stroke: color, width: 2, spanGaps: true, scale: 'loss' }); }
		if (state.showLr) { curves.push({ label: `${prefix}lr`, stroke: color, width: 1, dash: [6, 4], spanGaps: true, scale: 'lr', value: (_u, v) => v === null ? '—' : v.toExponential(2) }); }
		// Few points (one per validation pass): drawn as dots joined by a dotted line, on the loss axis.
		if (state.showVal) { curves.push({ label: `${prefix}val_loss`, stroke: color, width: 1.5, dash: [2, 3], spanGaps: true, scale: 'loss', points: { show: true, size: 6, fill: color } }); }
	});
	const withLikeness = likenessRuns(list);
	for (const { run, index } of withLikeness) {
		const name = runs.find((r) => r.id === run.id)?.label ?? run.id;
		curves.push({ label: `${list.length > 1 ? `${name}: ` : ''}likeness`, stroke: runColor(index), width: 2.5, dash: [10, 3, 2, 3], spanGaps: true, scale: 'likeness',
			points: { show: true, size: 8, fill: runColor(index) }, value: (_u, v) => v === null ? '—' : v.toFixed(2) } as uPlot.Series);
	}
	const axis = (extra: Partial<uPlot.Axis>): uPlot.Axis => ({ stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 }, ...extra });
	const rect = chartBox.getBoundingClientRect();
	chart = new uPlot({
		width: Math.max(300, rect.width),
		height: Math.max(200, rect.height - 40),
		// Face distances run from 0 to about 1: the likeness axis starts at 0 so a small change does not look steep.
		scales: { x: { time: false }, loss: { auto: true }, lr: { auto: true }, likeness: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
		axes: [
			axis({ label: 'step' }),
			axis({ scale: 'loss', label: 'loss' }),
			axis({ scale: 'lr', side: 1, label: 'learning rate', grid: { show: false }, values: (_u, values) => values.map((v) => v.toExponential(1)) }),
			...(withLikeness.length > 0 ? [axis({ scale: 'likeness', side: 1, label: 'face distance (lower: more alike)', grid: { show: false }, values: (_u, values) => values.map((v) => v.toFixed(1)) })] : []),
		],
		series: curves,
		cursor: { drag: { x: true, y: false } },
		plugins: [epochMarks(), likenessMarks()],
	}, chartData(), chartBox);
	chartBox.dataset.points = String(list.reduce((n, s) => n + stepCount(s), 0));
	// What the chart drew of the likeness, for the UI test (a canvas cannot be read back).
	chartBox.dataset.likeness = withLikeness.map(({ overlay }) => overlay.points.map((p) => `${p.key}@${p.step}=${p.median.toFixed(2)}${p.key === overlay.recommended ? '*' : ''}`).join(' ')).join(' | ');
}

function scheduleRedraw(): void {
	if (redrawQueued) {
		return;
	}
	redrawQueued = true;
	requestAnimationFrame(() => {
		redrawQueued = false;
		if (!chart) {
			rebuildChart();
			return;
		}
		chart.setData(chartData());
		chartBox.dataset.points = String(selected.reduce((n, id) => n + stepCount(series.get(id) ?? { steps: [] }), 0));
	});
}

let paintReported = false;
let likenessAsked = false;

/** After the first init's chart is on screen, tells the host how many points it drew (the bench times it). */
function reportFirstPaint(): void {
	if (paintReported) {
		return;
	}
	paintReported = true;
	const points = Number(chartBox.dataset.points ?? 0);
	void afterNextPaint().then(() => post({ type: 'painted', points }));
}

host.onMessage((message) => {
	switch (message.type) {
		case 'init':
			runs = message.runs;
			selected = message.selected;
			rememberSelection();
			liveRunId = message.liveRunId;
			series.clear();
			message.series.forEach((s) => series.set(s.id, s));
			renderToolbar();
			renderRuns();
			rebuildChart();
			reportFirstPaint();
			if (state.showLikeness && !likenessAsked) {
				likenessAsked = true; // on after a reload: the host starts with the toggle off
				post({ type: 'showLikeness', on: true });
			}
			break;
		case 'runs':
			runs = message.runs;
			liveRunId = message.liveRunId;
			renderToolbar();
			renderRuns();
			break;
		case 'series': {
			const refines = series.get(message.series.id)?.decimatedFrom !== undefined;
			series.set(message.series.id, unpackSeries(message.series));
			if (selected.includes(message.series.id)) {
				// The whole run after a decimated first chart: drawn once that chart is on screen, not before it.
				if (refines) {
					void afterNextPaint().then(rebuildChart);
				} else {
					rebuildChart();
				}
			}
			break;
		}
		case 'selected':
			selected = message.selected;
			rememberSelection();
			renderRuns();
			rebuildChart();
			break;
		case 'points': {
			const target = series.get(message.runId);
			if (target) {
				appendPoints(target, message.points);
				if (chart && selected.includes(message.runId)) {
					scheduleRedraw();
				} else if (selected.includes(message.runId)) {
					rebuildChart();
				}
			}
			break;
		}
		case 'likeness':
			overlays.set(message.overlay.runId, message.overlay);
			if (selected.includes(message.overlay.runId) && state.showLikeness) {
				rebuildChart();
			}
			break;
		case 'epoch': {
			const target = series.get(message.runId);
			if (target && !target.epochs.some((e) => e.epoch === message.mark.epoch)) {
				target.epochs.push(message.mark);
				chart?.redraw(false);
			}
			break;
		}
	}
});

new ResizeObserver(() => {
	if (chart) {
		const rect = chartBox.getBoundingClientRect();
		chart.setSize({ width: Math.max(300, rect.width), height: Math.max(200, rect.height - 40) });
	}
}).observe(chartBox);

post({ type: 'ready' });
