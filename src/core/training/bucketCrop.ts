import type { TrainingFolder } from '../dataset';
import { readImageSizeFromHeader, ImageSize } from '../datasetImageSize';

/**
 * What sd-scripts does to an image when buckets are off (train_util.py make_buckets, BucketManager.select_bucket
 * with the one predefined resolution, trim_and_resize_if_required at commit 48d368fa): it scales the image so that
 * it covers the resolution (the side that is relatively shorter fits exactly), then cuts the rest off both ends
 * equally (`p = trim // 2` from the top or left; random_crop picks p at random instead).
 */
export interface CentreCrop {
	/** The size after scaling, before the crop. */
	resized: [number, number];
	/** Pixels cut off, in the resized image. */
	left: number;
	right: number;
	top: number;
	bottom: number;
	/** The part of the original image that is kept, in original pixels: [x0, y0, x1, y1). */
	kept: [number, number, number, number];
}

export function centreCrop([width, height]: ImageSize, [resoW, resoH]: readonly [number, number]): CentreCrop {
	const scale = width / height > resoW / resoH ? resoH / height : resoW / width;
	const resized: [number, number] = [Math.floor(width * scale + 0.5), Math.floor(height * scale + 0.5)];
	const trimW = Math.max(0, resized[0] - resoW);
	const trimH = Math.max(0, resized[1] - resoH);
	const left = Math.floor(trimW / 2);
	const top = Math.floor(trimH / 2);
	const kept: [number, number, number, number] = [
		Math.round(left / scale), Math.round(top / scale), Math.round((left + Math.min(resoW, resized[0])) / scale), Math.round((top + Math.min(resoH, resized[1])) / scale),
	];
	return { resized, left, right: trimW - left, top, bottom: trimH - top, kept };
}

export interface CropFinding {
	/** The images that lose more than a sliver, with their crop. */
	images: { path: string; size: ImageSize; crop: CentreCrop }[];
	message?: string;
}

/** A cut below this share of the side is rounding (513 px into 512), not a crop anyone would notice. */
const NOTICEABLE = 0.02;

/**
 * With buckets off, the training images that sd-scripts will crop, and one message that gives the exact crop of
 * the first of them and says how to keep whole images (turn buckets on). Sizes are read from the file headers.
 */
export async function bucketCropFinding(folder: TrainingFolder, resolution: readonly [number, number], randomCrop: boolean): Promise<CropFinding> {
	const images: CropFinding['images'] = [];
	for (const image of folder.subsets.filter((s) => !s.isReg).flatMap((s) => s.images)) {
		const size = image.size ?? await readImageSizeFromHeader(image.path).catch(() => undefined);
		if (!size) {
			continue; // unreadable images are reported by the folder scan
		}
		const crop = centreCrop(size, resolution);
		if (crop.left + crop.right > NOTICEABLE * resolution[0] || crop.top + crop.bottom > NOTICEABLE * resolution[1]) {
			images.push({ path: image.path, size, crop });
		}
	}
	if (images.length === 0) {
		return { images };
	}
	const [first] = images;
	const { crop, size } = first;
	const relative = first.path.startsWith(`${folder.root}/`) || first.path.startsWith(`${folder.root}\\`) ? first.path.slice(folder.root.length + 1) : first.path;
	const vertical = crop.top + crop.bottom > 0;
	const where = vertical
		? `keeps rows ${crop.kept[1]}-${crop.kept[3]} of ${size[1]}, cutting ${crop.top} px off the top and ${crop.bottom} px off the bottom${crop.resized[1] !== size[1] ? ' (after scaling)' : ''}: the head or the feet of a body shot`
		: `keeps columns ${crop.kept[0]}-${crop.kept[2]} of ${size[0]}, cutting ${crop.left} px off the left and ${crop.right} px off the right${crop.resized[0] !== size[0] ? ' (after scaling)' : ''}`;
	const how = randomCrop ? 'a random part of the same size (randomCrop is on)' : 'the centre';
	const message = `buckets are off, so sd-scripts scales ${images.length} image(s) to cover ${resolution[0]}x${resolution[1]} and trains only ${how}: e.g. ${relative} (${size[0]}x${size[1]}) ${where}. Turn buckets on (training.enableBucket: true) to train whole images`;
	return { images, message };
}
