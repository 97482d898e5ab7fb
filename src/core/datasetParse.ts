/**
 * The small rules by which sd-scripts reads a DreamBooth-style folder (reference §4), one function each so
 * the odd cases can be tested one by one.
 */
import { captionLineCount, firstLineOf } from './caption';
import { CaptionBytes, CaptionTextFile, captionFromBytes } from './captionFile';

export type SubsetNameResult =
	| { kind: 'subset'; repeats: number; classTokens: string }
	/** `int()` failed: sd-scripts warns "ignore directory without repeats" and skips it. */
	| { kind: 'no-repeats' }
	/** The number is below 1: sd-scripts skips it without a word. */
	| { kind: 'zero-repeats'; repeats: number };

/** Value of one Unicode decimal digit (Python's int() accepts any Nd digit, not only 0-9). */
function digitValue(char: string): number {
	const code = char.codePointAt(0)!;
	let start = code;
	// Nd digits come in complete runs of ten; walk back to the run's start to learn this digit's place.
	while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) {
		start--;
	}
	return (code - start) % 10;
}

/** Python `int(text)` for a str: optional surrounding whitespace and sign, Unicode digits. NaN when it raises. */
export function pythonInt(text: string): number {
	const match = /^\s*([+-]?)(\p{Nd}+)\s*$/u.exec(text);
	if (!match) {
		return NaN;
	}
	let value = 0;
	for (const char of match[2]) {
		value = value * 10 + digitValue(char);
	}
	return match[1] === '-' ? -value : value;
}

/** `extract_dreambooth_params`: split on `_`, first token is the repeat count, the rest re-joined are the class tokens. */
export function parseSubsetName(name: string): SubsetNameResult {
	const tokens = name.split('_');
	const repeats = pythonInt(tokens[0]);
	if (Number.isNaN(repeats)) {
		return { kind: 'no-repeats' };
	}
	if (repeats < 1) {
		return { kind: 'zero-repeats', repeats };
	}
	return { kind: 'subset', repeats, classTokens: tokens.slice(1).join('_') };
}

/** sd-scripts' IMAGE_EXTENSIONS (without the optional avif/jxl plugins), lower-case. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.bmp'];
/** Pictures sd-scripts never reads (GIF, animated or not, TIFF, HEIC): a subset holding one is told it is not trained. */
export const NOT_TRAINED_IMAGE_EXTENSIONS: readonly string[] = ['.gif', '.tif', '.tiff', '.heic', '.heif'];
/** Found only when the user's Python has the plugin; we warn rather than count them. */
export const PLUGIN_IMAGE_EXTENSIONS: readonly string[] = ['.avif', '.jxl'];

export type ImageNameResult = 'image' | 'case-ignored' | 'plugin' | 'other';

/**
 * How sd-scripts' `glob_images` sees a file name. It globs `*.png` and `*.PNG` (etc.): on Linux and macOS
 * the match is case-sensitive, so `a.Jpg` is missed; on Windows any case matches. `*` skips dot-files.
 */
export function classifyImageName(name: string, platform: NodeJS.Platform = process.platform): ImageNameResult {
	const dot = name.lastIndexOf('.');
	if (dot <= 0) {
		return 'other';
	}
	const extension = name.slice(dot);
	const lower = extension.toLowerCase();
	if (IMAGE_EXTENSIONS.includes(lower)) {
		if (name.startsWith('.')) {
			return 'other';
		}
		if (platform === 'win32' || extension === lower || extension === lower.toUpperCase()) {
			return 'image';
		}
		return 'case-ignored';
	}
	return PLUGIN_IMAGE_EXTENSIONS.includes(lower) ? 'plugin' : 'other';
}

/** The caption sd-scripts reads first for an image (path or bare name): `<path minus extension><ext>`. */
export function captionPathOf(imagePath: string, captionExtension: string): string {
	return withoutExtension(imagePath) + captionExtension;
}

function withoutExtension(path: string): string {
	// os.path.splitext: the last dot of the last component, unless that component only has leading dots.
	const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
	const dot = path.lastIndexOf('.');
	if (dot <= slash + 1) {
		return path;
	}
	const base = path.slice(slash + 1, dot);
	return /^\.*$/.test(base) ? path : path.slice(0, dot);
}

/**
 * `read_caption`'s candidates in order: `<path minus extension><ext>`, then the legacy face-crop name (the
 * full path split on `_`; with five or more pieces the last four are dropped).
 */
export function captionCandidates(imagePath: string, captionExtension: string): string[] {
	const base = withoutExtension(imagePath);
	const tokens = base.split('_');
	const faceCropBase = tokens.length >= 5 ? tokens.slice(0, -4).join('_') : base;
	return [captionPathOf(imagePath, captionExtension), faceCropBase + captionExtension];
}

export type CaptionRead =
	| { kind: 'ok'; caption: string; lineCount: number }
	/** Zero bytes: sd-scripts aborts with "caption file is empty". */
	| { kind: 'empty' }
	/** Not UTF-8: sd-scripts logs "illegal char in file (not UTF-8)" and raises. */
	| { kind: 'not-utf8' };

/**
 * The caption text sd-scripts trains on: first line, stripped. A file holding only a line break is not
 * "empty" to sd-scripts (readlines gives one line) and trains on an empty caption.
 */
export function readCaptionBytes(bytes: Uint8Array): CaptionRead {
	return captionReadOf(captionFromBytes('', bytes));
}

/** The same for a caption file read through `./captionFile` (the scan reads each one once). */
export function captionReadOf(file: CaptionBytes | Extract<CaptionTextFile, { kind: 'text' }>): CaptionRead {
	// Zero bytes; a text file holds none exactly when it decodes to nothing without a byte order mark.
	if (file.kind === 'text' ? file.text.length === 0 && !file.hasBom : file.bytes.length === 0) {
		return { kind: 'empty' };
	}
	if (file.kind === 'not-utf8') {
		return { kind: 'not-utf8' };
	}
	// Python's utf-8 codec keeps a BOM; the shared caption parser drops it, which is what a user means.
	return { kind: 'ok', caption: firstLineOf(file.text).trim(), lineCount: captionLineCount(file.text) };
}

/** Files the trainer or other tools leave in image folders that are neither images nor captions to show. */
export function isTrainerSideFile(name: string): boolean {
	return name === 'metadata_cache.json' || /_\d{4}x\d{4}_sd\.npz$/.test(name) || name.endsWith('.npz');
}

/**
 * Python's default str sort: by code point (JS sorts by UTF-16 units, which differs above U+FFFF). At the first
 * differing unit, surrogates (U+D800-DFFF, the halves of a code point above U+FFFF) are moved above U+E000-FFFF, as
 * ICU's u_strCmpCodePointOrder does: the common prefix ends on whole code points or on the same lead surrogate, so
 * this compares code points without walking the strings by code point (the scan sorts 20,000 names with it).
 */
export function compareCodePoints(a: string, b: string): number {
	const length = Math.min(a.length, b.length);
	for (let i = 0; i < length; i++) {
		let x = a.charCodeAt(i);
		let y = b.charCodeAt(i);
		if (x !== y) {
			if (x >= 0xd800 && y >= 0xd800) {
				x += x >= 0xe000 ? -0x800 : 0x2000;
				y += y >= 0xe000 ? -0x800 : 0x2000;
			}
			return x - y;
		}
	}
	return a.length - b.length;
}
