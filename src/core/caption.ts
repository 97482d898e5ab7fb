/**
 * Caption files as sd-scripts reads them: UTF-8, first line only, tags split on the caption separator
 * (default ","), each tag trimmed. Offsets let editors and the linter point at a tag precisely.
 */

export interface CaptionTag {
	/** The tag as written, trimmed. */
	text: string;
	/** Offset of the first character of the trimmed tag within the first line. */
	start: number;
	/** Offset just past the trimmed tag. */
	end: number;
}

export interface ParsedCaption {
	/** The line sd-scripts trains on (without BOM and line ending). */
	firstLine: string;
	/** Non-empty tags of the first line, in order. */
	tags: CaptionTag[];
	/** Number of lines that hold text; sd-scripts ignores all but the first. */
	textLineCount: number;
	/** Empty pieces between separators (`a,,b` or a trailing comma). */
	emptyTagOffsets: number[];
}

/** Decoding lives with the rest of caption file handling (`./captionFile`); kept here for existing importers. */
export { decodeCaption } from './captionFile';
export type { DecodedCaption } from './captionFile';

const BOM = '\uFEFF';

/** Where the first line ends (its first \r or \n), or -1: two native scans, faster than a regular expression's search. */
function lineEndOf(text: string): number {
	const newline = text.indexOf('\n');
	const carriageReturn = text.indexOf('\r');
	return newline === -1 ? carriageReturn : carriageReturn === -1 || newline < carriageReturn ? newline : carriageReturn;
}

/** Global, so that a search can start at lastIndex without a copy of the rest of the text. */
const NON_SPACE_FROM = /\S/g;
const NON_SPACE = /\S/;

export function firstLineOf(text: string): string {
	const withoutBom = text.startsWith(BOM) ? text.slice(1) : text;
	const lineEnd = lineEndOf(withoutBom);
	return lineEnd === -1 ? withoutBom : withoutBom.slice(0, lineEnd);
}

export function parseCaption(text: string, separator = ','): ParsedCaption {
	const firstLine = firstLineOf(text);
	const firstLineHasText = NON_SPACE.test(firstLine);
	const tags: CaptionTag[] = [];
	const emptyTagOffsets: number[] = [];
	for (let pieceStart = 0; pieceStart !== -1;) {
		const next = trimmedPiece(firstLine, separator, pieceStart);
		const { start, end } = piece;
		if (start < end) {
			tags.push({ text: firstLine.slice(start, end), start, end });
		} else if (next !== -1 || (pieceStart > 0 && firstLineHasText)) {
			// An empty piece between separators, or after the last one unless the whole line is blank.
			emptyTagOffsets.push(pieceStart);
		}
		pieceStart = next;
	}
	return { firstLine, tags, textLineCount: captionLineCount(text), emptyTagOffsets };
}

/**
 * The lines of a caption file's text that hold more than whitespace (sd-scripts trains on the first): nearly every
 * caption is one line of tags with a line break or none, answered by two searches without splitting the text.
 */
export function captionLineCount(text: string): number {
	const firstText = text.search(NON_SPACE);
	if (firstText === -1) {
		return 0;
	}
	const lineEnd = lineEndOf(text);
	if (lineEnd === -1) {
		return 1;
	}
	if (firstText < lineEnd) {
		NON_SPACE_FROM.lastIndex = lineEnd;
		if (!NON_SPACE_FROM.test(text)) {
			return 1;
		}
	}
	return countTextLines(text);
}

/** Lines that hold more than whitespace, without splitting. */
function countTextLines(text: string): number {
	let count = 0;
	let hasText = false;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 10 || code === 13) {
			count += hasText ? 1 : 0;
			hasText = false;
		} else if (!hasText && !isTrimmedSpace(code)) {
			hasText = true;
		}
	}
	return count + (hasText ? 1 : 0);
}

/**
 * Tag texts of a caption, in order: the texts of parseCaption's tags (each piece of the first line trimmed, empty
 * ones left out), without its offsets, line count and tag objects, which the tag table, Coverage and the tag
 * index never read and which were a large share of the host's garbage at 20,000 captions.
 */
export function captionTags(text: string, separator = ','): string[] {
	const tags: string[] = [];
	const line = firstLineOf(text);
	for (let from = 0; from !== -1;) {
		from = trimmedPiece(line, separator, from);
		if (piece.start < piece.end) {
			tags.push(line.slice(piece.start, piece.end));
		}
	}
	return tags;
}

