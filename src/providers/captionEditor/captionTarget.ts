/**
 * Where a caption sits in its dataset: its image, its subset and its neighbours (pure: no `vscode`).
 * The training folder scan knows every image and the caption path sd-scripts would read for it; a caption
 * outside any scanned folder still finds the image beside it with the same name.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { DatasetImage, Subset, TrainingFolder } from '../../core/dataset';

export interface CaptionTarget {
	captionPath: string;
	/** The image the caption belongs to, if one was found. */
	imagePath?: string;
	folder?: TrainingFolder;
	subset?: Subset;
	/** Index of the image in `subset.images`. */
	index?: number;
}

/** The caption editor's document for an image without a caption, stepped to (empty; its first edit writes the file). */
export const NEW_CAPTION_SCHEME = 'lora-new-caption';

/** Extensions sd-scripts loads (reference §4), lower case. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp'];

export function isImagePath(path: string): boolean {
	return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

function findInFolder(folder: TrainingFolder, matches: (image: DatasetImage) => boolean): CaptionTarget | undefined {
	for (const subset of folder.subsets) {
		const index = subset.images.findIndex(matches);
		if (index !== -1) {
			const image = subset.images[index];
			return { captionPath: image.captionPath, imagePath: image.path, folder, subset, index };
		}
	}
	return undefined;
}

/** The caption file's place, from the scan when the folder is known, else from the files beside it. */
export async function targetOfCaption(captionPath: string, folder: TrainingFolder | undefined): Promise<CaptionTarget> {
	const found = folder && findInFolder(folder, (image) => image.captionPath === captionPath);
	if (found) {
		return found;
	}
	const stem = join(dirname(captionPath), basename(captionPath, extname(captionPath)));
	for (const ext of IMAGE_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()])) {
		if (await fs.stat(stem + ext).then((s) => s.isFile(), () => false)) {
			return { captionPath, imagePath: stem + ext, folder };
		}
	}
	return { captionPath, folder };
}

/** The caption path for an image: the scan's (honouring the folder's caption extension), else `<stem>.txt`. */
export function captionPathOfImage(imagePath: string, folder: TrainingFolder | undefined): CaptionTarget {
	const found = folder && findInFolder(folder, (image) => image.path === imagePath);
	if (found) {
		return found;
	}
	const extension = folder?.training.captionExtension ?? '.txt';
	return { captionPath: join(dirname(imagePath), basename(imagePath, extname(imagePath)) + extension), imagePath, folder };
}

/** Indices of the filmstrip around `index`: up to `radius` on each side, more on one side near an end. */
export function filmstripRange(index: number, count: number, radius: number): number[] {
	const size = Math.min(count, radius * 2 + 1);
	const start = Math.max(0, Math.min(index - radius, count - size));
	return Array.from({ length: size }, (_, i) => start + i);
}
