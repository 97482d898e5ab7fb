import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import './main.css';
import type { CompareHostMessage, CompareWebviewMessage, GridView, LikenessView } from '../../src/core/protocol/compareEpochs';
import { el } from '../common/dom';
import { messenger } from '../common/vscodeApi';
import { countOf } from '../../src/core/plural';

const host = messenger<CompareWebviewMessage, CompareHostMessage, { zoom?: number }>();
const post = host.post;
const root = document.getElementById('root')!;

let grid: GridView = { columns: [], rows: [] };
let chosenKey: string | undefined;
let showDiffs = false;
let diffsRequested = false;
let cellSize = host.getState()?.zoom ?? 192;
/** The last likeness scores (or why there are none), put back on the grid after every init. */
let likeness: { likeness?: LikenessView; reason?: string } | undefined;

function render(message: Extract<CompareHostMessage, { type: 'init' }>): void {
	root.replaceChildren();
	const toolbar = el('div', { className: 'toolbar' });
	const diffToggle = document.createElement('vscode-checkbox');
	diffToggle.setAttribute('label', 'Show differences to the previous epoch');
	(diffToggle as unknown as { checked: boolean }).checked = showDiffs;
	diffToggle.addEventListener('change', () => {
		showDiffs = (diffToggle as unknown as { checked: boolean }).checked;
		if (showDiffs && !diffsRequested) {
			diffsRequested = true;
			post({ type: 'showDifferences' });
		}
		document.body.classList.toggle('diffs', showDiffs);
	});
	const zoom = el('input', { type: 'range', min: '96', max: '512', step: '16', value: String(cellSize), title: 'Image size' });
	zoom.setAttribute('aria-label', 'Image size');
	zoom.addEventListener('input', () => {
		cellSize = Number(zoom.value);
		document.documentElement.style.setProperty('--cell', `${cellSize}px`);
		host.setState({ zoom: cellSize });
	});
	toolbar.append(el('span', { className: 'title' }, `${message.folderName}: ${countOf(message.grid.rows.length, 'prompt')} × ${countOf(message.grid.columns.length, 'epoch')}`), diffToggle, el('label', { className: 'zoom' }, 'Size ', zoom));
	if (message.snippet) {
		const copy = document.createElement('vscode-button');
		copy.setAttribute('secondary', '');
		copy.textContent = `Copy ${message.snippet}`;
		copy.addEventListener('click', () => post({ type: 'copySnippet' }));
		toolbar.append(copy);
	}
	root.append(toolbar);
	if (message.emptyHint) {
		root.append(el('p', { className: 'empty' }, message.emptyHint));
		return;
	}
	const table = el('table', { className: 'grid' });
	const head = el('tr', {}, el('th', { className: 'prompt-head' }, 'Prompt'));
	for (const column of message.grid.columns) {
		const th = el('th', { className: column.key === chosenKey ? 'chosen' : '', dataset: { key: column.key } });
		th.append(el('div', { className: 'label' }, column.label));
		if (column.checkpoint) {
			const choose = document.createElement('vscode-button');
			if (column.key !== chosenKey) {
				choose.setAttribute('secondary', '');
			}
			choose.textContent = column.key === chosenKey ? '★ Chosen' : 'Choose';
			choose.title = `Record ${column.checkpoint} as the chosen epoch`;
			choose.addEventListener('click', () => post({ type: 'choose', key: column.key }));
			th.append(choose);
		}
		head.append(th);
	}
	table.append(el('thead', {}, head));
	const body = el('tbody');
	for (const row of message.grid.rows) {
		const tr = el('tr', {}, el('th', { className: 'prompt', title: row.prompt ?? '' }, row.prompt ?? `prompt ${row.promptIndex + 1}`));
		for (const column of message.grid.columns) {
			const cell = row.cells[column.key];
			const td = el('td', { className: column.key === chosenKey ? 'chosen' : '', dataset: { key: `${row.promptIndex}/${column.key}` } });
			if (cell) {
				const img = el('img', { src: cell.src, alt: `${row.prompt ?? `prompt ${row.promptIndex + 1}`}, ${column.label}`, tabIndex: 0, loading: 'lazy' });
				img.dataset.key = `${row.promptIndex}/${column.key}`;
				img.addEventListener('click', () => openZoom(cell.src, img.alt));
				img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { openZoom(cell.src, img.alt); } });
				const diff = el('img', { className: 'diff', alt: `difference, ${column.label}` });
				diff.dataset.key = img.dataset.key;
				if (cell.diffSrc) {
					diff.src = cell.diffSrc;
				}
				td.append(img, diff);
			} else {
				td.append(el('span', { className: 'missing' }, '—'));
			}
			tr.append(td);
		}
		body.append(tr);
	}
	table.append(body);
	root.append(el('div', { className: 'likeness-summary' }), el('div', { className: 'scroller' }, table));
	decorate();
}

