import * as vscode from 'vscode';
import { AddPosition, BulkOperation, compileUserRegex, spellingsOf, validateOperation } from '../core/bulkEdit';
import { normalizeTag } from '../core/caption';
import type { TagTable } from '../core/tagStats';
import type { TagSuggestion } from '../core/protocol/captionEditor';
import { countOf } from '../core/plural';

/** The bulk commands and the questions each asks; `tag` is prefilled from a Tags view item. */
export type BulkCommandKind = 'addTag' | 'removeTag' | 'renameTag' | 'replaceInTags' | 'moveTagToFront' | 'dedupeTags' | 'normalizeTags' | 'sortTagsByFrequency';

/** What the questions offer: the tags of the images the edit applies to (their counts follow that scope). */
export interface BulkPromptContext {
	table: TagTable;
	/** The first lines of the scope's captions, for the spellings of a tag. */
	captions: readonly string[];
	/** The caption editor's suggestions (dataset tags, then the configured vocabulary) for typed text. */
	suggest(typed: string): TagSuggestion[];
	/** "in 6 selected images", "in all images": said beside the counts. */
	scopeLabel: string;
	/** "in 2 of 3 filtered images": how many images of the scope have the tag. */
	scopeShare(tag: string): string;
}

/**
 * Every question of a bulk edit stays open when the focus moves, as VS Code's multi-step inputs do: between two
 * questions VS Code hands the focus back to the active editor, and a webview there (the gallery that chose the images)
 * could take it after the next question had opened, which closed that question and ended the command unasked.
 */
export const STEP = { ignoreFocusOut: true } as const satisfies vscode.QuickPickOptions;

async function pickTag(context: BulkPromptContext, placeHolder: string, preset?: string): Promise<string | undefined> {
	if (preset) {
		return preset;
	}
	const items = context.table.rows.map((row) => ({ label: row.label, description: countOf(row.count, 'image') }));
	const picked = await vscode.window.showQuickPick(items, { ...STEP, placeHolder: `${placeHolder} (counts ${context.scopeLabel})`, matchOnDescription: false });
	return picked?.label;
}

/**
 * A tag typed with the caption editor's autocomplete: the typed text itself is always the first choice, the
 * dataset's and the vocabulary's tags follow as the user types.
 */
function typeTag(context: BulkPromptContext, options: { title: string; placeholder: string; value?: string; validate: (value: string) => string | undefined }): Promise<string | undefined> {
	return new Promise((resolve) => {
		const input = vscode.window.createQuickPick<vscode.QuickPickItem & { tag: string }>();
		input.title = options.title;
		input.placeholder = options.placeholder;
		input.matchOnDescription = false;
		input.ignoreFocusOut = STEP.ignoreFocusOut;
		const update = () => {
			const typed = input.value;
			const problem = typed.trim() ? options.validate(typed) : undefined;
			const suggestions = context.suggest(typed).filter((s) => s.tag !== typed.trim());
			// The typed text comes first; when it cannot be used, its row says why (and Enter does nothing).
			const own = typed.trim() ? [{ label: typed.trim(), description: problem ?? 'as typed', tag: problem ? '' : typed.trim(), alwaysShow: true }] : [];
			input.items = [...own, ...suggestions.map((s) => ({
				label: s.tag, tag: s.tag, alwaysShow: true,
				description: [s.datasetCount ? context.scopeShare(s.tag) : '', s.postCount ? `${s.postCount.toLocaleString('en-US')} posts` : '', s.alias ? `alias "${s.alias}"` : ''].filter(Boolean).join(' · '),
			}))];
		};
		let result: string | undefined;
		input.onDidChangeValue(update);
		input.onDidAccept(() => {
			const picked = input.selectedItems[0] ? input.selectedItems[0].tag : input.value.trim();
			if (picked && !options.validate(picked)) {
				result = picked;
				input.hide();
			}
		});
		input.onDidHide(() => {
			input.dispose();
			resolve(result);
		});
		input.value = options.value ?? '';
		update();
		input.show();
	});
}

/**
 * A tag written in several spellings (`long hair`, `long_hair`) in these captions: remove every spelling (they are
 * one tag to the linter) or only the one picked, as when the linter flagged `long_hair` as the odd spelling.
 */
