import type { CaptionDocumentState, FileNote, PageProblem, ProblemSeverity } from '../../src/core/protocol/captionEditor';
import { button, codicon, el } from '../common/dom';

function icon(severity: ProblemSeverity): HTMLElement {
	return codicon(severity === 'info' ? 'info' : severity);
}

function problemRow(problem: PageProblem, readOnly: boolean, applyFix: (id: string) => void): HTMLElement {
	const about = problem.tags.length > 0 ? el('span', { className: 'problem-tags' }, problem.tags.map((t) => `"${t}"`).join(', ')) : undefined;
	const fixes = readOnly ? [] : problem.fixes.map((fix) => {
		const node = button(fix.title, () => applyFix(fix.id), { icon: 'lightbulb', secondary: true });
		node.className = 'fix';
		node.dataset.fixId = fix.id;
		return node;
	});
	const row = el('li', { className: `problem ${problem.severity}` }, icon(problem.severity),
		el('div', { className: 'problem-body' },
			el('span', { className: 'problem-message' }, about, about ? ': ' : '', problem.message, problem.code ? el('span', { className: 'problem-code' }, ` [${problem.code}]`) : ''),
			fixes.length > 0 ? el('div', { className: 'fixes' }, ...fixes) : undefined));
	row.dataset.tags = JSON.stringify(problem.tags);
	return row;
}

function noteRow(note: FileNote): HTMLElement {
	return el('li', { className: `problem ${note.severity}` }, icon(note.severity), el('span', { className: 'problem-message' }, note.message));
}

/**
 * The lint problems written out with their quick fixes (the chips' tooltips say the same in brief), and the
 * image's own problems from the last check, so both are read on the page rather than hovered for.
 */
export function renderProblems(captionList: HTMLElement, imageList: HTMLElement, state: CaptionDocumentState, applyFix: (id: string) => void): void {
	const readOnly = state.readOnlyReason !== undefined;
	captionList.replaceChildren(...state.problems.map((p) => problemRow(p, readOnly, applyFix)));
	captionList.hidden = state.problems.length === 0;
	imageList.replaceChildren(...state.imageProblems.map(noteRow));
	imageList.hidden = state.imageProblems.length === 0;
}

/** Ctrl+. on a chip: the focus goes to the first fix for that tag (as Ctrl+. opens the fixes in a text editor). */
export function focusFixFor(captionList: HTMLElement, tag: string | undefined): boolean {
	const rows = [...captionList.querySelectorAll<HTMLElement>('li.problem')];
	const row = rows.find((r) => tag !== undefined && (JSON.parse(r.dataset.tags ?? '[]') as string[]).includes(tag) && r.querySelector('.fix'))
		?? rows.find((r) => r.querySelector('.fix'));
	const fix = row?.querySelector<HTMLElement>('.fix');
	fix?.focus();
	return fix !== undefined && fix !== null;
}