/** captionTags(text, separator).length without building the tags (the scan counts every caption's tags). */
export function countCaptionTags(text: string, separator = ','): number {
	const line = firstLineOf(text);
	let count = 0;
	for (let from = 0; from !== -1;) {
		from = trimmedPiece(line, separator, from);
		if (piece.start < piece.end) {
			count++;
		}
	}
	return count;
}

/**
 * The first of parseCaption(text).tags that overlaps the offsets [start, end) of the first line, without making the
 * others: the Tags view looks up the tag under each problem of 20,000 captions (issue 22).
 */
export function tagAt(text: string, start: number, end: number, separator = ','): CaptionTag | undefined {
	const line = firstLineOf(text);
	for (let from = 0; from !== -1;) {
		from = trimmedPiece(line, separator, from);
		const tagStart = piece.start;
		const tagEnd = piece.end;
		if (tagStart < tagEnd && tagStart < end && tagEnd > start) {
			return { text: line.slice(tagStart, tagEnd), start: tagStart, end: tagEnd };
		}
		if (tagStart >= end) {
			return undefined;
		}
	}
	return undefined;
}

/** The trimmed offsets of the piece trimmedPiece last found (start === end: only whitespace). */
const piece = { start: 0, end: 0 };

/**
 * The piece of a line that begins at `pieceStart` and runs to the next separator, trimmed as trim() would, into
 * `piece`; returns where the next piece begins, or -1 after the last. With indexOf and no strings made: split() and
 * trim() made two strings per tag for every caption of a 20,000-caption folder (issue 22). A loop over this, not a
 * callback per piece: the callback, a different closure from each caller, was never inlined and took most of a parse.
 */
function trimmedPiece(line: string, separator: string, pieceStart: number): number {
	const found = separator ? line.indexOf(separator, pieceStart) : -1;
	const pieceEnd = found === -1 ? line.length : found;
	let start = pieceStart;
	while (start < pieceEnd && isTrimmedSpace(line.charCodeAt(start))) {
		start++;
	}
	let end = pieceEnd;
	while (end > start && isTrimmedSpace(line.charCodeAt(end - 1))) {
		end--;
	}
	piece.start = start;
	piece.end = end;
	return found === -1 ? -1 : found + separator.length;
}

/** Exactly the characters String.prototype.trim() removes (ECMAScript WhiteSpace and LineTerminator). */
function isTrimmedSpace(code: number): boolean {
	return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code > 0x7f && (code === 0xa0 || code === 0x1680
		|| (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f
		|| code === 0x3000 || code === 0xfeff));
}

/** Joins tags the way the WD14 tagger and most tools write them: separator plus one space. */
export function formatCaption(tags: readonly string[], separator = ','): string {
	return tags.map((tag) => tag.trim()).filter((tag) => tag.length > 0).join(`${separator} `);
}

/**
 * Replaces the first line's tags and keeps everything else of the file as it was (BOM, line ending,
 * any further lines), so an edit changes only what the user asked to change.
 */
export function replaceCaptionTags(text: string, tags: readonly string[], separator = ','): string {
	const hasBom = text.startsWith(BOM);
	const body = hasBom ? text.slice(1) : text;
	const match = /\r\n|\r|\n/.exec(body);
	const rest = match ? body.slice(match.index) : '';
	return (hasBom ? BOM : '') + formatCaption(tags, separator) + rest;
}

/**
 * The identity of a tag for comparisons: case, underscores versus spaces, surrounding weights
 * `(tag:1.2)`, emphasis brackets and escaped parentheses do not make two tags different.
 */
export function normalizeTag(tag: string): string {
	let value = tag.trim();
	const weighted = /^\((.*):\s*[-+]?\d*\.?\d+\s*\)$/.exec(value);
	if (weighted) {
		value = weighted[1];
	}
	while (/^\((.*)\)$/.test(value) || /^\[(.*)\]$/.test(value)) {
		value = value.slice(1, -1);
	}
	return value
		.replace(/\\([()[\]])/g, '$1')
		.replace(/_/g, ' ')
		.replace(/\s+/g, ' ')
		.trim()
		.toLowerCase();
}
