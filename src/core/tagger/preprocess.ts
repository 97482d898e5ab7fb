import type { Sharp, SharpOptions } from 'sharp';
import { areaResizePaddedToBgr } from './areaResize';
import { requireSharp } from '../nativeModules';

type SharpFactory = (input?: Buffer | string, options?: SharpOptions) => Sharp;

let sharpModule: SharpFactory | undefined;

function loadSharp(): SharpFactory {
	if (!sharpModule) {
		// Native and heavy: loaded on first use (docs/architecture.md).
		sharpModule = requireSharp() as SharpFactory;
	}
	return sharpModule;
}

/** An image that could not be read; the message names the file and what to do. */
export class ImageDecodeError extends Error {
	constructor(readonly file: string, readonly reason: string) {
		super(`${file} could not be decoded (${reason}), so it was not tagged. Re-save it as JPEG or PNG, or remove it from the folder.`);
	}
}

/**
 * One image prepared as sd-scripts' `preprocess_image` does (sd-scripts.md §11): alpha composited on white,
 * padded to a centred white square, resized to `size` (INTER_AREA when shrinking, Lanczos when enlarging),
 * channels in B,G,R order. Returns `size*size*3` bytes, NHWC for one image. No EXIF rotation and no colour
 * management: PIL applies neither, so an Adobe RGB or Display P3 photo is tagged from its stored values, as
 * sd-scripts tags it and as the trainer sees it. The tagger calls this in worker threads (preprocessPool.ts), which
 * pass `into`, a spare output of an earlier image, to be written instead of new memory when it fits.
 */
export async function preprocessForTagger(file: string, size: number, into?: Uint8Array): Promise<Uint8Array> {
	const sharp = loadSharp();
	let rgb: { data: Buffer; info: { width: number; height: number; channels: number } };
	try {
		rgb = await sharp(file, { failOn: 'error', ignoreIcc: true })
			.flatten({ background: { r: 255, g: 255, b: 255 } })
			.toColourspace('srgb')
			.removeAlpha()
			.raw({ depth: 'uchar' })
			.toBuffer({ resolveWithObject: true });
	} catch (err) {
		throw new ImageDecodeError(file, err instanceof Error ? err.message.split('\n')[0] : String(err));
	}
	const { width, height, channels } = rgb.info;
	if (channels !== 3) {
		throw new ImageDecodeError(file, `expected 3 colour channels after conversion, got ${channels}`);
	}
	const side = Math.max(width, height);
	const padLeft = Math.floor((side - width) / 2);
	const padTop = Math.floor((side - height) / 2);
	if (side >= size) {
		return areaResizePaddedToBgr({ pixels: rgb.data, width, height, side, padLeft, padTop }, size, into);
	}
	// Enlarging (Lanczos): sharp runs resize before extend whatever the call order, so the square is padded here first.
	const square = padToSquare(rgb.data, width, height, side, padLeft, padTop);
	// Copied out of sharp's buffer so that a worker thread can hand it over (transfer) to the caller.
	const enlarged = new Uint8Array(await sharp(square, { raw: { width: side, height: side, channels: 3 } })
		.resize(size, size, { kernel: 'lanczos3', fit: 'fill' })
		.raw()
		.toBuffer());
	return rgbToBgrInPlace(enlarged);
}

function padToSquare(pixels: Uint8Array, width: number, height: number, side: number, padLeft: number, padTop: number): Buffer {
	const square = Buffer.alloc(side * side * 3, 255);
	for (let y = 0; y < height; y++) {
		square.set(pixels.subarray(y * width * 3, (y + 1) * width * 3), ((y + padTop) * side + padLeft) * 3);
	}
	return square;
}

function rgbToBgrInPlace(pixels: Uint8Array): Uint8Array {
	for (let i = 0; i < pixels.length; i += 3) {
		const red = pixels[i];
		pixels[i] = pixels[i + 2];
		pixels[i + 2] = red;
	}
	return pixels;
}

/**
 * Copies prepared images into one NHWC float32 batch with values 0..255 (no normalisation, as sd-scripts); into
 * `reuse` (an earlier batch the inference thread handed back) when it has the right length.
 */
export function toBatchTensor(images: readonly Uint8Array[], size: number, reuse?: Float32Array): Float32Array {
	const perImage = size * size * 3;
	const batch = reuse?.length === images.length * perImage ? reuse : new Float32Array(images.length * perImage);
	images.forEach((image, n) => {
		if (image.length !== perImage) {
			throw new Error(`prepared image has ${image.length} values, expected ${perImage}`);
		}
		batch.set(image, n * perImage);
	});
	return batch;
}
