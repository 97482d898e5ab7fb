/**
 * What the caption editor shows about the document: the first line's tags with the linter's problems on
 * them, and notes about the file itself (encoding, line endings, extra lines, empty pieces). Bytes that
 * are not UTF-8 make the editor read-only: saving them back would replace the undecodable bytes.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { normalizeTag, parseCaption } from '../../core/caption';
import { readCaptionFile } from '../../core/captionFile';
import type { CaptionDocumentState, ChipProblem, FileNote, PageProblem, ProblemSeverity } from '../../core/protocol/captionEditor';
import { NEW_CAPTION_SCHEME } from './captionTarget';

/** What only the bytes on disk tell (the TextDocument has already decoded them). */
export interface FileFacts {
	hasBom: boolean;
	invalidUtf8: boolean;
}

export async function readFileFacts(uri: vscode.Uri): Promise<FileFacts | undefined> {
	if (uri.scheme !== 'file') {
		return undefined;
	}
	const file = await readCaptionFile(uri.fsPath);
	return file.kind === 'text' || file.kind === 'not-utf8' ? { hasBom: file.hasBom, invalidUtf8: file.kind === 'not-utf8' } : undefined;
}

function severityOf(diagnostic: vscode.Diagnostic): ProblemSeverity {
	switch (diagnostic.severity) {
		case vscode.DiagnosticSeverity.Error: return 'error';
		case vscode.DiagnosticSeverity.Warning: return 'warning';
		default: return 'info';
	}
}

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
	const code = diagnostic.code;
	return code === undefined ? undefined : typeof code === 'object' ? String(code.value) : String(code);
}

export interface DocumentStateInput {
	document: vscode.TextDocument;
	separator: string;
	trigger?: string;
	facts?: FileFacts;
	/** Diagnostics with source `lora` for this document. */
	diagnostics: readonly vscode.Diagnostic[];
	/** Diagnostics with source `lora` on the image beside the caption. */
	imageDiagnostics?: readonly vscode.Diagnostic[];
}

function noteOf(diagnostic: vscode.Diagnostic): FileNote {
	const code = codeOf(diagnostic);
	return { severity: severityOf(diagnostic), message: code ? `${diagnostic.message} [${code}]` : diagnostic.message };
}

export function buildDocumentState({ document, separator, trigger, facts, diagnostics, imageDiagnostics = [] }: DocumentStateInput): CaptionDocumentState {
	const text = document.getText();
	const parsed = parseCaption(text, separator);
	const triggerKey = trigger ? normalizeTag(trigger) : undefined;
	const name = basename(document.uri.fsPath);
	const tags = parsed.tags.map((tag) => ({
		text: tag.text,
		start: tag.start,
		end: tag.end,
		isTrigger: triggerKey !== undefined && normalizeTag(tag.text) === triggerKey,
		problems: [] as ChipProblem[],
	}));
	const notes: FileNote[] = [];
	// Every problem is also written out on the page, in the order of the diagnostics (the session adds the fixes).
	const problems: PageProblem[] = [];
	for (const diagnostic of diagnostics) {
		const problem: ChipProblem = { severity: severityOf(diagnostic), message: diagnostic.message, code: codeOf(diagnostic) };
		const { start, end } = diagnostic.range;
		const rangeEnd = Math.max(end.line === 0 ? end.character : Infinity, start.character + 1);
		const onTags = start.line === 0 ? tags.filter((t) => t.start < rangeEnd && t.end > start.character) : [];
		// A problem on the whole line (a missing trigger, too many tokens) belongs to the caption, not to a chip.
		const onChips = onTags.length === 1 || (onTags.length > 1 && onTags.length < tags.length);
		if (onChips) {
			onTags.forEach((t) => t.problems.push(problem));
		}
		problems.push({ ...problem, tags: onChips ? onTags.map((t) => t.text) : [], fixes: [] });
	}
	let readOnlyReason: string | undefined;
	if (facts?.invalidUtf8) {
		readOnlyReason = `${name} is not valid UTF-8, and sd-scripts stops with an error on it. The editor will not rewrite it (that would replace the bytes it cannot read): open it as text, use "Reopen with Encoding" to pick its real encoding, then "Save with Encoding" → UTF-8.`;
		notes.unshift({ severity: 'error', message: readOnlyReason });
	}
	if (facts?.hasBom) {
		notes.push({ severity: 'warning', message: `${name} starts with a byte order mark (BOM): sd-scripts reads it as part of the first tag. The editor keeps the file as it is; save it as "UTF-8" (not "UTF-8 with BOM") to drop it.` });
	}
	if (document.eol === vscode.EndOfLine.CRLF && document.lineCount > 1) {
		notes.push({ severity: 'info', message: `${name} uses Windows line endings (CRLF); they are kept.` });
	}
	if (parsed.textLineCount > 1) {
		notes.push({ severity: 'warning', message: `${name} has ${parsed.textLineCount} lines with text: sd-scripts trains on the first line only (unless --enable_wildcard). The tags shown are the first line's.` });
	}
	if (parsed.emptyTagOffsets.length > 0) {
		notes.push({ severity: 'warning', message: `The caption has ${parsed.emptyTagOffsets.length} empty tag${parsed.emptyTagOffsets.length > 1 ? 's' : ''} (two separators in a row, or a trailing separator); the editor leaves them as written. Edit the raw line to remove them.` });
	}
	return {
		firstLine: parsed.firstLine,
		tags,
		notes,
		problems,
		imageProblems: imageDiagnostics.map(noteOf),
		readOnlyReason,
		isDirty: document.isDirty,
		isNew: document.isUntitled || document.uri.scheme === NEW_CAPTION_SCHEME,
	};
}
