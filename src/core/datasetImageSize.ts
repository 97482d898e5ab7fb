/**
 * Image width and height as sd-scripts reads them for buckets (the stored size, EXIF orientation not
 * applied), from the file header only, so sizing thousands of images reads a few KB each.
 * Falls back to sharp for anything the header reader does not understand.
 */
import { promises as fs } from 'node:fs';
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
async function jpegSize(handle: fs.FileHandle, head: Buffer, fileSize: number): Promise<ImageSize | undefined> {
	if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) {
		return undefined;
	}
	let offset = 2;
	const segment = Buffer.alloc(9);
	while (offset + 9 <= fileSize) {
		let view: Buffer;
		if (offset + 9 <= head.length) {
			view = head.subarray(offset, offset + 9);
		} else {
			await handle.read(segment, 0, 9, offset);
			view = segment;
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
	return undefined;
}

/** Reads the size from the header; `undefined` when the format is not recognised. Throws on I/O errors. */
export async function readImageSizeFromHeader(path: string): Promise<ImageSize | undefined> {
	const handle = await fs.open(path, 'r');
	try {
		const { size } = await handle.stat();
		const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
		await handle.read(head, 0, head.length, 0);
		return pngSize(head) ?? webpSize(head) ?? bmpSize(head) ?? (await jpegSize(handle, head, size));
	} finally {
		await handle.close();
	}
}

/** Header first, sharp second; throws an Error whose message says what is wrong with the file. */
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
