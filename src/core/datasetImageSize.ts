/**
 * Image width and height as sd-scripts reads them for buckets (the stored size, EXIF orientation not
 * applied), from the file header only, so sizing thousands of images reads a few KB each.
 * Falls back to sharp for anything the header reader does not understand.
 */
import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import { requireSharp } from './nativeModules';

export type ImageSize = readonly [number, number];

const HEAD_BYTES = 64 * 1024;

function pngSize(b: Buffer): ImageSize | undefined {
	if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
		return [b.readUInt32BE(16), b.readUInt32BE(20)];
	}
	return undefined;
}

function bmpSize(b: Buffer): ImageSize | undefined {
	if (b.length >= 26 && b.toString('latin1', 0, 2) === 'BM') {
		const headerSize = b.readUInt32LE(14);
		if (headerSize === 12) {
			return [b.readUInt16LE(18), b.readUInt16LE(20)];
		}
		return [Math.abs(b.readInt32LE(18)), Math.abs(b.readInt32LE(22))];
	}
	return undefined;
}

function webpSize(b: Buffer): ImageSize | undefined {
	if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') {
		return undefined;
	}
	const chunk = b.toString('latin1', 12, 16);
	if (chunk === 'VP8 ') {
		return [b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff];
	}
	if (chunk === 'VP8L') {
		const bits = b.readUInt32LE(21);
		return [(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1];
	}
	if (chunk === 'VP8X') {
		return [b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1];
	}
	return undefined;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks JPEG segments, reading further into the file when a big EXIF block pushes SOF past the head. */
/**
 * Walks the JPEG segments to the frame header. `head` holds the file's first bytes; a segment past it is read
 * with `readAt` (a big EXIF block can push the frame header past the head), which returns the bytes it got.
 */
function jpegSize(head: Buffer, readAt: (into: Buffer, offset: number) => number): ImageSize | undefined {
	if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) {
		return undefined;
	}
	let offset = 2;
	const segment = Buffer.alloc(9);
	for (;;) {
		let view: Buffer;
		if (offset + 9 <= head.length) {
			view = head.subarray(offset, offset + 9);
		} else if (readAt(segment, offset) === 9) {
			view = segment;
		} else {
			return undefined;
		}
		if (view[0] !== 0xff) {
			return undefined;
		}
		const marker = view[1];
		if (marker === 0xff) {
			offset += 1;
			continue;
		}
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			offset += 2;
			continue;
		}
		if (SOF_MARKERS.has(marker)) {
			return [view.readUInt16BE(7), view.readUInt16BE(5)];
		}
		if (marker === 0xd9 || marker === 0xda) {
			return undefined;
		}
		offset += 2 + view.readUInt16BE(2);
	}
}

function sizeFromHead(head: Buffer, readAt: (into: Buffer, offset: number) => number): ImageSize | undefined {
	return pngSize(head) ?? webpSize(head) ?? bmpSize(head) ?? jpegSize(head, readAt);
}

export async function readImageSizeFromHeader(path: string): Promise<ImageSize | undefined> {
	const handle = await fs.open(path, 'r');
	try {
		const { size } = await handle.stat();
		const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
		await handle.read(head, 0, head.length, 0);
		// Past the 64 KiB head (rare: a huge EXIF block) the segment headers are read in place.
		return sizeFromHead(head, (into, offset) => readSync(handle.fd, into, 0, into.length, offset));
	} finally {
		await handle.close();
	}
}

/** What the scan reads of each image: enough for the size of all but JPEGs with a large EXIF block first. */
export const IMAGE_HEAD_BYTES = 4096;
const syncHead = Buffer.alloc(IMAGE_HEAD_BYTES);

/**
 * The same, synchronously, from the first 4 KiB (open, read, close): for the scan, which reads every image's
 * header in batches with a yield between (fs.promises costs four thread-pool round trips and a zeroed 64 KiB
 * buffer per image; issue 22). Throws what the file system throws.
 */
export function readImageSizeFromHeaderSync(path: string): ImageSize | undefined {
	const fd = openSync(path, 'r');
	try {
		const head = syncHead.subarray(0, readSync(fd, syncHead, 0, IMAGE_HEAD_BYTES, 0));
		return sizeFromHead(head, (into, offset) => readSync(fd, into, 0, into.length, offset));
	} finally {
		closeSync(fd);
	}
}

/** The size in an image's first bytes as read elsewhere (a helper thread), or undefined when they do not hold it. */
export function sizeFromHeadBytes(head: Uint8Array): ImageSize | undefined {
	return sizeFromHead(Buffer.from(head.buffer, head.byteOffset, head.byteLength), () => 0);
}

export async function readImageSize(path: string): Promise<ImageSize> {
	const fromHeader = await readImageSizeFromHeader(path);
	if (fromHeader && fromHeader[0] > 0 && fromHeader[1] > 0) {
		return fromHeader;
	}
	let sharp: ReturnType<typeof requireSharp>;
	try {
		sharp = requireSharp();
	} catch (err) {
		// Starts with the path, so the dataset's problem list shows it as is (dataset.ts readImageSizes).
		throw new Error(`${path}: its size is not in its header, and ${err instanceof Error ? err.message : String(err)}`, { cause: err });
	}
	try {
		const meta = await sharp(path).metadata();
		if (meta.width && meta.height) {
			return [meta.width, meta.height];
		}
	} catch {
		// reported below with the path
	}
	throw new Error(`${path} is not an image that can be read (damaged or not really a PNG/JPEG/WebP/BMP); replace or remove it.`);
}
