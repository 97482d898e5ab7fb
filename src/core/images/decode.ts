import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { ImageProblem } from './types';
import { requireSharp } from '../nativeModules';

type SharpFactory = (input?: Buffer | string, options?: SharpOptions) => Sharp;

let sharpModule: SharpFactory | undefined;

/** sharp is native and heavy: loaded on first use, never at module top level. */
export function loadSharp(): SharpFactory {
	if (!sharpModule) {
		sharpModule = requireSharp() as SharpFactory;
	}
	return sharpModule;
}

/** Facts about the file as stored, with width/height after EXIF orientation. */
export interface SourceInfo {
	format: string;
	width: number;
	height: number;
	orientation: number;
	space: string;
	depth: string;
	pages: number;
	hasAlpha: boolean;
	bytes: number;
}

/** 8-bit sRGB pixels (3 channels, row-major), oriented, at analysis scale. */
export interface AnalysisImage {
	data: Buffer;
	width: number;
	height: number;
	/** Analysis pixels per source pixel (<= 1). */
	scale: number;
}

export type DecodeResult =
	| { ok: true; info: SourceInfo; image: AnalysisImage; notes: ImageProblem[]; decodeMs: number }
	| { ok: false; problem: ImageProblem; decodeMs: number };

export interface DecodeOptions {
	maxPixels: number;
	/** The short side is brought down to this (the training scale), never up. */
	analysisShortSide?: number;
	/** ...and the long side is capped at this, for panoramas. */
	analysisMaxLongSide?: number;
}

const HEIF_EXTENSIONS = new Set(['.heic', '.heif', '.hif']);

/**
 * Reads one image for the checks: refuses bombs before decoding, names formats the trainer mishandles,
 * and hands back oriented 8-bit sRGB pixels at training scale (one decode serves every check).
 */
export async function decodeForAnalysis(file: string, options: DecodeOptions): Promise<DecodeResult> {
	const started = performance.now();
	const elapsed = () => performance.now() - started;
	let buffer: Buffer;
	try {
		buffer = await fs.readFile(file);
	} catch (err) {
		return { ok: false, problem: unreadable(file, `it cannot be opened (${errorText(err)})`), decodeMs: elapsed() };
	}
	const sharp = loadSharp();
	let metadata: Metadata;
	try {
		metadata = await sharp(buffer, { limitInputPixels: false }).metadata();
	} catch (err) {
		return { ok: false, problem: looksLikeHeic(file, buffer) ? heicProblem(file) : classifyDecodeError(file, err), decodeMs: elapsed() };
	}
	const info = sourceInfo(metadata, buffer.length);
	if (metadata.format === 'heif' && metadata.compression === 'hevc') {
		return { ok: false, problem: heicProblem(file), decodeMs: elapsed() };
	}
	const pixels = metadata.width * metadata.height;
	if (pixels > options.maxPixels) {
		return {
			ok: false,
			decodeMs: elapsed(),
			problem: {
				file,
				code: 'too-many-pixels',
				severity: 'error',
				message: `${metadata.width}x${metadata.height} (${megapixels(pixels)} MP) is more than the ${megapixels(options.maxPixels)} MP limit, so it was not decoded (it may be a decompression bomb). Downscale it in an image editor, or raise loraWorkbench.images.thresholds.maxPixels if you trust it.`,
				details: { width: metadata.width, height: metadata.height, pixels, limit: options.maxPixels },
			},
		};
	}
	const shortSide = options.analysisShortSide ?? 512;
	const maxLong = options.analysisMaxLongSide ?? 2048;
	const scale = Math.min(1, shortSide / Math.min(info.width, info.height), maxLong / Math.max(info.width, info.height));
	const width = Math.max(1, Math.round(info.width * scale));
	const height = Math.max(1, Math.round(info.height * scale));
	try {
		const { data, info: out } = await sharp(buffer, { limitInputPixels: options.maxPixels, failOn: 'warning' })
			.autoOrient()
			.flatten({ background: '#ffffff' })
			.toColourspace('srgb')
			.resize(width, height, { fit: 'fill' })
			.removeAlpha()
			.raw({ depth: 'uchar' })
			.toBuffer({ resolveWithObject: true });
		if (out.channels !== 3) {
			throw new Error(`expected 3 channels after conversion, got ${out.channels}`);
		}
		return { ok: true, info, image: { data, width: out.width, height: out.height, scale }, notes: formatNotes(file, info), decodeMs: elapsed() };
	} catch (err) {
		const problem = looksLikeHeic(file, buffer) ? heicProblem(file) : classifyDecodeError(file, err);
		return { ok: false, problem, decodeMs: elapsed() };
	}
}