async function removeWhich(context: BulkPromptContext, tag: string): Promise<BulkOperation | undefined> {
	const spellings = spellingsOf(context.captions, tag);
	if (spellings.length < 2) {
		return { kind: 'remove', tag };
	}
	const own = spellings.find((s) => s.spelling === tag.trim());
	const items: Array<vscode.QuickPickItem & { operation: BulkOperation }> = [
		...(own ? [{ label: `Remove only "${own.spelling}"`, description: countOf(own.images, 'image'), detail: `Keeps ${spellings.filter((s) => s !== own).map((s) => `"${s.spelling}"`).join(', ')}`, operation: { kind: 'remove', tag: own.spelling, exact: true } as BulkOperation }] : []),
		{ label: `Remove every spelling of "${tag}"`, description: spellings.map((s) => `${s.spelling} ×${s.images}`).join(', '), operation: { kind: 'remove', tag } },
	];
	return (await vscode.window.showQuickPick(items, { ...STEP, placeHolder: `"${tag}" is written ${countOf(spellings.length, 'way')} ${context.scopeLabel}` }))?.operation;
}

function tagValidator(what: string): (value: string) => string | undefined {
	return (value) => validateOperation({ kind: 'add', tag: value, position: 'end' })?.replace('add', what);
}

export async function askOperation(kind: BulkCommandKind, context: BulkPromptContext, presetTag?: string): Promise<BulkOperation | undefined> {
	switch (kind) {
		case 'addTag': {
			const tag = await typeTag(context, { title: 'Add Tag', placeholder: 'Tag to add (type to see the dataset\'s and the vocabulary\'s tags)', value: presetTag, validate: tagValidator('add') });
			if (!tag) {
				return undefined;
			}
			const positions: Array<{ label: string; position: AddPosition }> = [
				{ label: 'After the trigger word', position: 'afterTrigger' },
				{ label: 'At the start', position: 'start' },
				{ label: 'At the end', position: 'end' },
			];
			const where = await vscode.window.showQuickPick(positions, { ...STEP, placeHolder: `Where to add "${tag}"` });
			return where && { kind: 'add', tag, position: where.position };
		}
		case 'removeTag': {
			const tag = await pickTag(context, 'Tag to remove', presetTag);
			return tag ? removeWhich(context, tag) : undefined;
		}
		case 'moveTagToFront': {
			const tag = await pickTag(context, 'Tag to move to the front', presetTag);
			return tag ? { kind: 'moveToFront', tag } : undefined;
		}
		case 'renameTag': {
			const from = await pickTag(context, 'Tag to rename', presetTag);
			if (!from) {
				return undefined;
			}
			const to = await typeTag(context, {
				title: `Rename "${from}"`, placeholder: 'New name (to remove the tag, use Remove Tag)', value: from,
				validate: (value) => (/[\r\n]/.test(value) ? 'The new name cannot contain a line break.' : normalizeTag(value) === normalizeTag(from) && value.trim() === from ? 'Type a different name.' : undefined),
			});
			return to === undefined ? undefined : { kind: 'rename', from, to };
		}
		case 'replaceInTags': {
			const mode = await vscode.window.showQuickPick([{ label: 'Plain text', regex: false }, { label: 'Regular expression', regex: true }], { ...STEP, placeHolder: 'Find what kind of text inside the tags?' });
			if (!mode) {
				return undefined;
			}
			const find = await vscode.window.showInputBox({
				...STEP, title: 'Replace in Tags', prompt: mode.regex ? 'Regular expression (JavaScript syntax), applied to each tag' : 'Text to find inside each tag',
				validateInput: (value) => {
					if (!value) {
						return 'Type what to find.';
					}
					if (!mode.regex) {
						return undefined;
					}
					const compiled = compileUserRegex(value);
					return compiled.ok ? undefined : compiled.message;
				},
			});
			if (!find) {
				return undefined;
			}
			const replacement = await vscode.window.showInputBox({ ...STEP, title: 'Replace in Tags', prompt: mode.regex ? 'Replacement ($1 for the first group; empty removes the match)' : 'Replacement (empty removes the text)', value: '' });
			return replacement === undefined ? undefined : { kind: 'replace', find, replacement, regex: mode.regex };
		}
		case 'dedupeTags':
			return { kind: 'dedupe' };
		case 'normalizeTags': {
			const to = await vscode.window.showQuickPick([
				{ label: 'Underscores to spaces', detail: 'blonde_hair becomes blonde hair; short kaomoji such as ^_^ stay', to: 'spaces' as const },
				{ label: 'Spaces to underscores', detail: 'blonde hair becomes blonde_hair', to: 'underscores' as const },
			], { ...STEP, placeHolder: 'Normalise tags' });
			return to && { kind: 'normalize', to: to.to };
		}
		case 'sortTagsByFrequency':
			return { kind: 'sortByFrequency' };
	}
}
