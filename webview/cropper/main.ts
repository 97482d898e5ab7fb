import './main.css';
import type { CropBoxView, CropItemView, CropperHostMessage, CropperWebviewMessage, QuarterTurn } from '../../src/core/protocol/cropper';
import { el } from '../common/dom';
import { messenger } from '../common/vscodeApi';

const host = messenger<CropperWebviewMessage, CropperHostMessage>();
const post = host.post;
const root = document.getElementById('root')!;

let items: CropItemView[] = [];
let target = { width: 512, height: 512 };
let current = 0;
/** Boxes the user moved but has not accepted yet, by item id (source pixels). */
const edits = new Map<string, CropBoxView>();

const title = el('h1');
const counter = el('span', { className: 'counter' });
const stage = el('div', { className: 'stage' });
const picture = el('img', { className: 'picture', alt: '' });
const box = el('div', { className: 'box', tabIndex: -1 });
const status = el('div', { className: 'status' });
const notes = el('ul', { className: 'notes' });
const strip = el('div', { className: 'strip' });
const busy = el('div', { className: 'busy', hidden: true });
for (const corner of ['nw', 'ne', 'sw', 'se']) {
	box.append(el('div', { className: `handle ${corner}` }));
}
stage.append(picture, box, busy);

function button(label: string, key: string, action: () => void, codicon: string): HTMLButtonElement {
	const b = el('button', { title: `${label} (${key})` }, el('span', { className: `codicon codicon-${codicon}` }), ` ${label}`, el('kbd', {}, key));
	b.addEventListener('click', action);
	return b;
}

const toolbar = el('div', { className: 'toolbar' },
	button('Accept', 'Enter', () => accept(), 'check'),
	button('Skip', 'S', () => skip(), 'debug-step-over'),
	button('Rotate', 'R', () => rotate(90), 'refresh'),
	button('Previous', 'PgUp', () => select(current - 1), 'arrow-left'),
	button('Next', 'PgDn', () => select(current + 1), 'arrow-right'),
	button('Accept all proposals', 'Ctrl+Enter', () => acceptAll(), 'check-all'),
);
const help = el('p', { className: 'help' }, 'Drag the box to move it, drag a corner to resize (aspect locked). Arrows move, Shift+arrows move faster, + and - resize.');
root.append(el('header', {}, title, counter), toolbar, el('main', {}, stage, el('aside', {}, status, notes, help)), strip);

function item(): CropItemView | undefined {
	return items[current];
}

function boxOf(view: CropItemView): CropBoxView {
	return edits.get(view.id) ?? view.box;
}

/** Display pixels per source pixel. */
function scale(): number {
	const view = item();
	return view && picture.clientWidth ? picture.clientWidth / view.sourceWidth : 1;
}

function render(): void {
	const view = item();
	counter.textContent = items.length ? `${current + 1} of ${items.length} · ${items.filter((i) => i.status === 'pending').length} to do` : '';
	strip.replaceChildren(...items.map((it, index) => {
		const thumb = el('button', { className: `thumb ${it.status}${index === current ? ' current' : ''}`, title: `${it.name}: ${it.status}` }, el('img', { src: it.preview, alt: it.name }), el('span', {}, it.name));
		thumb.addEventListener('click', () => select(index));
		return thumb;
	}));
	if (!view) {
		return;
	}
	if (picture.getAttribute('src') !== view.preview) {
		picture.src = view.preview;
	}
	status.replaceChildren(el('strong', {}, view.name), el('div', { className: `state ${view.status}` }, view.status === 'pending' ? `Proposal: ${target.width}x${target.height}, ${view.basis === 'face' ? 'centred on the face' : 'centred (no face)'}` : view.result ? `${view.status}: ${view.result}` : view.status));
	notes.replaceChildren(...view.notes.map((n) => el('li', {}, n)));
	placeBox();
}

function placeBox(): void {
	const view = item();
	if (!view) {
		return;
	}
	const s = scale();
	const b = boxOf(view);
	Object.assign(box.style, { left: `${b.x * s}px`, top: `${b.y * s}px`, width: `${b.width * s}px`, height: `${b.height * s}px` });
	box.classList.toggle('done', view.status !== 'pending');
	stage.querySelectorAll('.face').forEach((f) => f.remove());
	for (const face of view.faces) {
		const marker = el('div', { className: 'face' });
		Object.assign(marker.style, { left: `${face.x * s}px`, top: `${face.y * s}px`, width: `${face.width * s}px`, height: `${face.height * s}px` });
		stage.append(marker);
	}
}

/** Keeps the aspect, a minimum size, and the box inside the picture. */
function setBox(next: CropBoxView): void {
	const view = item();
	if (!view || view.status !== 'pending') {
		return;
	}
	const aspect = target.width / target.height;
	let height = Math.max(32, Math.min(next.height, view.sourceHeight, view.sourceWidth / aspect));
	let width = height * aspect;
	if (width > view.sourceWidth) {
		width = view.sourceWidth;
		height = width / aspect;
	}
	const x = Math.min(Math.max(0, next.x), view.sourceWidth - width);
	const y = Math.min(Math.max(0, next.y), view.sourceHeight - height);
	edits.set(view.id, { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) });
	placeBox();
}

