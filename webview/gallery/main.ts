import './main.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { BulkScope, GalleryBulkCommand, GalleryHostMessage, GalleryImage, GalleryWebviewMessage } from '../../src/core/protocol/gallery';
import { el } from '../common/dom';
import { afterNextPaint, imageDecoded } from '../common/paint';
import { messenger } from '../common/vscodeApi';
import { Selection } from './selection';
import { countOf } from '../../src/core/plural';

const host = messenger<GalleryWebviewMessage, GalleryHostMessage>();
const post = host.post;
const root = document.getElementById('root')!;

const CELL = 168;
const ROW = 228;
const OVERSCAN_ROWS = 2;

/** By id; a hole until the host's page with that image came (init brings the first screen's). */
let images: Array<GalleryImage | undefined> = [];
let visibleIds: number[] = [];
const thumbnails = new Map<number, { src?: string; error?: string }>();
const requested = new Set<number>();
const cells = new Map<number, HTMLElement>();
const selection = new Selection();

const tagSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string; combobox: boolean; selectedIndex: number };
tagSelect.combobox = true;
tagSelect.className = 'tag-select';
tagSelect.setAttribute('aria-label', 'Tag');
const expressionField = document.createElement('vscode-textfield') as HTMLElement & { value: string; placeholder: string };
expressionField.placeholder = 'Filter: blonde hair AND NOT (smile OR open mouth)';
expressionField.className = 'expression';
expressionField.setAttribute('aria-label', 'Filter expression');
const errorLine = el('div', { className: 'error', hidden: true });
const status = el('span', { className: 'status' });
const scopeLabel = el('span', { className: 'scope' });
/** The subset the host scoped the gallery to (Coverage shows one subset's group), with a button to show all. */
const subsetChip = el('span', { className: 'subset-scope', hidden: true });
const scroller = el('div', { className: 'scroller', tabIndex: 0 });
const spacer = el('div', { className: 'spacer' });
scroller.append(spacer);
scroller.setAttribute('role', 'grid');
scroller.setAttribute('aria-multiselectable', 'true');

function button(label: string, icon: string, command: GalleryBulkCommand): HTMLElement {
	const node = document.createElement('vscode-button');
	node.setAttribute('secondary', '');
	node.setAttribute('icon', icon);
	node.textContent = label;
	node.addEventListener('click', () => post({ type: 'bulk', command, scope: currentScope() }));
	return node;
}

const bulkMenu = document.createElement('vscode-single-select') as HTMLElement & { value: string };
bulkMenu.className = 'more';
bulkMenu.append(...[['', 'More edits…'], ['replaceInTags', 'Replace in tags (regex)…'], ['moveTagToFront', 'Move tag to front…'], ['dedupeTags', 'Remove duplicate tags'], ['normalizeTags', 'Normalise underscores/spaces…'], ['sortTagsByFrequency', 'Sort tags by frequency']]
	.map(([value, label]) => Object.assign(document.createElement('vscode-option'), { value, textContent: label })));
bulkMenu.addEventListener('change', () => {
	if (bulkMenu.value) {
		post({ type: 'bulk', command: bulkMenu.value as GalleryBulkCommand, scope: currentScope() });
		bulkMenu.value = '';
	}
});

const header = el('header', {},
	el('div', { className: 'filters' }, tagSelect, expressionField),
	errorLine,
	el('div', { className: 'actions' }, status, subsetChip, scopeLabel,
		button('Add tag', 'add', 'addTag'), button('Remove tag', 'remove', 'removeTag'), button('Rename tag', 'edit', 'renameTag'), bulkMenu),
);
root.replaceChildren(header, scroller);

function currentScope(): BulkScope {
	if (selection.size > 0) {
		return 'selected';
	}
	return visibleIds.length < images.length ? 'filtered' : 'all';
}

function updateStatus(): void {
	status.textContent = `${visibleIds.length} of ${countOf(images.length, 'image')}${selection.size ? ` · ${selection.size} selected` : ''}`;
	const scope = currentScope();
	scopeLabel.textContent = `Edits apply to: ${scope === 'selected' ? `${selection.size} selected` : scope === 'filtered' ? `${visibleIds.length} filtered` : 'all images'}`;
}

function showSubset(subset: string | undefined): void {
	subsetChip.hidden = !subset;
	if (subset) {
		const clear = el('button', { className: 'subset-clear', title: 'Show every subset' }, el('span', { className: 'codicon codicon-close' }));
		clear.setAttribute('aria-label', `Show every subset, not only ${subset}`);
		clear.addEventListener('click', () => post({ type: 'filter', tag: tagSelect.value ?? '', expression: expressionField.value ?? '', subset: '' }));
		subsetChip.replaceChildren(el('span', {}, `in ${subset}`), clear);
	}
}

