/**
 * Downscaled previews of dataset images for webviews. A 4000x6000 JPEG is 24 megapixels; the editor shows
 * it in a few hundred pixels, so it gets a JPEG of at most `maxEdge` pixels, made once with sharp and
 * cached outside the dataset (the caller passes a cache folder, e.g. the extension's global storage). The
 * original is never touched. Small images that a browser can show are used as they are.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { extname, join } from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import { NativeModuleError, requireSharp } from './nativeModules';

export interface PreviewOptions {
	/** Longest edge of the preview in pixels. */
	maxEdge: number;
	quality?: number;
	/** Only a preview already made (or an image shown as it is): `{ ok: false }` otherwise, without decoding anything. */
	preparedOnly?: boolean;
}

export type ImagePreview =
	| {
		ok: true;
		/** What to show: the cached preview, or the original when it is small and browser-friendly. */
		path: string;
		downscaled: boolean;
		/** Size of the original, after EXIF orientation. */
		width: number;
		height: number;
	}
	| { ok: false; error: string };

/** Formats every browser shows; anything else (TIFF, AVIF from some tools...) always gets a preview. */
const BROWSER_FORMATS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp']);

export const EDITOR_PREVIEW_EDGE = 1536;
export const THUMBNAIL_EDGE = 160;

function cacheKey(path: string, size: number, mtimeMs: number, options: PreviewOptions): string {
	return createHash('sha1').update(`${path}\0${size}\0${mtimeMs}\0${options.maxEdge}\0${options.quality ?? 82}`).digest('hex');
}

/**
 * Returns a preview of `imagePath`. Never throws: an unreadable or undecodable image gives
 * `{ ok: false, error }` with a sentence that names the file.
 */
export async function imagePreview(imagePath: string, cacheDir: string, options: PreviewOptions): Promise<ImagePreview> {
	let stat;
	try {
		stat = await fs.stat(imagePath);
	} catch {
		return { ok: false, error: `${imagePath} could not be read (it was moved or deleted?).` };
	}
	const key = cacheKey(imagePath, stat.size, stat.mtimeMs, options);
	const cached = join(cacheDir, `${key}.jpg`);
	const sizeFile = join(cacheDir, `${key}.json`);
	try {
		const [size] = await Promise.all([fs.readFile(sizeFile, 'utf8'), fs.access(cached)]);
		const { width, height } = JSON.parse(size) as { width: number; height: number };
		return { ok: true, path: cached, downscaled: true, width, height };
	} catch {
		// Not cached yet.
	}
	if (options.preparedOnly && !BROWSER_FORMATS.has(extname(imagePath).toLowerCase())) {
		return { ok: false, error: 'not prepared' };
	}
	try {
		const sharp = requireSharp();
		const metadata = await sharp(imagePath).metadata();
		const rotated = (metadata.orientation ?? 1) >= 5;
		const width = (rotated ? metadata.height : metadata.width) ?? 0;
		const height = (rotated ? metadata.width : metadata.height) ?? 0;
		if (!width || !height) {
			return { ok: false, error: `${imagePath} has no readable size: it is not an image sharp can decode.` };
		}
		const fitsAsIs = Math.max(width, height) <= options.maxEdge && BROWSER_FORMATS.has(extname(imagePath).toLowerCase());
		if (fitsAsIs) {
			return { ok: true, path: imagePath, downscaled: false, width, height };
		}
		if (options.preparedOnly) {
			return { ok: false, error: 'not prepared' };
		}
		const bytes = await sharp(imagePath)
			.rotate()
			.resize({ width: options.maxEdge, height: options.maxEdge, fit: 'inside', withoutEnlargement: true })
			.jpeg({ quality: options.quality ?? 82, mozjpeg: false })
			.toBuffer();
		await fs.mkdir(cacheDir, { recursive: true });
		await writeFileAtomic(cached, bytes);
		await writeFileAtomic(sizeFile, JSON.stringify({ width, height }));
		return { ok: true, path: cached, downscaled: true, width, height };
	} catch (err) {
		if (err instanceof NativeModuleError) {
			return { ok: false, error: err.message }; // not the file's fault: the message names the package to install
		}
		const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
		return { ok: false, error: `${imagePath} could not be decoded (${reason}). The file may be truncated or not an image; re-export it or remove it from the dataset.` };
	}
}
