/**
 * Multi-selection over the filtered list, the way file lists behave: click selects one, Ctrl/Cmd+click
 * toggles, Shift+click or Shift+arrows extend from the anchor. Indexes are positions in the visible list;
 * the selection itself holds image ids so it survives re-filtering.
 */
export class Selection {
	private readonly selected = new Set<number>();
	private anchor: number | undefined;
	public focus: number | undefined;

	public get size(): number {
		return this.selected.size;
	}

	public has(id: number): boolean {
		return this.selected.has(id);
	}

	public ids(): number[] {
		return [...this.selected].sort((a, b) => a - b);
	}

	public only(index: number, visible: readonly number[]): void {
		this.selected.clear();
		this.selected.add(visible[index]);
		this.anchor = this.focus = index;
	}

	public toggle(index: number, visible: readonly number[]): void {
		const id = visible[index];
		if (!this.selected.delete(id)) {
			this.selected.add(id);
		}
		this.anchor = this.focus = index;
	}

	/** Selects anchor..index; `add` keeps what was selected before (Ctrl+Shift). */
	public extendTo(index: number, visible: readonly number[], add: boolean): void {
		const anchor = this.anchor ?? index;
		if (!add) {
			this.selected.clear();
		}
		for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
			this.selected.add(visible[i]);
		}
		this.anchor = anchor;
		this.focus = index;
	}

	public moveFocus(index: number): void {
		this.focus = index;
	}

	public all(visible: readonly number[]): void {
		visible.forEach((id) => this.selected.add(id));
	}

	public clear(): void {
		this.selected.clear();
	}

	public set(ids: readonly number[]): void {
		this.selected.clear();
		ids.forEach((id) => this.selected.add(id));
	}

	/** Drops selected images the filter now hides, so "selected" never means something out of sight. */
	public restrictTo(visible: readonly number[]): void {
		const shown = new Set(visible);
		for (const id of [...this.selected]) {
			if (!shown.has(id)) {
				this.selected.delete(id);
			}
		}
		this.anchor = this.focus = undefined;
	}
}