function tagOption(label: string, value: string, selected: boolean): HTMLElement {
	return Object.assign(document.createElement('vscode-option'), { value, textContent: label, selected });
}

/** The tag menu the host sent, to fill in. */
let pendingTags: Extract<GalleryHostMessage, { type: 'tags' }> | undefined;
let tagsAsked = false;

/**
 * Thousands of menu options, and the host's tag table of every caption, are slow to make: asked for once the first
 * screen shows its thumbnails, or as soon as the user reaches for the menu.
 */
function askForTags(): void {
	if (!tagsAsked) {
		tagsAsked = true;
		post({ type: 'tags' });
	}
}
for (const event of ['focusin', 'pointerdown', 'keydown']) {
	tagSelect.addEventListener(event, askForTags);
}

function fillTags(): void {
	const message = pendingTags;
	pendingTags = undefined;
	if (!message) {
		return;
	}
	const current = tagSelect.value || message.tag;
	tagSelect.replaceChildren(tagOption('(any tag)', '', current === ''),
		...message.tags.slice(0, 3000).map((tag) => tagOption(`${tag.label} (${tag.count})`, tag.label, tag.label === current)));
	setTag(current);
}

/** '' shows the "(any tag)" option (setting the value '' would show an empty box). */
function setTag(tag: string): void {
	if (tag) {
		tagSelect.value = tag;
	} else {
		tagSelect.selectedIndex = 0;
	}
}

let filterTimer: number | undefined;
function sendFilter(): void {
	clearTimeout(filterTimer);
	filterTimer = window.setTimeout(() => post({ type: 'filter', tag: tagSelect.value ?? '', expression: expressionField.value ?? '' }), 250);
}
tagSelect.addEventListener('change', sendFilter);
expressionField.addEventListener('input', sendFilter);
expressionField.addEventListener('keydown', (event) => {
	if ((event as KeyboardEvent).key === 'Enter') {
		clearTimeout(filterTimer);
		post({ type: 'filter', tag: tagSelect.value ?? '', expression: expressionField.value ?? '' });
	}
});

function columns(): number {
	return Math.max(1, Math.floor((scroller.clientWidth - 8) / CELL));
}

function cellFor(id: number): HTMLElement | undefined {
	let cell = cells.get(id);
	const image = images[id];
	if (!cell && image) {
		cell = el('div', { className: 'cell', title: `${image.subset}/${image.name}\n${image.caption ?? '(no caption file)'}${image.bucket ? `\n${image.bucket.detail}` : ''}` },
			el('div', { className: 'thumb' }),
			el('div', { className: 'name' }, image.name),
			...(image.bucket ? [el('div', { className: `bucket${image.bucket.keep ? ' cut' : ''}${image.bucket.stops ? ' stops' : ''}`, title: image.bucket.detail }, `→ ${image.bucket.label}`)] : []),
			el('div', { className: 'subset' }, image.subset),
			el('div', { className: 'caption' }, image.caption ?? '(no caption file)'));
		cell.dataset.id = String(id);
		cell.setAttribute('role', 'gridcell');
		cells.set(id, cell);
		paintThumbnail(id, cell);
	}
	return cell;
}

function paintThumbnail(id: number, cell: HTMLElement): void {
	const box = cell.querySelector('.thumb')!;
	const thumb = thumbnails.get(id);
	if (thumb?.src && !box.querySelector('img')) {
		const keep = images[id]?.bucket?.keep;
		const img = el('img', { src: thumb.src, alt: images[id]?.name ?? '', draggable: false });
		// The part sd-scripts keeps, drawn on the picture (the rest shaded): the frame is sized by the image itself.
		let frame: HTMLElement | undefined;
		if (keep) {
			const kept = el('span', { className: 'bucket-keep' });
			// CSSOM, not a style attribute: the page's CSP allows no inline styles.
			Object.assign(kept.style, { left: `${keep.x * 100}%`, top: `${keep.y * 100}%`, width: `${keep.width * 100}%`, height: `${keep.height * 100}%` });
			frame = el('span', { className: 'framed' }, img, kept);
		}
		box.replaceChildren(frame ?? img);
	} else if (thumb?.error) {
		box.replaceChildren(el('span', { className: 'codicon codicon-error', title: thumb.error }));
		box.classList.add('failed');
	}
}

/** The first screen after the first filter: the bench times the grid and then its thumbnails (see GalleryPainted). */
let filteredReceived = false;
let firstScreen: number[] | undefined;
let thumbnailsReported = false;