/**
 * Likeness on the grid: the recommendation and a curve above it, each column's median and spread, and each
 * sample's face distance (lower is more alike). Added beside the grid's own elements, so an init re-renders
 * the grid and this puts the scores back.
 */
function decorate(): void {
	document.querySelectorAll('.likeness').forEach((n) => n.remove());
	document.querySelectorAll('.recommended').forEach((n) => n.classList.remove('recommended'));
	const summary = document.querySelector('.likeness-summary');
	if (!summary || !likeness) {
		return;
	}
	const view = likeness.likeness;
	if (!view) {
		summary.append(el('p', { className: 'likeness note' }, `Likeness: ${likeness.reason ?? 'not available'}`));
		return;
	}
	const box = el('div', { className: 'likeness' });
	box.append(el('p', { className: 'recommendation' }, view.recommendation ? `Recommended: ${view.recommendation.reason}` : 'No epoch can be recommended: no sample face could be scored.'));
	box.append(el('div', { className: 'curves' },
		el('figure', {}, curve(view), el('figcaption', {}, 'Likeness: median face distance and its middle half (drawn higher where more alike)')),
		el('figure', {}, copyingCurve(view), el('figcaption', {}, 'Copying: share of samples that copy a training picture'))));
	for (const note of view.notes) {
		box.append(el('p', { className: 'note' }, note));
	}
	summary.append(box);
	for (const column of view.columns) {
		const th = document.querySelector<HTMLElement>(`th[data-key="${column.key}"]`);
		if (!th) {
			continue;
		}
		const parts = [column.median !== undefined ? `median ${column.median.toFixed(2)} (${column.q1!.toFixed(2)}–${column.q3!.toFixed(2)})` : 'no face scored'];
		if (column.copying > 0) { parts.push(`copying ${Math.round(column.copying * 100)}%`); }
		if (column.noFace > 0) { parts.push(`no face ${Math.round(column.noFace * 100)}%`); }
		if (column.severalFaces > 0) { parts.push(`several faces ${Math.round(column.severalFaces * 100)}%`); }
		const score = el('div', { className: 'likeness column-score', title: 'Face distance to the person: lower is more alike' }, parts.join(' · '));
		if (view.recommendation?.key === column.key) {
			th.classList.add('recommended');
			score.prepend(el('div', { className: 'badge' }, '◆ Recommended'));
		}
		th.querySelector('.label')?.after(score);
	}
	for (const cell of view.cells) {
		const td = document.querySelector<HTMLElement>(`td[data-key="${cell.promptIndex}/${cell.key}"]`);
		if (!td) {
			continue;
		}
		const text = cell.distance !== undefined ? cell.distance.toFixed(2) : cell.faces === 0 ? 'no face' : 'face not judged';
		const classes = ['likeness', 'cell-score', cell.distance !== undefined && cell.distance >= view.alikeBelow ? 'far' : '', cell.copies ? 'copy' : ''].filter(Boolean).join(' ');
		const title = cell.copies ? `copies the training picture ${cell.copies}` : cell.distance !== undefined ? `face distance ${text} (under ${view.alikeBelow.toFixed(2)}: the person)` : text;
		td.append(el('div', { className: classes, title }, cell.copies ? `${text} · copy` : text));
	}
	if (view.recommendation) {
		document.querySelectorAll<HTMLElement>(`td[data-key$="/${view.recommendation.key}"]`).forEach((td) => td.classList.add('recommended'));
	}
}

/** The median distance per epoch as a line with its quartile band (SVG; lower is more alike). */
function curve(view: LikenessView): Node {
	const points = view.columns.map((c, i) => ({ i, c })).filter((p) => p.c.median !== undefined);
	const svgNs = 'http://www.w3.org/2000/svg';
	const svg = document.createElementNS(svgNs, 'svg');
	svg.setAttribute('class', 'likeness-curve');
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-label', `Likeness per epoch: ${points.map((p) => `${p.c.label} ${p.c.median!.toFixed(2)}`).join(', ')}`);
	const width = 320;
	const height = 60;
	svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
	if (points.length === 0) {
		return svg;
	}
	const max = Math.max(1, ...points.map((p) => p.c.q3!));
	const x = curveX(view, width);
	const y = (d: number) => 4 + (d / max) * (height - 8);
	const band = document.createElementNS(svgNs, 'polygon');
	band.setAttribute('points', [...points.map((p) => `${x(p.i)},${y(p.c.q1!)}`), ...[...points].reverse().map((p) => `${x(p.i)},${y(p.c.q3!)}`)].join(' '));
	band.setAttribute('class', 'band');
	const line = document.createElementNS(svgNs, 'polyline');
	line.setAttribute('points', points.map((p) => `${x(p.i)},${y(p.c.median!)}`).join(' '));
	line.setAttribute('class', 'median');
	const limit = document.createElementNS(svgNs, 'line');
	limit.setAttribute('x1', '0');
	limit.setAttribute('x2', String(width));
	limit.setAttribute('y1', String(y(view.alikeBelow)));
	limit.setAttribute('y2', String(y(view.alikeBelow)));
	limit.setAttribute('class', 'limit');
	svg.append(band, limit, line);
	const recommended = points.find((p) => p.c.key === view.recommendation?.key);
	if (recommended) {
		svg.append(recommendedMark(x(recommended.i), y(recommended.c.median!), height));
	}
	return svg;
}

