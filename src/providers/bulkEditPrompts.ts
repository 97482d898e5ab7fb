import * as vscode from 'vscode';
import { AddPosition, BulkOperation, compileUserRegex, validateOperation } from '../core/bulkEdit';
import { normalizeTag } from '../core/caption';
import type { TagTable } from '../core/tagStats';
import { countOf } from '../core/plural';

/** The bulk commands and the questions each asks; `tag` is prefilled from a Tags view item. */
export type BulkCommandKind = 'addTag' | 'removeTag' | 'renameTag' | 'replaceInTags' | 'moveTagToFront' | 'dedupeTags' | 'normalizeTags' | 'sortTagsByFrequency';

async function pickTag(table: TagTable, placeHolder: string, preset?: string): Promise<string | undefined> {
	if (preset) {
		return preset;
	}
	const items = table.rows.map((row) => ({ label: row.label, description: countOf(row.count, 'image') }));
	const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: false });
	return picked?.label;
}

function tagValidator(what: string): (value: string) => string | undefined {
	return (value) => validateOperation({ kind: 'add', tag: value, position: 'end' })?.replace('add', what);
}

export async function askOperation(kind: BulkCommandKind, table: TagTable, presetTag?: string): Promise<BulkOperation | undefined> {
	switch (kind) {
		case 'addTag': {
			const tag = await vscode.window.showInputBox({ title: 'Add Tag', prompt: 'Tag to add', value: presetTag, validateInput: tagValidator('add') });
			if (!tag) {
				return undefined;
			}
			const positions: Array<{ label: string; position: AddPosition }> = [
				{ label: 'After the trigger word', position: 'afterTrigger' },
				{ label: 'At the start', position: 'start' },
				{ label: 'At the end', position: 'end' },
			];
			const where = await vscode.window.showQuickPick(positions, { placeHolder: `Where to add "${tag}"` });
			return where && { kind: 'add', tag, position: where.position };
		}
		case 'removeTag': {
			const tag = await pickTag(table, 'Tag to remove', presetTag);
			return tag ? { kind: 'remove', tag } : undefined;
		}
		case 'moveTagToFront': {
			const tag = await pickTag(table, 'Tag to move to the front', presetTag);
			return tag ? { kind: 'moveToFront', tag } : undefined;
		}
		case 'renameTag': {
			const from = await pickTag(table, 'Tag to rename', presetTag);
			if (!from) {
				return undefined;
			}
			const to = await vscode.window.showInputBox({
				title: `Rename "${from}"`, prompt: 'New name (empty removes the tag)', value: from,
				validateInput: (value) => (/[\r\n]/.test(value) ? 'The new name cannot contain a line break.' : normalizeTag(value) === normalizeTag(from) && value === from ? 'Type a different name.' : undefined),
			});
			return to === undefined ? undefined : { kind: 'rename', from, to };
		}
		case 'replaceInTags': {
			const mode = await vscode.window.showQuickPick([{ label: 'Plain text', regex: false }, { label: 'Regular expression', regex: true }], { placeHolder: 'Find what kind of text inside the tags?' });
			if (!mode) {
				return undefined;
			}
			const find = await vscode.window.showInputBox({
				title: 'Replace in Tags', prompt: mode.regex ? 'Regular expression (JavaScript syntax), applied to each tag' : 'Text to find inside each tag',
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
			const replacement = await vscode.window.showInputBox({ title: 'Replace in Tags', prompt: mode.regex ? 'Replacement ($1 for the first group; empty removes the match)' : 'Replacement (empty removes the text)', value: '' });
			return replacement === undefined ? undefined : { kind: 'replace', find, replacement, regex: mode.regex };
		}
		case 'dedupeTags':
			return { kind: 'dedupe' };
		case 'normalizeTags': {
			const to = await vscode.window.showQuickPick([
				{ label: 'Underscores to spaces', detail: 'blonde_hair becomes blonde hair; short kaomoji such as ^_^ stay', to: 'spaces' as const },
				{ label: 'Spaces to underscores', detail: 'blonde hair becomes blonde_hair', to: 'underscores' as const },
			], { placeHolder: 'Normalise tags' });
			return to && { kind: 'normalize', to: to.to };
		}
		case 'sortTagsByFrequency':
			return { kind: 'sortByFrequency' };
	}
}
