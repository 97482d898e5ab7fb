import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './main.css';
import type {
	CaptionDocumentState, CaptionEditorInit, FromCaptionEditorMessage, NeighbourState, PositionState, ToCaptionEditorMessage,
} from '../../src/core/protocol/captionEditor';
import { button, codicon, el } from '../common/dom';
import { messenger } from '../common/vscodeApi';
import { renderChips } from './chips';
import { prefetchImages, renderImagePane } from './imagePane';
import { createTagInput } from './tagInput';
import { focusFixFor, renderProblems } from './problems';

const host = messenger<FromCaptionEditorMessage, ToCaptionEditorMessage>();
const root = document.getElementById('root')!;

let init: CaptionEditorInit | undefined;
let doc: CaptionDocumentState | undefined;
let position: PositionState | undefined;

const toolbar = el('div', { className: 'toolbar', role: 'toolbar' });
const imagePane = el('section', { className: 'image-pane', ariaLabel: 'Image' });
const notes = el('div', { className: 'notes', role: 'status' });
const notice = el('div', { className: 'notice', role: 'status', hidden: true });
const problemList = el('ul', { className: 'problems caption-problems', ariaLabel: 'Caption problems', hidden: true });
const imageProblemList = el('ul', { className: 'problems image-problems', ariaLabel: 'Image problems from the last check', hidden: true });
const imageProblemsHeading = el('h2', { hidden: true }, 'This image (last check)');
const problemsHeading = el('h2', { hidden: true }, 'Problems');
const chipList = el('div', { className: 'chips', role: 'list', ariaLabel: 'Tags' });
const tagInput = createTagInput(
	(tag) => host.post({ type: 'addTag', tag }),
	(requestId, prefix) => host.post({ type: 'requestSuggestions', requestId, prefix }),
);
const pinButton = button('Trigger first', () => host.post({ type: 'pinTrigger' }), { icon: 'pinned', secondary: true, title: 'Move the trigger word to the front (add it if missing)' });
const rawLine = document.createElement('vscode-textfield') as HTMLElement & { value: string; disabled: boolean };
rawLine.className = 'raw-line';
rawLine.setAttribute('aria-label', 'The caption line as it will be written');
const filmstrip = el('nav', { className: 'filmstrip', ariaLabel: 'Images of this subset' });

rawLine.addEventListener('change', () => {
	if (doc && rawLine.value !== doc.firstLine) {
		host.post({ type: 'setFirstLine', text: rawLine.value.replace(/[\r\n]+/g, ' ') });
	}
});

root.append(
	toolbar,
	el('main', { className: 'layout' },
		imagePane,
		el('section', { className: 'tags-pane', ariaLabel: 'Caption' },
			notes,
			imageProblemsHeading,
			imageProblemList,
			el('h2', {}, 'Tags'),
			chipList,
			el('div', { className: 'add-row' }, tagInput.element, pinButton),
			notice,
			problemsHeading,
			problemList,
			el('h2', {}, 'Caption line'),
			rawLine,
			el('p', { className: 'hint' }, 'Exactly what will be written; sd-scripts trains on this line. Enter to apply an edit. Chips: ←/→ focus, Alt+←/→ move, Delete remove, Enter edit.'))),
	filmstrip,
);

function renderToolbar(position: PositionState | undefined): void {
	if (!init || !doc) {
		return;
	}
	const title = el('span', { className: 'file-name' }, init.fileName, doc.isDirty ? el('span', { className: 'dirty', title: 'Unsaved changes' }, ' ●') : undefined);
	const items: Array<Node | undefined> = [];
	if (position) {
		items.push(
			button('', () => host.post({ type: 'navigate', to: 'previous' }), { icon: 'arrow-left', secondary: true, title: 'Previous image (Alt+PageUp)' }),
			el('span', { className: 'position', ariaLive: 'polite' }, `${position.index + 1} / ${position.count}`),
			button('', () => host.post({ type: 'navigate', to: 'next' }), { icon: 'arrow-right', secondary: true, title: 'Next image (Alt+PageDown)' }),
			el('span', { className: 'subset' }, position.subset),
		);
	}
	items.push(title);
	if (doc.isNew) {
		items.push(el('span', { className: 'badge' }, 'new caption (no file yet)'));
	}
	items.push(el('span', { className: 'spacer' }), button('Open as Text', () => host.post({ type: 'openAsText' }), { icon: 'go-to-file', secondary: true }));
	toolbar.replaceChildren(...items.filter((n): n is Node => n !== undefined));
}

function renderNotes(state: CaptionDocumentState): void {
	notes.replaceChildren(...state.notes.map((note) => el('div', { className: `note ${note.severity}` }, codicon(note.severity === 'info' ? 'info' : note.severity), el('span', {}, note.message))));
}

