/** Small DOM helpers shared by the webviews: elements with properties and children, and codicons. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {}, ...children: Array<Node | string | undefined | false>): HTMLElementTagNameMap[K] {
	const { dataset, ...rest } = props;
	const node = Object.assign(document.createElement(tag), rest);
	if (dataset) {
		Object.assign(node.dataset, dataset);
	}
	node.append(...children.filter((c): c is Node | string => c !== undefined && c !== false));
	return node;
}

/** A codicon (the shell links codicon.css); decorative unless given a label. */
export function codicon(name: string, label?: string): HTMLSpanElement {
	const icon = el('span', { className: `codicon codicon-${name}` });
	if (label) {
		icon.setAttribute('role', 'img');
		icon.setAttribute('aria-label', label);
	} else {
		icon.setAttribute('aria-hidden', 'true');
	}
	return icon;
}

/** A vscode-elements button with an optional codicon; `secondary` for the quieter style. */
export function button(label: string, onClick: () => void, options: { icon?: string; secondary?: boolean; title?: string } = {}): HTMLElement {
	const node = document.createElement('vscode-button');
	if (options.icon) {
		node.setAttribute('icon', options.icon);
	}
	if (options.secondary) {
		node.setAttribute('secondary', '');
	}
	if (options.title) {
		node.title = options.title;
	}
	node.textContent = label;
	node.addEventListener('click', onClick);
	return node;
}
