import { promises as fs } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import { ORIGINALS_DIR_NAME } from '../exclude';
import { loadSharp } from './decode';
import { Box, TargetSize } from './types';

export type QuarterTurns = 0 | 90 | 180 | 270;

export interface CropRequest {
	source: string;
	/** In pixels of the EXIF-oriented image after `rotate` is applied. */
	box: Box;
	target: TargetSize;
	/** Clockwise rotation the user added on top of the EXIF orientation. */
	rotate?: QuarterTurns;
	maxPixels?: number;
}

/** Extensions sd-scripts trains on, and the caption sidecars that pair with an image by base name. */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp'];
const SIDECAR_EXTENSIONS = ['.txt', '.caption', '.npz'];

/**
 * Renders a crop: EXIF orientation and the user's rotation applied, cut, resampled with Lanczos-3 to the
 * exact target size, converted to 8-bit sRGB without metadata (so nothing rotates it a second time).
 */
export async function renderCrop(request: CropRequest, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
	const sharp = loadSharp();
	// Orientation first into 8-bit sRGB pixels, so the box always means the picture the user saw.
	const oriented = await sharp(request.source, { limitInputPixels: request.maxPixels ?? 100_000_000, failOn: 'warning' })
		.autoOrient()
		.flatten({ background: '#ffffff' })
		.toColourspace('srgb')
		.removeAlpha()
		.raw({ depth: 'uchar' })
		.toBuffer({ resolveWithObject: true });
	let pipeline = sharp(oriented.data, { raw: { width: oriented.info.width, height: oriented.info.height, channels: 3 } });
	let width = oriented.info.width;
	let height = oriented.info.height;
	if (request.rotate) {
		const rotated = await pipeline.rotate(request.rotate).raw().toBuffer({ resolveWithObject: true });
		width = rotated.info.width;
		height = rotated.info.height;
		pipeline = sharp(rotated.data, { raw: { width, height, channels: 3 } });
	}
	const box = intBoxInside(request.box, width, height);
	pipeline = pipeline
		.extract({ left: box.x, top: box.y, width: box.width, height: box.height })
		.resize(request.target.width, request.target.height, { fit: 'fill', kernel: 'lanczos3' })
		.toColourspace('srgb');
	if (format === 'jpeg') {
		return pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
	}
	if (format === 'webp') {
		return pipeline.webp({ quality: 95 }).toBuffer();
	}
	return pipeline.png({ compressionLevel: 6 }).toBuffer();
}

export function outputFormatFor(file: string): 'png' | 'jpeg' | 'webp' {
	const ext = extname(file).toLowerCase();
	return ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : 'png';
}

/** Writes the crop to `outFile` (temp + rename, so a cancel never leaves half an image). */
export async function writeCrop(request: CropRequest, outFile: string): Promise<void> {
	const data = await renderCrop(request, outputFormatFor(outFile));
	await fs.mkdir(dirname(outFile), { recursive: true });
	await writeFileAtomic(outFile, data);
}

/**
 * A file name in `dir` for `baseName` + `ext` that clashes with no image and no caption sidecar:
 * `a.png` and `a.jpg` would share `a.txt`, so every image extension and sidecar counts as taken.
 */
export async function freeImageName(dir: string, baseName: string, ext: string): Promise<string> {
	const existing = new Set((await fs.readdir(dir).catch(() => [] as string[])).map((n) => n.toLowerCase()));
	const clean = baseName.replace(/[\\/:*?"<>|\x00-\x1f]/g, '_').trim() || 'image';
	for (let n = 1; ; n++) {
		const candidate = n === 1 ? clean : `${clean}_${n}`;
		const taken = [...IMAGE_EXTENSIONS, ...SIDECAR_EXTENSIONS].some((e) => existing.has(`${candidate}${e}`.toLowerCase()));
		if (!taken) {
			return join(dir, `${candidate}${ext}`);
		}
	}
}

/** Where the original of a re-cropped subset image is kept: `<root>/originals/<subset>/<file>`, outside images/. */
export function backupPathFor(root: string, imagePath: string): string {
	const subset = basename(dirname(imagePath));
	return join(root, ORIGINALS_DIR_NAME, subset, basename(imagePath));
}

/**
 * Replaces an image in a subset by its crop, keeping the original in the backup folder. The crop keeps the
 * base name (the caption stays paired) and the format of the original.
 */
export async function recropInPlace(root: string, request: CropRequest): Promise<{ backup: string }> {
	const backup = backupPathFor(root, request.source);
	if (await exists(backup)) {
		throw new Error(`${relative(root, backup)} already holds an original for ${basename(request.source)}: restore it first (LoRA: Restore Original Image) or move it away.`);
	}
	const data = await renderCrop(request, outputFormatFor(request.source));
	await fs.mkdir(dirname(backup), { recursive: true });
	await fs.copyFile(request.source, backup);
	await writeFileAtomic(request.source, data);
	return { backup };
}

/** Puts the kept original back over its crop and removes the backup. */
export async function restoreOriginal(root: string, imagePath: string): Promise<void> {
	const backup = backupPathFor(root, imagePath);
	if (!(await exists(backup))) {
		throw new Error(`No original kept for ${basename(imagePath)} (looked for ${relative(root, backup)}).`);
	}
	const temp = `${imagePath}.restore-${process.pid}.tmp`;
	await fs.copyFile(backup, temp);
	await fs.rename(temp, imagePath);
	await fs.rm(backup);
}

export async function hasBackup(root: string, imagePath: string): Promise<boolean> {
	return exists(backupPathFor(root, imagePath));
}

function intBoxInside(box: Box, width: number, height: number): Box {
	const w = Math.max(1, Math.min(width, Math.round(box.width)));
	const h = Math.max(1, Math.min(height, Math.round(box.height)));
	return {
		x: Math.min(Math.max(0, Math.round(box.x)), width - w),
		y: Math.min(Math.max(0, Math.round(box.y)), height - h),
		width: w,
		height: h,
	};
}

async function exists(path: string): Promise<boolean> {
	return fs.access(path).then(() => true, () => false);
}
