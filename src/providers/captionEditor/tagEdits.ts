/**
 * The caption editor's intents as text changes on the first line (pure: no `vscode`, unit-tested).
 * Each change splices only the tags it concerns, so whatever else the line holds (spacing, a trailing
 * comma, an empty piece) stays as the user wrote it: the editor changes what was asked, nothing more.
 */
import { normalizeTag, parseCaption } from '../../core/caption';
import type { CaptionEditorIntent } from '../../core/protocol/captionEditor';

export interface TagEditOptions {
	separator: string;
	trigger?: string;
}

export type TagEditResult = { line: string } | { refused: string };

/** Splits what the user typed into tags: `a, b` adds two. */
export function splitTypedTags(text: string, separator: string): string[] {
	return text.split(separator).map((t) => t.trim()).filter((t) => t.length > 0);
}

function tagsOf(line: string, separator: string) {
	return parseCaption(line, separator).tags;
}

/** Inserts `tag` so it becomes tag number `index` (clamped); the separator style follows the line's. */
export function insertTag(line: string, tag: string, index: number, separator: string): string {
	const tags = tagsOf(line, separator);
	const joiner = `${separator} `;
	if (tags.length === 0) {
		return line.trim().length === 0 ? tag : `${tag}${joiner}${line}`;
	}
	if (index >= tags.length) {
		const last = tags[tags.length - 1];
		return line.slice(0, last.end) + joiner + tag + line.slice(last.end);
	}
	const at = tags[Math.max(0, index)].start;
	return line.slice(0, at) + tag + joiner + line.slice(at);
}

/** Removes tag number `index` with one of its neighbouring separators. */
export function removeTagAt(line: string, index: number, separator: string): string {
	const tags = tagsOf(line, separator);
	const tag = tags[index];
	if (!tag) {
		return line;
	}
	if (index + 1 < tags.length) {
		return line.slice(0, tag.start) + line.slice(tags[index + 1].start);
	}
	if (index > 0) {
		return line.slice(0, tags[index - 1].end) + line.slice(tag.end);
	}
	return (line.slice(0, tag.start) + line.slice(tag.end)).trim();
}

export function replaceTagAt(line: string, index: number, text: string, separator: string): string {
	const tag = tagsOf(line, separator)[index];
	return tag ? line.slice(0, tag.start) + text + line.slice(tag.end) : line;
}

export function moveTag(line: string, from: number, to: number, separator: string): string {
	const tags = tagsOf(line, separator);
	if (from === to || !tags[from]) {
		return line;
	}
	const text = tags[from].text;
	return insertTag(removeTagAt(line, from, separator), text, Math.min(to, tags.length - 1), separator);
}

/**
 * Finds the tag an intent means. The webview names the tag it saw at that position; if the document moved
 * on since (an edit from a text editor), the same tag is looked up by text so a stale click never removes
 * a different tag.
 */
function locate(line: string, index: number, expected: string, separator: string): number | undefined {
	const tags = tagsOf(line, separator);
	if (tags[index]?.text === expected) {
		return index;
	}
	const found = tags.findIndex((t) => t.text === expected);
	return found === -1 ? undefined : found;
}

export function applyTagIntent(line: string, intent: CaptionEditorIntent, options: TagEditOptions): TagEditResult {
	const { separator } = options;
	switch (intent.type) {
		case 'addTag': {
			const existing = new Set(tagsOf(line, separator).map((t) => normalizeTag(t.text)));
			const added = splitTypedTags(intent.tag, separator).filter((t) => {
				const key = normalizeTag(t);
				if (existing.has(key)) {
					return false;
				}
				existing.add(key);
				return true;
			});
			if (added.length === 0) {
				return { refused: intent.tag.trim() ? `"${intent.tag.trim()}" is already in this caption.` : 'Type a tag first.' };
			}
			let next = line;
			let at = intent.index ?? Number.MAX_SAFE_INTEGER;
			for (const tag of added) {
				next = insertTag(next, tag, at, separator);
				at = at === Number.MAX_SAFE_INTEGER ? at : at + 1;
			}
			return { line: next };
		}
		case 'removeTag': {
			const index = locate(line, intent.index, intent.tag, separator);
			return index === undefined ? { refused: `"${intent.tag}" is no longer in this caption.` } : { line: removeTagAt(line, index, separator) };
		}
		case 'editTag': {
			const index = locate(line, intent.index, intent.tag, separator);
			if (index === undefined) {
				return { refused: `"${intent.tag}" is no longer in this caption.` };
			}
			const parts = splitTypedTags(intent.newText, separator);
			if (parts.length === 0) {
				return { line: removeTagAt(line, index, separator) };
			}
			return { line: replaceTagAt(line, index, parts.join(`${separator} `), separator) };
		}
		case 'moveTag': {
			const index = locate(line, intent.from, intent.tag, separator);
			return index === undefined ? { refused: `"${intent.tag}" is no longer in this caption.` } : { line: moveTag(line, index, intent.to, separator) };
		}
		case 'pinTrigger': {
			const trigger = options.trigger;
			if (!trigger) {
				return { refused: 'This training folder has no trigger word yet: set `trigger:` in lora-workbench.yaml.' };
			}
			const index = tagsOf(line, separator).findIndex((t) => normalizeTag(t.text) === normalizeTag(trigger));
			if (index === 0) {
				return { line };
			}
			return { line: index === -1 ? insertTag(line, trigger, 0, separator) : moveTag(line, index, 0, separator) };
		}
		case 'setFirstLine':
			return { line: intent.text };
	}
}
