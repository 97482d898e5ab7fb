/**
 * One caption file on disk, the single place that reads, decodes, writes and re-checks captions (issue 17.5):
 * the tagger, bulk edits, the dataset scan, the linter and the caption editor all come here.
 * - Decoding is strict UTF-8: a byte order mark is reported (`hasBom`) and kept when the file is written back,
 *   and bytes that are not UTF-8 are refused, never turned into U+FFFD: the file comes back as `not-utf8`
 *   with a `problem` that names what it probably is (UTF-16 with a byte order mark, Latin-1), so each caller
 *   can say what to do and leave the file byte for byte as it is.
 * - Writing is atomic (`writeFileAtomic`: a `.lw-<pid>-<8 hex>.tmp` temp beside it, renamed over it), and with
 *   `unchangedFrom` the file must still hold what was read right before the rename, else it is left alone.
 * No `vscode` import: the extension adds open editors on top (WorkspaceEdit), the CLI uses this directly.
 */
import { closeSync, openSync, promises as fs, readFileSync, readSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';

const BOM = '\uFEFF';
// Reused: decode() without `stream` starts afresh every call, and one decoder per file showed in the scan.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type DecodedCaption =
	/** `text` is without the BOM; `hasBom` says whether the file starts with one. */
	| { text: string; hasBom: boolean; invalidUtf8: false }
	/**
	 * Not UTF-8: no text at all (a lossy decode would turn "café" into "caf\uFFFD" and someone would save it);
	 * `hasBom` still says whether the bytes start with a UTF-8 byte order mark.
	 */
	| { text: undefined; hasBom: boolean; invalidUtf8: true };

export function decodeCaption(bytes: Uint8Array): DecodedCaption {
	let text: string;
	try {
		text = STRICT_UTF8.decode(bytes);
	} catch {
		return { text: undefined, hasBom: bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, invalidUtf8: true };
	}
	const hasBom = text.startsWith(BOM);
	return { text: hasBom ? text.slice(1) : text, hasBom, invalidUtf8: false };
}

/** What a caption file holds, read from disk. Never throws. */
export type CaptionFile =
	| {
		kind: 'text';
		path: string;
		/** Decoded, without the BOM. */
		text: string;
		hasBom: boolean;
		bytes: Uint8Array;
	}
	| {
		kind: 'not-utf8';
		path: string;
		bytes: Uint8Array;
		/** What the bytes are instead, for a message: e.g. "UTF-16 (little-endian, with a byte order mark), not UTF-8". */
		problem: string;
		/** UTF-16 with a byte order mark (a Windows tool's "Unicode"): re-encoding the whole file is the fix. */
		utf16: boolean;
		/** Starts with a UTF-8 byte order mark all the same. */
		hasBom: boolean;
	}
	| { kind: 'missing'; path: string; error: NodeJS.ErrnoException }
	| { kind: 'unreadable'; path: string; error: NodeJS.ErrnoException; code: string };

/** A caption file whose bytes were read: decoded, or refused as not UTF-8. */
export type CaptionBytes = Extract<CaptionFile, { kind: 'text' | 'not-utf8' }>;

/** The file's text as it is on disk, BOM included (what `writeCaptionFile` writes back unchanged). */
export function fileTextOf(caption: { text: string; hasBom: boolean }): string {
	return caption.hasBom ? BOM + caption.text : caption.text;
}

/** A caption from bytes already read. */
export function captionFromBytes(path: string, bytes: Uint8Array): CaptionBytes {
	const decoded = decodeCaption(bytes);
	if (decoded.invalidUtf8) {
		return { kind: 'not-utf8', path, bytes, problem: captionEncodingProblem(bytes), utf16: isUtf16Bom(bytes), hasBom: decoded.hasBom };
	}
	return { kind: 'text', path, text: decoded.text, hasBom: decoded.hasBom, bytes };
}

function failed(path: string, err: unknown): CaptionFile {
	const error = err as NodeJS.ErrnoException;
	if (error.code === 'ENOENT') {
		return { kind: 'missing', path, error };
	}
	return { kind: 'unreadable', path, error, code: error.code ?? (err instanceof Error ? err.message : String(err)) };
}

export async function readCaptionFile(path: string): Promise<CaptionFile> {
	try {
		return captionFromBytes(path, await fs.readFile(path));
	} catch (err) {
		return failed(path, err);
	}
}

/**
 * What the scan and the linter keep of a caption read synchronously: its text, without a copy of its bytes.
 * Copying each small file out of the shared read buffer was an ArrayBuffer allocation per caption, which at
 * 20,000 captions showed in the extension host as allocation time and the garbage collections it set off (issue 22).
 */
export type CaptionTextFile = Omit<Extract<CaptionFile, { kind: 'text' }>, 'bytes'> | Exclude<CaptionFile, { kind: 'text' }>;

/**
 * The same, synchronously: for the scan and the linter, which read thousands of small captions in batches
 * with a yield between them (fs.promises.readFile costs four thread-pool round trips per file; issue 22).
 */
export function readCaptionFileSync(path: string, opened?: (fd: number) => void): CaptionTextFile {
	let fd: number;
	try {
		fd = openSync(path, 'r');
	} catch (err) {
		return failed(path, err);
	}
	try {
		// The lint helper's memory takes the file's stat here, before the read (captionMemo.ts).
		opened?.(fd);
		const length = readSync(fd, smallFile, 0, SMALL_FILE_BYTES, 0);
		// Decoded straight from the shared buffer; only bytes that are not UTF-8 are copied, for the message.
		const bytes = length < SMALL_FILE_BYTES ? smallFile.subarray(0, length) : readFileSync(fd);
		const decoded = decodeCaption(bytes);
		return decoded.invalidUtf8
			? captionFromBytes(path, Uint8Array.prototype.slice.call(bytes))
			: { kind: 'text', path, text: decoded.text, hasBom: decoded.hasBom };
	} catch (err) {
		return failed(path, err);
	} finally {
		closeSync(fd);
	}
}

/** One read of this size answers a caption; a file that fills it is read whole (also by captionReadThread.ts). */
export const SMALL_FILE_BYTES = 16 * 1024;
const smallFile = Buffer.alloc(SMALL_FILE_BYTES);

export interface CaptionWriteOptions {
	/**
	 * What the file must still hold (its text with BOM, as `fileTextOf` gives it; undefined: it must not exist)
	 * when the new content is ready beside it; otherwise it is left alone and the write returns the reason.
	 */
	unchangedFrom?: string | undefined;
}

export type CaptionWriteResult = { written: true } | { written: false; reason: string };

/**
 * Writes a caption atomically. Content is written as given: a string keeps whatever BOM and line endings it
 * holds, bytes are written byte for byte (an undo restoring a file that was not UTF-8). Throws when the
 * file cannot be written (the caller names the file); a caption changed meanwhile comes back unwritten.
 */
export async function writeCaptionFile(path: string, content: string | Uint8Array, options: CaptionWriteOptions = {}): Promise<CaptionWriteResult> {
	if (!('unchangedFrom' in options)) {
		await writeFileAtomic(path, content);
		return { written: true };
	}
	let reason: string | undefined;
	// The check runs once the new content is on disk beside the caption, right before it replaces it.
	const unchanged = async (): Promise<boolean> => {
		reason = await changedOnDisk(path, options.unchangedFrom);
		return reason === undefined;
	};
	return await writeFileAtomic(path, content, { beforeRename: unchanged }) ? { written: true } : { written: false, reason: reason ?? 'it changed on disk' };
}

export interface ChangedOnDiskOptions {
	/** Compare without the BOM (VS Code's documents hold the text without it; saving keeps it). */
	ignoreBom?: boolean;
}

/**
 * Why the caption no longer holds `expected` (its text with BOM unless `ignoreBom`; undefined: it did not
 * exist), or undefined when it still does. The reasons complete "<file> was skipped: ...".
 */
export async function changedOnDisk(path: string, expected: string | undefined, options: ChangedOnDiskOptions = {}): Promise<string | undefined> {
	const current = await readCaptionFile(path);
	switch (current.kind) {
		case 'text': {
			const text = options.ignoreBom ? current.text : fileTextOf(current);
			return text === expected ? undefined : 'it was changed on disk after it was read';
		}
		case 'missing':
			return expected === undefined ? undefined : 'it was deleted';
		case 'not-utf8':
			return `it is ${current.problem}; re-save it as UTF-8 to include it`;
		case 'unreadable':
			return `it cannot be read (${permissionOr(current.code)}); check its permissions`;
	}
}

export function permissionOr(code: string): string {
	return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
}

/** Short description for messages, e.g. "UTF-16 (little-endian, with a byte order mark), not UTF-8". */
export function captionEncodingProblem(bytes: Uint8Array): string {
	if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
		return 'UTF-16 (little-endian, with a byte order mark), not UTF-8';
	}
	if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
		return 'UTF-16 (big-endian, with a byte order mark), not UTF-8';
	}
	const bad = firstInvalidUtf8(bytes);
	return bad === undefined
		? 'not UTF-8'
		: `not UTF-8 (byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} at offset ${bad}; probably Latin-1 or Windows-1252)`;
}

/**
 * Whether the bytes start with a UTF-16 byte order mark: Windows tools (Notepad's "Unicode", PowerShell's `>`)
 * write such files, and the fix differs from a Latin-1 file's (the whole file is re-encoded, not one character).
 */
export function isUtf16Bom(bytes: Uint8Array): boolean {
	return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

/** Offset of the first byte that cannot start or continue a UTF-8 sequence there, if any. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
	let i = 0;
	while (i < bytes.length) {
		const b = bytes[i];
		const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
		if (length === 0) {
			return i;
		}
		for (let k = 1; k < length; k++) {
			if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) {
				return i;
			}
		}
		i += length;
	}
	return undefined;
}