/** Only the header: size, format, orientation. Throws a readable Error for unreadable files. */
export async function readSourceInfo(file: string): Promise<SourceInfo> {
	const buffer = await fs.readFile(file);
	const sharp = loadSharp(); // outside the try: a sharp that cannot load is not a fault of the file
	try {
		return sourceInfo(await sharp(buffer, { limitInputPixels: false }).metadata(), buffer.length);
	} catch (err) {
		throw new Error(classifyDecodeError(file, err).message, { cause: err });
	}
}

function sourceInfo(metadata: Metadata, bytes: number): SourceInfo {
	const orientation = metadata.orientation ?? 1;
	const swapped = orientation >= 5 && orientation <= 8;
	return {
		format: metadata.format,
		width: swapped ? metadata.height : metadata.width,
		height: swapped ? metadata.width : metadata.height,
		orientation,
		space: metadata.space,
		depth: metadata.depth,
		pages: metadata.pages ?? 1,
		hasAlpha: metadata.hasAlpha,
		bytes,
	};
}

/** Formats sharp decodes fine but the trainer (PIL's convert('RGB'), IMAGE_EXTENSIONS) does not. */
function formatNotes(file: string, info: SourceInfo): ImageProblem[] {
	const notes: ImageProblem[] = [];
	if (info.space === 'cmyk') {
		notes.push({
			file, code: 'cmyk', severity: 'warning', details: { space: info.space },
			message: 'The image is CMYK (print colours): the trainer converts it to RGB without its colour profile, so colours shift. Re-save it as sRGB (Import Images does this).',
		});
	}
	if (info.depth === 'ushort' || info.depth === 'short') {
		notes.push({
			file, code: '16-bit', severity: 'warning', details: { depth: info.depth },
			message: 'The image has 16 bits per channel: the trainer\'s RGB conversion can clip it to black or white. Re-save it with 8 bits per channel (Import Images does this).',
		});
	}
	if (info.pages > 1 && (info.format === 'gif' || info.format === 'webp')) {
		notes.push({
			file, code: 'animated', severity: 'warning', details: { frames: info.pages, format: info.format },
			message: `The image is animated (${info.pages} frames): only the first frame would be used, and sd-scripts does not read ${info.format.toUpperCase()} animations. Export the frame you want as PNG or JPEG.`,
		});
	}
	return notes;
}

/** By extension or by the ISO-BMFF brand (`ftypheic`...), since phones also save HEIC as .jpg. */
function looksLikeHeic(file: string, buffer: Buffer): boolean {
	const brand = buffer.length >= 12 ? buffer.toString('latin1', 4, 12) : '';
	return HEIF_EXTENSIONS.has(extname(file).toLowerCase()) || /^ftyp(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand);
}

function heicProblem(file: string): ImageProblem {
	return {
		file, code: 'heic-unsupported', severity: 'error', details: {},
		message: 'HEIC images cannot be decoded here (no HEVC decoder), and sd-scripts does not read them either. Convert it to JPEG or PNG (e.g. export from Photos) and import that.',
	};
}

function unreadable(file: string, why: string): ImageProblem {
	return { file, code: 'unreadable', severity: 'error', details: { reason: why }, message: `The image could not be read: ${why}. Re-export it or remove it from the folder.` };
}

export function classifyDecodeError(file: string, err: unknown): ImageProblem {
	const text = errorText(err);
	if (/exceeds pixel limit/i.test(text)) {
		return { file, code: 'too-many-pixels', severity: 'error', details: { reason: text }, message: 'The image has more pixels than the decoding limit, so it was not decoded (it may be a decompression bomb). Downscale it in an image editor.' };
	}
	if (/premature end|truncated|unexpected end|not enough data|incomplete|out of data/i.test(text)) {
		return unreadable(file, `the file is truncated or corrupt (${firstLine(text)})`);
	}
	// libvips keeps its error text per thread: when the decoder's warning was raised on a worker thread, only
	// this line reaches us (1 decode in 20 of a half-cut JPEG, four at a time). A warning is damaged data.
	if (/warning treated as error/i.test(text)) {
		return unreadable(file, 'the file is truncated or corrupt (the decoder stopped on damaged or missing data)');
	}
	if (/unsupported image format|bad seek|not a known file format/i.test(text)) {
		return unreadable(file, 'it is not in an image format that can be decoded');
	}
	return unreadable(file, `the data is corrupt (${firstLine(text)})`);
}

function errorText(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

function firstLine(text: string): string {
	return text.split('\n')[0].trim();
}

function megapixels(pixels: number): string {
	return (pixels / 1e6).toFixed(pixels >= 1e7 ? 0 : 1);
}
