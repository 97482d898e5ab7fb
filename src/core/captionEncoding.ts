/**
 * Names what a caption file's bytes are when they are not UTF-8, so a message can say "UTF-16" rather than
 * only "not UTF-8": Windows tools (Notepad's "Unicode", PowerShell's `>`) write UTF-16 with a byte order mark,
 * and the fix differs from a Latin-1 file's (the whole file is re-encoded, not one character).
 */

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

/** Whether the bytes start with a UTF-16 byte order mark. */
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
