import type { EditorTag } from '../../src/core/protocol/captionEditor';
import { codicon, el } from '../common/dom';

export interface ChipActions {
	remove(index: number, tag: string): void;
	edit(index: number, tag: string, newText: string): void;
	move(from: number, to: number, tag: string): void;
}

const SEVERITY_ICON = { error: 'error', warning: 'warning', info: 'info' } as const;

function worstSeverity(tag: EditorTag): 'error' | 'warning' | 'info' | undefined {
	const order = ['error', 'warning', 'info'] as const;
	return order.find((s) => tag.problems.some((p) => p.severity === s));
}

/**
 * The tags as chips. Keyboard: ←/→ move focus, Alt+←/→ move the tag, Delete/Backspace remove it,
 * Enter or F2 edit it in place (Enter saves, Escape cancels). Mouse: drag a chip onto another to reorder.
 */
export function renderChips(list: HTMLElement, tags: readonly EditorTag[], readOnly: boolean, actions: ChipActions): void {
	const focusedIndex = Number((document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.chip')?.dataset.index ?? -1);
	list.replaceChildren(...tags.map((tag, index) => chip(tag, index, tags.length, readOnly, actions)));
	if (focusedIndex >= 0 && tags.length > 0) {
		list.querySelector<HTMLElement>(`.chip[data-index="${Math.min(focusedIndex, tags.length - 1)}"]`)?.focus();
	}
}

function chip(tag: EditorTag, index: number, count: number, readOnly: boolean, actions: ChipActions): HTMLElement {
	const severity = worstSeverity(tag);
	const label = el('span', { className: 'chip-label' }, tag.text);
	const node = el('div', {
		className: `chip${tag.isTrigger ? ' trigger' : ''}${severity ? ` has-${severity}` : ''}`,
		tabIndex: 0,
		draggable: !readOnly,
		dataset: { index: String(index) },
	});
	node.setAttribute('role', 'listitem');
	const problems = tag.problems.map((p) => `${p.severity}: ${p.message}${p.code ? ` [${p.code}]` : ''}`);
	node.title = [tag.isTrigger ? 'Trigger word' : '', ...problems].filter(Boolean).join('\n') || tag.text;
	node.setAttribute('aria-label', `${tag.text}${tag.isTrigger ? ', trigger word' : ''}${problems.length ? `, ${problems.join('; ')}` : ''}, tag ${index + 1} of ${count}`);
	if (tag.isTrigger) {
		node.append(codicon('pinned'));
	}
	if (severity) {
		node.append(codicon(SEVERITY_ICON[severity]));
	}
	node.append(label);
	if (!readOnly) {
		const remove = el('button', { className: 'chip-remove', title: `Remove "${tag.text}"`, tabIndex: -1 }, codicon('close'));
		remove.setAttribute('aria-label', `Remove ${tag.text}`);
		remove.addEventListener('click', (event) => {
			event.stopPropagation();
			actions.remove(index, tag.text);
		});
		node.append(remove);
		label.addEventListener('dblclick', () => startEditing(node, label, tag, index, actions));
		node.addEventListener('keydown', (event) => onChipKey(event, node, label, tag, index, count, actions));
		node.addEventListener('dragstart', (event) => {
			event.dataTransfer?.setData('application/x-lora-tag', JSON.stringify({ index, tag: tag.text }));
			node.classList.add('dragging');
		});
		node.addEventListener('dragend', () => node.classList.remove('dragging'));
		node.addEventListener('dragover', (event) => {
			if (event.dataTransfer?.types.includes('application/x-lora-tag')) {
				event.preventDefault();
				node.classList.add('drop-target');
			}
		});
		node.addEventListener('dragleave', () => node.classList.remove('drop-target'));
		node.addEventListener('drop', (event) => {
			event.preventDefault();
			node.classList.remove('drop-target');
			const data = event.dataTransfer?.getData('application/x-lora-tag');
			if (data) {
				const dragged = JSON.parse(data) as { index: number; tag: string };
				actions.move(dragged.index, index, dragged.tag);
			}
		});
	} else {
		node.addEventListener('keydown', (event) => focusSibling(event, node));
	}
	return node;
}

function focusSibling(event: KeyboardEvent, node: HTMLElement): boolean {
	if (event.altKey || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight' && event.key !== 'Home' && event.key !== 'End')) {
		return false;
	}
	const chips = [...node.parentElement!.querySelectorAll<HTMLElement>('.chip')];
	const at = chips.indexOf(node);
	const next = event.key === 'Home' ? 0 : event.key === 'End' ? chips.length - 1 : at + (event.key === 'ArrowLeft' ? -1 : 1);
	chips[Math.max(0, Math.min(chips.length - 1, next))]?.focus();
	event.preventDefault();
	return true;
}

function onChipKey(event: KeyboardEvent, node: HTMLElement, label: HTMLElement, tag: EditorTag, index: number, count: number, actions: ChipActions): void {
	if (event.target !== node || focusSibling(event, node)) {
		return;
	}
	if (event.altKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
		const to = index + (event.key === 'ArrowLeft' ? -1 : 1);
		if (to >= 0 && to < count) {
			actions.move(index, to, tag.text);
			// Focus follows the tag once the host's new state arrives.
			node.parentElement!.dataset.focusAfterRender = String(to);
		}
		event.preventDefault();
	} else if (event.key === 'Delete' || event.key === 'Backspace') {
		actions.remove(index, tag.text);
		event.preventDefault();
	} else if (event.key === 'Enter' || event.key === 'F2') {
		startEditing(node, label, tag, index, actions);
		event.preventDefault();
	}
}

function startEditing(node: HTMLElement, label: HTMLElement, tag: EditorTag, index: number, actions: ChipActions): void {
	const input = el('input', { className: 'chip-edit', value: tag.text });
	input.setAttribute('aria-label', `Edit ${tag.text}`);
	input.size = Math.max(4, tag.text.length + 1);
	let done = false;
	const finish = (save: boolean) => {
		if (done) {
			return;
		}
		done = true;
		if (save && input.value.trim() !== tag.text) {
			actions.edit(index, tag.text, input.value);
		} else {
			input.replaceWith(label);
			node.focus();
		}
	};
	input.addEventListener('keydown', (event) => {
		event.stopPropagation();
		if (event.key === 'Enter') {
			finish(true);
		} else if (event.key === 'Escape') {
			finish(false);
		}
	});
	input.addEventListener('blur', () => finish(true));
	label.replaceWith(input);
	input.focus();
	input.select();
}
