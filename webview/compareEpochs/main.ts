import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import './main.css';
import type { CompareHostMessage, CompareWebviewMessage, GridView } from '../../src/core/protocol/compareEpochs';
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
		const th = el('th', { className: column.key === chosenKey ? 'chosen' : '' });
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
			const td = el('td', { className: column.key === chosenKey ? 'chosen' : '' });
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
	root.append(el('div', { className: 'scroller' }, table));
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
	}
});

document.documentElement.style.setProperty('--cell', `${cellSize}px`);
void grid;
post({ type: 'ready' });