function renderDocument(state: CaptionDocumentState): void {
	doc = state;
	const readOnly = state.readOnlyReason !== undefined;
	const focusAfter = chipList.dataset.focusAfterRender;
	delete chipList.dataset.focusAfterRender;
	renderChips(chipList, state.tags, readOnly, {
		remove: (index, tag) => host.post({ type: 'removeTag', index, tag }),
		edit: (index, tag, newText) => host.post({ type: 'editTag', index, tag, newText }),
		move: (from, to, tag) => host.post({ type: 'moveTag', from, to, tag }),
	});
	if (focusAfter !== undefined) {
		chipList.querySelector<HTMLElement>(`.chip[data-index="${focusAfter}"]`)?.focus();
	}
	if (state.tags.length === 0) {
		chipList.append(el('p', { className: 'empty' }, 'No tags yet: type one below.'));
	}
	renderNotes(state);
	renderProblems(problemList, imageProblemList, state, (id) => host.post({ type: 'applyFix', id }));
	problemsHeading.hidden = problemList.hidden;
	imageProblemsHeading.hidden = imageProblemList.hidden;
	if (document.activeElement !== rawLine) {
		rawLine.value = state.firstLine;
	}
	rawLine.disabled = readOnly;
	tagInput.setDisabled(readOnly);
	const trigger = init?.trigger;
	pinButton.hidden = !trigger || readOnly || state.tags[0]?.isTrigger === true;
	renderToolbar(position);
}

function renderFilmstrip(neighbours: readonly NeighbourState[]): void {
	filmstrip.hidden = neighbours.length === 0;
	filmstrip.replaceChildren(...neighbours.map((n) => {
		const thumb = n.thumbSrc ? el('img', { src: n.thumbSrc, alt: '' }) : el('span', { className: 'thumb-placeholder' }, codicon('file-media'));
		const item = el('button', { className: `thumb${n.current ? ' current' : ''}${n.hasCaption ? '' : ' no-caption'}`, title: `${n.name}${n.hasCaption ? '' : ' (no caption yet)'}` },
			thumb, el('span', { className: 'thumb-index' }, String(n.index + 1)));
		item.setAttribute('aria-label', `${n.name}, image ${n.index + 1}${n.hasCaption ? '' : ', no caption yet'}`);
		if (n.current) {
			item.setAttribute('aria-current', 'true');
		} else {
			item.addEventListener('click', () => host.post({ type: 'navigate', to: n.index }));
		}
		return item;
	}));
}

/** Whether this init's image has been reported painted; each render of the pane has its own number. */
let paintReported = false;
let paneRender = 0;
let initAt = 0;

/** Renders the image pane; the first time it is on screen in its final state, tells the host (the bench times it). */
function showImage(image: CaptionEditorInit['image'], fileName: string): void {
	const render = ++paneRender;
	void renderImagePane(imagePane, image, fileName).then((shown) => {
		// A slow decode of an image stepped away from is not this caption's paint.
		if (shown && !paintReported && render === paneRender) {
			paintReported = true;
			host.post({ type: 'painted', fileName, ...shown, pageMs: Math.round(performance.now() - initAt) });
		}
	});
}

function showNotice(severity: string, message: string): void {
	notice.replaceChildren(codicon(severity === 'error' ? 'error' : 'info'), el('span', {}, message));
	notice.className = `notice ${severity}`;
	notice.hidden = false;
	window.setTimeout(() => { notice.hidden = true; }, 5000);
}

host.onMessage((message) => {
	switch (message.type) {
		case 'init':
			// Also when the editor steps to another image in place: everything is re-rendered from this message.
			init = message;
			initAt = performance.now();
			position = message.position;
			paintReported = false;
			notice.hidden = true;
			showImage(message.image, message.fileName);
			renderFilmstrip(message.neighbours);
			renderDocument(message.document);
			break;
		case 'document':
			renderDocument(message.document);
			break;
		case 'image':
			showImage(message.image, init?.fileName ?? '');
			break;
		case 'neighbours':
			position = message.position;
			renderFilmstrip(message.neighbours);
			renderToolbar(position);
			break;
		case 'prefetch':
			prefetchImages(message.previewSrcs);
			break;
		case 'suggestions':
			tagInput.showSuggestions(message.requestId, message.items);
			break;
		case 'notice':
			showNotice(message.severity, message.message);
			break;
	}
});

host.post({ type: 'ready' });

// Ctrl+. (Cmd+. on macOS) on a chip goes to that tag's first quick fix, as it opens the fixes in a text editor.
chipList.addEventListener('keydown', (event) => {
	if (event.key === '.' && (event.ctrlKey || event.metaKey)) {
		const tag = (event.target as HTMLElement).closest<HTMLElement>('.chip')?.querySelector('.chip-label')?.textContent ?? undefined;
		if (focusFixFor(problemList, tag)) {
			event.preventDefault();
			event.stopPropagation();
		}
	}
});