let renderQueued = false;
function render(): void {
	renderQueued = false;
	const cols = columns();
	const rows = Math.ceil(visibleIds.length / cols);
	spacer.style.height = `${rows * ROW}px`;
	const first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - OVERSCAN_ROWS);
	const last = Math.min(rows, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW) + OVERSCAN_ROWS);
	const keep = new Set<number>();
	const missing: number[] = [];
	for (let index = first * cols; index < Math.min(visibleIds.length, last * cols); index++) {
		const id = visibleIds[index];
		const cell = cellFor(id);
		if (!cell) {
			continue; // drawn when its page of images comes
		}
		keep.add(id);
		cell.style.transform = `translate(${(index % cols) * CELL}px, ${Math.floor(index / cols) * ROW}px)`;
		cell.classList.toggle('selected', selection.has(id));
		cell.classList.toggle('focused', selection.focus === index);
		cell.setAttribute('aria-selected', String(selection.has(id)));
		if (!cell.isConnected) {
			spacer.append(cell);
		}
		if (!thumbnails.has(id)) {
			missing.push(id);
		}
	}
	for (const [id, cell] of cells) {
		if (!keep.has(id)) {
			cell.remove();
			cells.delete(id);
		}
	}
	requestThumbnails(missing);
	updateStatus();
	if (filteredReceived && !firstScreen) {
		reportGridPainted(cols);
	}
}

function reportGridPainted(cols: number): void {
	const top = Math.floor(scroller.scrollTop / ROW) * cols;
	const bottom = Math.min(visibleIds.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW) * cols);
	const screen = visibleIds.slice(top, bottom);
	firstScreen = screen;
	void afterNextPaint().then(() => post({ type: 'painted', stage: 'grid', cells: screen.length }));
	if (screen.length === 0) {
		askForTags();
	}
	reportThumbnailsPainted();
}

function reportThumbnailsPainted(): void {
	const screen = firstScreen;
	if (!screen || screen.length === 0 || thumbnailsReported || !screen.every((id) => thumbnails.has(id))) {
		return;
	}
	thumbnailsReported = true;
	const shown = screen.map((id) => cells.get(id)?.querySelector('img')).filter((img): img is HTMLImageElement => img instanceof HTMLImageElement);
	void Promise.all(shown.map(imageDecoded)).then(afterNextPaint).then(() => {
		post({ type: 'painted', stage: 'thumbnails', cells: screen.length });
		askForTags();
	});
}

function queueRender(): void {
	if (!renderQueued) {
		renderQueued = true;
		requestAnimationFrame(render);
	}
}

let thumbTimer: number | undefined;
function requestThumbnails(missing: number[]): void {
	const key = missing.join(',');
	if (missing.every((id) => requested.has(id)) && missing.length > 0) {
		return;
	}
	clearTimeout(thumbTimer);
	// Wait for scrolling to pause, then ask for what is on screen; the host drops what scrolled away.
	thumbTimer = window.setTimeout(() => {
		requested.clear();
		missing.forEach((id) => requested.add(id));
		post({ type: 'thumbnails', ids: missing });
	}, key ? 60 : 0);
}

let selectTimer: number | undefined;
/** What the host knows, so a re-filter that keeps the selection does not echo it back. */
let hostSelection = '';
function selectionChanged(): void {
	queueRender();
	clearTimeout(selectTimer);
	selectTimer = window.setTimeout(() => {
		const ids = selection.ids();
		if (ids.join(',') !== hostSelection) {
			hostSelection = ids.join(',');
			post({ type: 'select', ids });
		}
	}, 50);
}

function scrollToIndex(index: number): void {
	const top = Math.floor(index / columns()) * ROW;
	if (top < scroller.scrollTop) {
		scroller.scrollTop = top;
	} else if (top + ROW > scroller.scrollTop + scroller.clientHeight) {
		scroller.scrollTop = top + ROW - scroller.clientHeight;
	}
}

scroller.addEventListener('scroll', queueRender, { passive: true });
new ResizeObserver(queueRender).observe(scroller);

scroller.addEventListener('click', (event) => {
	const cell = (event.target as HTMLElement).closest<HTMLElement>('.cell');
	if (!cell) {
		return;
	}
	const id = Number(cell.dataset.id);
	const index = visibleIds.indexOf(id);
	scroller.focus();
	if (event.shiftKey) {
		selection.extendTo(index, visibleIds, event.ctrlKey || event.metaKey);
	} else if (event.ctrlKey || event.metaKey) {
		selection.toggle(index, visibleIds);
	} else {
		selection.only(index, visibleIds);
		post({ type: 'open', id });
	}
	selectionChanged();
});