function select(index: number): void {
	if (items.length === 0) {
		return;
	}
	current = Math.max(0, Math.min(items.length - 1, index));
	render();
}

function nextPending(): void {
	const after = items.findIndex((it, i) => i > current && it.status === 'pending');
	const any = items.findIndex((it) => it.status === 'pending');
	select(after !== -1 ? after : any !== -1 ? any : current);
}

function accept(): void {
	const view = item();
	if (view?.status === 'pending') {
		post({ type: 'accept', id: view.id, box: boxOf(view) });
	}
}

function skip(): void {
	const view = item();
	if (view?.status === 'pending') {
		post({ type: 'skip', id: view.id });
	}
}

function rotate(by: number): void {
	const view = item();
	if (view?.status === 'pending') {
		edits.delete(view.id);
		post({ type: 'rotate', id: view.id, rotate: (((view.rotate + by) % 360 + 360) % 360) as QuarterTurn });
	}
}

function acceptAll(): void {
	// Boxes the user already adjusted go first, as they are; the rest take their proposals.
	for (const view of items) {
		if (view.status === 'pending' && edits.has(view.id)) {
			post({ type: 'accept', id: view.id, box: edits.get(view.id)! });
		}
	}
	post({ type: 'acceptAll' });
}

// Dragging: the box body moves, a corner resizes around the opposite corner.
let drag: { mode: string; startX: number; startY: number; start: CropBoxView } | undefined;
box.addEventListener('pointerdown', (event) => {
	const view = item();
	if (!view || view.status !== 'pending') {
		return;
	}
	const handle = (event.target as HTMLElement).classList.contains('handle') ? (event.target as HTMLElement).classList[1] : 'move';
	drag = { mode: handle, startX: event.clientX, startY: event.clientY, start: { ...boxOf(view) } };
	box.setPointerCapture(event.pointerId);
	event.preventDefault();
});
box.addEventListener('pointermove', (event) => {
	if (!drag) {
		return;
	}
	const s = scale();
	const dx = (event.clientX - drag.startX) / s;
	const dy = (event.clientY - drag.startY) / s;
	const b = drag.start;
	if (drag.mode === 'move') {
		setBox({ ...b, x: b.x + dx, y: b.y + dy });
		return;
	}
	const aspect = target.width / target.height;
	const growX = drag.mode.includes('e') ? dx : -dx;
	const growY = drag.mode.includes('s') ? dy : -dy;
	const height = Math.max(32, b.height + Math.max(growY, growX / aspect));
	const width = height * aspect;
	const x = drag.mode.includes('w') ? b.x + b.width - width : b.x;
	const y = drag.mode.includes('n') ? b.y + b.height - height : b.y;
	setBox({ x, y, width, height });
});
const endDrag = () => { drag = undefined; };
box.addEventListener('pointerup', endDrag);
box.addEventListener('pointercancel', endDrag);

window.addEventListener('keydown', (event) => {
	const view = item();
	if (!view) {
		return;
	}
	const b = boxOf(view);
	const step = (event.shiftKey ? 0.1 : 0.01) * Math.max(view.sourceWidth, view.sourceHeight);
	const grow = (factor: number) => {
		const height = b.height * factor;
		const width = height * (target.width / target.height);
		setBox({ x: b.x - (width - b.width) / 2, y: b.y - (height - b.height) / 2, width, height });
	};
	const keys: Record<string, () => void> = {
		Enter: () => (event.ctrlKey || event.metaKey ? acceptAll() : accept()),
		s: skip, S: skip, Delete: skip,
		r: () => rotate(90), R: () => rotate(-90),
		PageDown: () => select(current + 1), PageUp: () => select(current - 1),
		n: () => select(current + 1), p: () => select(current - 1),
		ArrowLeft: () => setBox({ ...b, x: b.x - step }), ArrowRight: () => setBox({ ...b, x: b.x + step }),
		ArrowUp: () => setBox({ ...b, y: b.y - step }), ArrowDown: () => setBox({ ...b, y: b.y + step }),
		'+': () => grow(1.05), '=': () => grow(1.05), '-': () => grow(1 / 1.05),
	};
	const action = keys[event.key];
	if (action) {
		event.preventDefault();
		action();
	}
});

picture.addEventListener('load', placeBox);
window.addEventListener('resize', placeBox);

host.onMessage((message) => {
	switch (message.type) {
		case 'init':
			items = message.items;
			target = message.target;
			title.textContent = message.title;
			edits.clear();
			select(0);
			break;
		case 'item': {
			const index = items.findIndex((i) => i.id === message.item.id);
			if (index !== -1) {
				const wasPending = items[index].status === 'pending';
				items[index] = message.item;
				if (message.item.status !== 'pending') {
					edits.delete(message.item.id);
				}
				if (wasPending && message.item.status !== 'pending' && index === current) {
					nextPending();
				} else {
					render();
				}
			}
			break;
		}
		case 'busy':
			busy.hidden = !message.busy;
			busy.textContent = message.text ?? '';
			break;
	}
});

post({ type: 'ready' });
