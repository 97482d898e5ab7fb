import './main.css';
import type { HealthHostMessage, HealthImageView, HealthSectionView, HealthWebviewMessage } from '../../src/core/protocol/health';
import { el } from '../common/dom';
import { messenger } from '../common/vscodeApi';
import { countOf } from '../../src/core/plural';

const host = messenger<HealthWebviewMessage, HealthHostMessage>();
const post = host.post;
const root = document.getElementById('root')!;

const ICONS = { error: 'error', warning: 'warning', info: 'info' } as const;

/** `group`: the card's near-duplicate / same-shoot group (section code and index), for "Keep this one". */
function card(image: HealthImageView, group?: { code: 'near-duplicate' | 'same-shoot'; index: number }): HTMLElement {
	const picture = image.thumbnail ? el('img', { src: image.thumbnail, alt: image.name }) : el('div', { className: 'missing' }, el('span', { className: 'codicon codicon-file-media' }));
	const node = el('button', { className: `card ${image.severity}`, title: `${image.name} (${image.subset})\n${image.message}` },
		picture,
		el('span', { className: 'name' }, image.name),
		image.measure ? el('span', { className: 'measure' }, image.measure) : '',
		el('span', { className: 'subset' }, image.subset));
	node.addEventListener('click', () => post({ type: 'open', file: image.file }));
	const exclude = el('button', { className: 'icon exclude', title: `Exclude ${image.name} from training: moves it and its caption to excluded/${image.subset}/ (Undo in the notification)` },
		el('span', { className: 'codicon codicon-circle-slash' }), ' Exclude');
	exclude.addEventListener('click', () => post({ type: 'exclude', file: image.file }));
	const actions = el('div', { className: 'card-actions' }, exclude);
	if (group) {
		const keep = el('button', { className: 'icon keep', title: `Keep ${image.name}, exclude the other pictures of this group` }, el('span', { className: 'codicon codicon-pass' }), ' Keep this one');
		keep.addEventListener('click', () => post({ type: 'keepOnly', code: group.code, group: group.index, keep: image.file }));
		actions.append(keep);
	}
	return el('div', { className: 'card-box' }, node, actions);
}

/** Sections with more thumbnails than fit beside another section take the whole row. */
const CARDS_IN_A_HALF_ROW = 3;

function section(view: HealthSectionView): HTMLElement {
	const images = view.groups.flat();
	const grouped = view.groups.length > 1 || view.code === 'near-duplicate' || view.code === 'same-shoot';
	const body = grouped
		? el('div', { className: 'groups' }, ...view.groups.map((g, i) => el('div', { className: 'group' }, el('div', { className: 'group-label' }, `Group ${i + 1}`),
			el('div', { className: 'cards' }, ...g.map((image) => card(image, view.code === 'near-duplicate' || view.code === 'same-shoot' ? { code: view.code, index: i } : undefined))))))
		: el('div', { className: 'cards' }, ...images.map((image) => card(image)));
	return el('section', { className: `${view.severity}${images.length > CARDS_IN_A_HALF_ROW ? ' wide' : ''}` },
		el('h2', {}, el('span', { className: `codicon codicon-${ICONS[view.severity]}` }), ` ${view.title} `, el('span', { className: 'count' }, String(images.length))),
		el('p', { className: 'advice' }, view.advice),
		body,
	);
}

function render(message: Extract<HealthHostMessage, { type: 'init' }>): void {
	const images = message.sections.flatMap((s) => s.groups.flat());
	const files = new Set(images.map((i) => i.file)).size;
	const recheck = el('button', { className: 'action' }, el('span', { className: 'codicon codicon-refresh' }), ' Check again');
	recheck.addEventListener('click', () => post({ type: 'recheck' }));
	const actions = el('div', { className: 'actions' }, recheck);
	if (message.canCrop) {
		const crop = el('button', { className: 'action primary' }, el('span', { className: 'codicon codicon-screen-full' }), ' Crop wrong-size images');
		crop.addEventListener('click', () => post({ type: 'cropWrongSize' }));
		actions.prepend(crop);
	}
	const summary = images.length === 0
		? `${countOf(message.imageCount, 'image')} checked: no problems.`
		: `${countOf(message.imageCount, 'image')} checked: ${countOf(images.length, 'problem')} on ${countOf(files, 'image')}, in ${countOf(message.sections.length, 'section')}. Click a picture to open it; hover for the details.`;
	const header = el('header', {},
		el('h1', {}, `Dataset Health: ${message.folderName}`),
		el('p', { className: 'summary' }, summary),
		actions,
		...message.notes.map((n) => el('p', { className: 'note' }, el('span', { className: 'codicon codicon-info' }), ` ${n}`)),
	);
	root.replaceChildren(header, el('div', { className: 'sections' }, ...message.sections.map(section)));
}

host.onMessage((message) => {
	if (message.type === 'init') {
		render(message);
	} else if (message.type === 'busy') {
		root.prepend(el('p', { className: 'note' }, message.text));
	}
});

post({ type: 'ready' });