function isSelectAll(event: KeyboardEvent): boolean {
	return event.key.toLowerCase() === 'a' && (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey;
}

/** Whether a key press goes to a text field (its own Ctrl+A selects its text). */
function inTextField(event: KeyboardEvent): boolean {
	return event.composedPath().some((node) => node instanceof HTMLElement && (node.tagName === 'INPUT' || node.tagName === 'TEXTAREA' || node.tagName === 'VSCODE-TEXTFIELD'));
}

// Ctrl+A anywhere on the page but a text field selects the images, never the page's text (the page's text is
// not selectable either: VS Code answers Ctrl+A in a webview with the browser's select-all).
document.addEventListener('keydown', (event) => {
	if (isSelectAll(event) && !inTextField(event) && !scroller.contains(event.target as Node)) {
		event.preventDefault();
		selection.all(visibleIds);
		scroller.focus();
		selectionChanged();
	}
});

scroller.addEventListener('keydown', (event) => {
	if (visibleIds.length === 0) {
		return;
	}
	const cols = columns();
	const pageRows = Math.max(1, Math.floor(scroller.clientHeight / ROW));
	const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, PageUp: -cols * pageRows, PageDown: cols * pageRows };
	const focus = selection.focus ?? 0;
	let target: number | undefined;
	if (event.key in moves) {
		target = Math.min(visibleIds.length - 1, Math.max(0, (selection.focus === undefined ? -moves[event.key] : focus) + moves[event.key]));
	} else if (event.key === 'Home') {
		target = 0;
	} else if (event.key === 'End') {
		target = visibleIds.length - 1;
	} else if (isSelectAll(event)) {
		selection.all(visibleIds);
	} else if (event.key === 'Escape') {
		selection.clear();
	} else if (event.key === ' ') {
		selection.toggle(focus, visibleIds);
	} else if (event.key === 'Enter') {
		post({ type: 'open', id: visibleIds[focus] });
	} else {
		return;
	}
	event.preventDefault();
	if (target !== undefined) {
		if (event.shiftKey) {
			selection.extendTo(target, visibleIds, false);
		} else if (event.ctrlKey || event.metaKey) {
			selection.moveFocus(target);
		} else {
			selection.only(target, visibleIds);
		}
		scrollToIndex(target);
	}
	selectionChanged();
});

function showError(error: { column: number; message: string } | undefined, expression: string): void {
	errorLine.hidden = !error;
	if (error) {
		errorLine.replaceChildren(
			el('span', { className: 'codicon codicon-error' }), ` ${error.message}`,
			el('pre', {}, `${expression}\n${' '.repeat(Math.max(0, error.column - 1))}^`));
	}
}

host.onMessage((message) => {
	switch (message.type) {
		case 'init': {
			// Ids may now mean other images, and an image may have new content: start over (thumbnails are cached on disk).
			images = new Array<GalleryImage | undefined>(message.count);
			for (const image of message.images) {
				images[image.id] = image;
			}
			for (const cell of cells.values()) {
				cell.remove();
			}
			cells.clear();
			thumbnails.clear();
			requested.clear();
			pendingTags = undefined;
			if (tagsAsked) {
				// The folder changed: its tags too. Asked again at once, as the page is already on screen.
				tagsAsked = false;
				askForTags();
			}
			if (tagSelect.childElementCount === 0 || (message.tag && tagSelect.value !== message.tag)) {
				// Until the menu comes, the filter's tag is its only entry.
				tagSelect.replaceChildren(tagOption('(any tag)', '', !message.tag), ...(message.tag ? [tagOption(message.tag, message.tag, true)] : []));
			}
			setTag(message.tag);
			if (expressionField.value !== message.expression) {
				expressionField.value = message.expression;
			}
			selection.set(message.selected);
			hostSelection = selection.ids().join(',');
			document.title = `Gallery: ${message.folderName}`;
			break;
		}
		case 'filtered':
			filteredReceived = true;
			visibleIds = message.ids;
			selection.restrictTo(visibleIds);
			if (tagSelect.value !== message.tag) {
				setTag(message.tag);
			}
			// The host may set the filter (Tags view, commands); never overwrite what the user is typing.
			if (expressionField.value !== message.expression && document.activeElement !== expressionField) {
				expressionField.value = message.expression;
			}
			showError(message.error, message.expression);
			showSubset(message.subset);
			scroller.scrollTop = 0;
			selectionChanged();
			break;
		case 'thumbnails':
			for (const item of message.items) {
				thumbnails.set(item.id, item);
				const cell = cells.get(item.id);
				if (cell) {
					paintThumbnail(item.id, cell);
				}
			}
			reportThumbnailsPainted();
			break;
		case 'images':
			for (const image of message.images) {
				images[image.id] = image;
			}
			queueRender();
			break;
		case 'tags':
			pendingTags = message;
			fillTags();
			break;
		case 'selected':
			selection.set(message.ids);
			hostSelection = selection.ids().join(',');
			queueRender();
			break;
	}
});

post({ type: 'ready' });
