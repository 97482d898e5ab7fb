/**
 * What an import takes in (files and whole folders, recursively, images only) and the near-duplicates it would
 * bring into a subset: each source is compared with the subset's images by perceptual hash, both as a whole and
 * as the crop the importer proposes (a subset holds crops, so a re-imported photo matches its crop, not itself).
 */
import { promises as fs } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { AnalysisImage, decodeForAnalysis } from './decode';
import { hashDistance } from './duplicates';
import { perceptualHash } from './measure';
import { Box } from './types';

/** Extensions the importer reads (sharp decodes them; the crop is written as PNG or the subset's format). */
export const IMPORT_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'tif', 'tiff', 'gif', 'avif', 'heic', 'heif'];

export function isImportableImage(path: string): boolean {
	return IMPORT_EXTENSIONS.includes(extname(path).slice(1).toLowerCase());
}

export interface ImportSources {
	/** Image files, in the order given, each folder's images sorted by name; no path twice. */
	images: string[];
	/** Files inside given folders that are not images (captions, videos...): left out, counted for the message. */
	ignored: string[];
	/** Paths that could not be read, with why: named to the user, never skipped silently. */
	problems: Array<{ path: string; reason: string }>;
}

/**
 * Expands files and folders into image files. Folders are walked recursively; hidden entries (`.git`, `.lw-*.tmp`)
 * are skipped. A file given by name that is not an image is a problem (the user picked it), one found inside a
 * folder is only ignored.
 */
export async function collectImportSources(paths: readonly string[]): Promise<ImportSources> {
	const result: ImportSources = { images: [], ignored: [], problems: [] };
	const seen = new Set<string>();
	const add = (path: string) => {
		if (!seen.has(path)) {
			seen.add(path);
			result.images.push(path);
		}
	};
	const walk = async (dir: string): Promise<void> => {
		let entries;
		try {
			entries = await fs.readdir(dir, { withFileTypes: true });
		} catch (err) {
			result.problems.push({ path: dir, reason: `the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
			return;
		}
		entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
		for (const entry of entries) {
			if (entry.name.startsWith('.')) {
				continue;
			}
			const path = join(dir, entry.name);
			if (entry.isDirectory()) {
				await walk(path);
			} else if (entry.isFile()) {
				if (isImportableImage(path)) {
					add(path);
				} else {
					result.ignored.push(path);
				}
			}
		}
	};
	for (const given of paths) {
		const path = resolve(given);
		const stat = await fs.stat(path).catch((err: NodeJS.ErrnoException) => err);
		if (stat instanceof Error) {
			result.problems.push({ path, reason: stat.code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${stat.code})` });
		} else if (stat.isDirectory()) {
			await walk(path);
		} else if (isImportableImage(path)) {
			add(path);
		} else {
			result.problems.push({ path, reason: `it is not an image (${IMPORT_EXTENSIONS.join(', ')})` });
		}
	}
	return result;
}

/** The part of an analysis image inside a box given in source pixels. */
export function cropAnalysisImage(image: AnalysisImage, box: Box): AnalysisImage {
	const x0 = Math.max(0, Math.min(image.width - 1, Math.round(box.x * image.scale)));
	const y0 = Math.max(0, Math.min(image.height - 1, Math.round(box.y * image.scale)));
	const width = Math.max(1, Math.min(image.width - x0, Math.round(box.width * image.scale)));
	const height = Math.max(1, Math.min(image.height - y0, Math.round(box.height * image.scale)));
	const data = Buffer.alloc(width * height * 3);
	for (let y = 0; y < height; y++) {
		image.data.copy(data, y * width * 3, ((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + width) * 3);
	}
	return { data, width, height, scale: image.scale };
}

export interface ImportHashes {
	file: string;
	/** The whole picture, and the proposed crop when there is one. */
	hashes: string[];
}

export interface ImportDuplicate {
	source: string;
	/** The subset image (or an earlier source of the same import) it repeats. */
	duplicateOf: string;
	/** Hamming distance of the closest pair of hashes (of 64). */
	distance: number;
	/** True when duplicateOf is another source of this import, not an image already in the subset. */
	withinImport: boolean;
}

/**
 * Sources that repeat an image already in the subset, or an earlier source of the same import, within
 * `nearDistance` (the image checks' near-duplicate threshold). One entry per source: its closest match.
 */
export function findImportDuplicates(sources: readonly ImportHashes[], existing: readonly ImportHashes[], nearDistance: number): ImportDuplicate[] {
	const found: ImportDuplicate[] = [];
	const closest = (source: ImportHashes, others: readonly ImportHashes[]) => {
		let best: { file: string; distance: number } | undefined;
		for (const other of others) {
			for (const a of source.hashes) {
				for (const b of other.hashes) {
					const distance = hashDistance(a, b);
					if (distance <= nearDistance && (!best || distance < best.distance)) {
						best = { file: other.file, distance };
					}
				}
			}
		}
		return best;
	};
	sources.forEach((source, index) => {
		const inSubset = closest(source, existing);
		const inImport = inSubset ? undefined : closest(source, sources.slice(0, index));
		const match = inSubset ?? inImport;
		if (match) {
			found.push({ source: source.file, duplicateOf: match.file, distance: match.distance, withinImport: !inSubset });
		}
	});
	return found;
}

/** One line per duplicate, for a warning or the CLI: "dina.jpg looks like 10_x woman/dina.png (distance 2 of 64)". */
export function describeImportDuplicate(duplicate: ImportDuplicate): string {
	const where = duplicate.withinImport ? 'another picture of this import,' : 'the subset\'s';
	return `${basename(duplicate.source)} looks like ${where} ${basename(duplicate.duplicateOf)} (hash distance ${duplicate.distance} of 64)`;
}

/**
 * Hashes of one image for the duplicate check: the whole picture, plus the crop `cropOf` proposes for it (in
 * source pixels) when given. Undefined when the image cannot be decoded (the import itself reports that).
 */
export async function hashForImport(file: string, maxPixels: number, cropOf?: (image: AnalysisImage, width: number, height: number) => Promise<Box | undefined>): Promise<ImportHashes | undefined> {
	const decoded = await decodeForAnalysis(file, { maxPixels });
	if (!decoded.ok) {
		return undefined;
	}
	const hashes = [perceptualHash(decoded.image)];
	const box = await cropOf?.(decoded.image, decoded.info.width, decoded.info.height);
	if (box) {
		// EXIF-oriented sizes: the box is in pixels of the upright image, as the analysis image is.
		hashes.push(perceptualHash(cropAnalysisImage(decoded.image, box)));
	}
	return { file, hashes };
}
