/**
 * Undo and redo of the caption editor's own edits, per caption. The editor steps from caption to caption in one
 * tab, and VS Code's undo follows the tab's first document only: Ctrl+Z on a caption stepped to comes here instead,
 * so it undoes the edit of the caption on screen (pure: the session applies the texts it gets back).
 */

interface Step {
	before: string;
	after: string;
}

interface Stacks {
	undo: Step[];
	redo: Step[];
}

/** Plenty for tag edits; a caption's history is a few hundred short strings at most. */
const MAX_STEPS = 200;

export type HistoryMove = { text: string } | { refused: string } | undefined;

export class CaptionEditHistory {
	private readonly stacks = new Map<string, Stacks>();

	private of(key: string): Stacks {
		let stacks = this.stacks.get(key);
		if (!stacks) {
			stacks = { undo: [], redo: [] };
			this.stacks.set(key, stacks);
		}
		return stacks;
	}

	/** An edit the editor made: `before` and `after` are the whole caption text. */
	public record(key: string, before: string, after: string): void {
		const stacks = this.of(key);
		stacks.undo.push({ before, after });
		if (stacks.undo.length > MAX_STEPS) {
			stacks.undo.shift();
		}
		stacks.redo = [];
	}

	public canUndo(key: string): boolean {
		return (this.stacks.get(key)?.undo.length ?? 0) > 0;
	}

	/** The text to put back, or why not (the caption changed elsewhere since), or undefined when there is nothing. */
	public undo(key: string, current: string): HistoryMove {
		return this.move(key, current, 'undo');
	}

	public redo(key: string, current: string): HistoryMove {
		return this.move(key, current, 'redo');
	}

	private move(key: string, current: string, direction: 'undo' | 'redo'): HistoryMove {
		const stacks = this.stacks.get(key);
		const from = direction === 'undo' ? stacks?.undo : stacks?.redo;
		const step = from?.at(-1);
		if (!stacks || !from || !step) {
			return undefined;
		}
		const expected = direction === 'undo' ? step.after : step.before;
		if (current !== expected) {
			// Changed in a text editor or on disk since: undoing here would throw that change away.
			stacks.undo = [];
			stacks.redo = [];
			return { refused: `The caption was changed outside the caption editor since; undo that change where it was made (Open as Text).` };
		}
		from.pop();
		(direction === 'undo' ? stacks.redo : stacks.undo).push(step);
		return { text: direction === 'undo' ? step.before : step.after };
	}
}
