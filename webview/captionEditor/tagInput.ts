import type { TagSuggestion } from '../../src/core/protocol/captionEditor';
import { el } from '../common/dom';

export interface TagInput {
	element: HTMLElement;
	showSuggestions(requestId: number, items: readonly TagSuggestion[]): void;
	setDisabled(disabled: boolean): void;
	focus(): void;
}

function formatCount(n: number): string {
	return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

/**
 * The "add a tag" field with autocomplete: dataset tags (with image counts) and vocabulary tags (with post
 * counts) from the host. ↓/↑ choose, Enter or Tab accept, Escape closes the list; Enter with no list adds
 * what was typed (`a, b` adds two tags).
 */
export function createTagInput(add: (tag: string) => void, request: (requestId: number, prefix: string) => void): TagInput {
	const field = document.createElement('vscode-textfield') as HTMLElement & { value: string; disabled: boolean };
	field.setAttribute('placeholder', 'Add a tag…');
	field.setAttribute('aria-label', 'Add a tag');
	field.setAttribute('aria-autocomplete', 'list');
	field.className = 'tag-input';
	const list = el('ul', { className: 'suggestions', hidden: true, id: 'tag-suggestions' });
	list.setAttribute('role', 'listbox');
	field.setAttribute('aria-controls', 'tag-suggestions');
	const wrapper = el('div', { className: 'tag-input-wrapper' }, field, list);
	let items: TagSuggestion[] = [];
	let selected = -1;
	let lastRequest = 0;
	let timer: number | undefined;

	const close = () => {
		list.hidden = true;
		items = [];
		selected = -1;
	};
	const highlight = () => {
		[...list.children].forEach((child, i) => {
			child.classList.toggle('selected', i === selected);
			child.setAttribute('aria-selected', String(i === selected));
		});
		list.children[selected]?.scrollIntoView({ block: 'nearest' });
	};
	const accept = (tag: string) => {
		add(tag);
		field.value = '';
		close();
	};

	field.addEventListener('input', () => {
		window.clearTimeout(timer);
		const prefix = field.value.split(',').pop()!.trim();
		if (!prefix) {
			close();
			return;
		}
		timer = window.setTimeout(() => request(++lastRequest, prefix), 60);
	});
	field.addEventListener('keydown', (event: KeyboardEvent) => {
		if (event.key === 'ArrowDown' && items.length) {
			selected = (selected + 1) % items.length;
			highlight();
			event.preventDefault();
		} else if (event.key === 'ArrowUp' && items.length) {
			selected = (selected - 1 + items.length) % items.length;
			highlight();
			event.preventDefault();
		} else if ((event.key === 'Enter' || event.key === 'Tab') && selected >= 0 && items[selected]) {
			const typed = field.value.split(',');
			typed.pop();
			accept([...typed, items[selected].tag].join(','));
			event.preventDefault();
		} else if (event.key === 'Enter' && field.value.trim()) {
			accept(field.value);
			event.preventDefault();
		} else if (event.key === 'Escape' && !list.hidden) {
			close();
			event.preventDefault();
			event.stopPropagation();
		}
	});
	field.addEventListener('blur', () => window.setTimeout(close, 150));

	return {
		element: wrapper,
		showSuggestions(requestId, next) {
			if (requestId !== lastRequest || !field.value.trim()) {
				return;
			}
			items = [...next];
			selected = items.length ? 0 : -1;
			list.replaceChildren(...items.map((item, i) => {
				const counts = [item.datasetCount ? `${item.datasetCount} img` : '', item.postCount ? `${formatCount(item.postCount)} posts` : ''].filter(Boolean).join(' · ');
				const option = el('li', { className: item.datasetCount ? 'from-dataset' : 'from-vocabulary' },
					el('span', { className: 'suggestion-tag' }, item.tag),
					item.alias ? el('span', { className: 'suggestion-alias' }, `← ${item.alias}`) : undefined,
					el('span', { className: 'suggestion-count' }, counts));
				option.setAttribute('role', 'option');
				option.addEventListener('mousedown', (event) => {
					event.preventDefault();
					selected = i;
					const typed = field.value.split(',');
					typed.pop();
					accept([...typed, item.tag].join(','));
				});
				return option;
			}));
			list.hidden = items.length === 0;
			highlight();
		},
		setDisabled(disabled) {
			field.disabled = disabled;
		},
		focus() {
			field.focus();
		},
	};
}
