import './main.css';
import type { HealthHostMessage, HealthImageView, HealthWebviewMessage } from '../../src/core/protocol/health';

const vscode = acquireVsCodeApi();
const post = (message: HealthWebviewMessage) => vscode.postMessage(message);
const root = document.getElementById('root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
	const node = Object.assign(document.createElement(tag), props);
	node.append(...children);
	return node;
}

const ICONS = { error: 'error', warning: 'warning', info: 'info' } as const;

function card(image: HealthImageView): HTMLElement {
	const picture = image.thumbnail ? el('img', { src: image.thumbnail, alt: image.name }) : el('div', { className: 'missing' }, el('span', { className: 'codicon codicon-file-media' }));
	const node = el('button', { className: `card ${image.severity}`, title: image.message }, picture, el('span', { className: 'name' }, image.name), el('span', { className: 'subset' }, image.subset));
	node.addEventListener('click', () => post({ type: 'open', file: image.file }));
	return node;
}

function render(message: Extract<HealthHostMessage, { type: 'init' }>): void {
	const total = message.sections.reduce((n, s) => n + s.groups.reduce((m, g) => m + g.length, 0), 0);
	const recheck = el('button', { className: 'action' }, el('span', { className: 'codicon codicon-refresh' }), ' Check again');
	recheck.addEventListener('click', () => post({ type: 'recheck' }));
	const actions = el('div', { className: 'actions' }, recheck);
	if (message.canCrop) {
		const crop = el('button', { className: 'action primary' }, el('span', { className: 'codicon codicon-screen-full' }), ' Crop wrong-size images');
		crop.addEventListener('click', () => post({ type: 'cropWrongSize' }));
		actions.prepend(crop);
	}
	const header = el('header', {},
		el('h1', {}, `Dataset Health: ${message.folderName}`),
		el('p', { className: 'summary' }, total === 0 ? `${message.imageCount} images checked: no problems.` : `${message.imageCount} images checked: ${total} problems in ${message.sections.length} groups.`),
		actions,
		...message.notes.map((n) => el('p', { className: 'note' }, el('span', { className: 'codicon codicon-info' }), ` ${n}`)),
	);
	const sections = message.sections.map((section) => {
		const count = section.groups.reduce((n, g) => n + g.length, 0);
		const grouped = section.groups.length > 1 || section.code === 'near-duplicate' || section.code === 'same-shoot';
		const body = grouped
			? section.groups.map((g, i) => el('div', { className: 'group' }, el('div', { className: 'group-label' }, `Group ${i + 1}`), el('div', { className: 'cards' }, ...g.map(card))))
			: [el('div', { className: 'cards' }, ...section.groups[0].map(card))];
		const first = section.groups[0]?.[0];
		return el('section', { className: section.severity },
			el('h2', {}, el('span', { className: `codicon codicon-${ICONS[section.severity]}` }), ` ${section.title} `, el('span', { className: 'count' }, String(count))),
			first ? el('p', { className: 'example' }, first.message) : '',
			...body,
		);
	});
	root.replaceChildren(header, ...sections);
}

window.addEventListener('message', (event: MessageEvent<HealthHostMessage>) => {
	const message = event.data;
	if (message.type === 'init') {
		render(message);
	} else if (message.type === 'busy') {
		root.prepend(el('p', { className: 'note' }, message.text));
	}
});

post({ type: 'ready' });