/** The x of each column on both curves, so the same epoch sits at the same place in each. */
function curveX(view: LikenessView, width: number): (i: number) => number {
	return (i) => (view.columns.length === 1 ? width / 2 : 8 + (i * (width - 16)) / (view.columns.length - 1));
}

/** The recommended epoch on a curve: a dashed vertical line and a dot on its value, as the grid marks its column. */
function recommendedMark(x: number, y: number, height: number): SVGGElement {
	const svgNs = 'http://www.w3.org/2000/svg';
	const group = document.createElementNS(svgNs, 'g');
	group.setAttribute('class', 'recommended-mark');
	const rule = document.createElementNS(svgNs, 'line');
	rule.setAttribute('x1', String(x));
	rule.setAttribute('x2', String(x));
	rule.setAttribute('y1', '0');
	rule.setAttribute('y2', String(height));
	const dot = document.createElementNS(svgNs, 'circle');
	dot.setAttribute('cx', String(x));
	dot.setAttribute('cy', String(y));
	dot.setAttribute('r', '3.5');
	group.append(rule, dot);
	return group;
}

/**
 * The share of each epoch's samples that copy a training picture (0 at the bottom, 100% at the top). Its own
 * chart beside the likeness curve rather than a second axis on it: distances and shares have nothing in common
 * but the epoch, and copying usually starts where likeness stops improving, which reads best side by side.
 */
function copyingCurve(view: LikenessView): Node {
	const svgNs = 'http://www.w3.org/2000/svg';
	const svg = document.createElementNS(svgNs, 'svg');
	svg.setAttribute('class', 'copying-curve');
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-label', `Copying per epoch: ${view.columns.map((c) => `${c.label} ${Math.round(c.copying * 100)}%`).join(', ')}`);
	const width = 320;
	const height = 60;
	svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
	if (view.columns.length === 0) {
		return svg;
	}
	const x = curveX(view, width);
	const y = (share: number) => height - 4 - share * (height - 8);
	const base = document.createElementNS(svgNs, 'line');
	base.setAttribute('x1', '0');
	base.setAttribute('x2', String(width));
	base.setAttribute('y1', String(y(0)));
	base.setAttribute('y2', String(y(0)));
	base.setAttribute('class', 'base');
	const line = document.createElementNS(svgNs, 'polyline');
	line.setAttribute('points', view.columns.map((c, i) => `${x(i)},${y(c.copying)}`).join(' '));
	line.setAttribute('class', 'copying');
	svg.append(base, line);
	// A dot on each epoch that copies, so one copying epoch among many is not lost in the line.
	view.columns.forEach((c, i) => {
		if (c.copying > 0) {
			const dot = document.createElementNS(svgNs, 'circle');
			dot.setAttribute('cx', String(x(i)));
			dot.setAttribute('cy', String(y(c.copying)));
			dot.setAttribute('r', '2.5');
			dot.setAttribute('class', 'copying-point');
			svg.append(dot);
		}
	});
	const recommended = view.columns.findIndex((c) => c.key === view.recommendation?.key);
	if (recommended !== -1) {
		svg.append(recommendedMark(x(recommended), y(view.columns[recommended].copying), height));
	}
	return svg;
}

function openZoom(src: string, alt: string): void {
	const overlay = el('div', { className: 'zoom-overlay', tabIndex: 0, role: 'dialog', ariaLabel: alt }, el('img', { src, alt }));
	const close = () => overlay.remove();
	overlay.addEventListener('click', close);
	overlay.addEventListener('keydown', (e) => { if (e.key === 'Escape') { close(); } });
	document.body.append(overlay);
	overlay.focus();
}

host.onMessage((message) => {
	switch (message.type) {
		case 'init':
			grid = message.grid;
			chosenKey = message.chosenKey;
			diffsRequested = false;
			render(message);
			if (showDiffs) {
				diffsRequested = true;
				post({ type: 'showDifferences' });
			}
			break;
		case 'diffs':
			for (const cell of message.cells) {
				const img = document.querySelector<HTMLImageElement>(`img.diff[data-key="${cell.promptIndex}/${cell.key}"]`);
				if (img) {
					img.src = cell.diffSrc;
				}
			}
			break;
		case 'likeness':
			likeness = { likeness: message.likeness, reason: message.reason };
			decorate();
			break;
	}
});

document.documentElement.style.setProperty('--cell', `${cellSize}px`);
void grid;
post({ type: 'ready' });
