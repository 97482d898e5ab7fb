/**
 * What sd-scripts does with each image: the bucket it lands in and the part of the picture it keeps. Same rules
 * as the step math (stepsBuckets.ts, from train_util.BucketManager.select_bucket): the image is resized to cover
 * its bucket, then the overhang is cut off around the centre (trim_and_resize_if_required; random_crop picks
 * the offset at random each time instead). With buckets off there is one bucket, the resolution: with cached
 * latents every image is covered and centre-cropped to it, without them an image larger than it stops the run
 * ("image too large, but cropping and bucketing are disabled") unless random_crop is on.
 */
import { BucketOptions, BucketSelector, adjustBucketRange } from './stepsBuckets';
import type { TrainingSettings } from './settings';
import { parseDocument } from 'yaml';

export interface BucketPreviewSettings {
	/** [width, height] of `--resolution` (from the folder's training settings: it differs per model family). */
	resolution: readonly [number, number];
	/** Present when `enable_bucket` is on. */
	buckets?: BucketOptions;
	randomCrop: boolean;
	cacheLatents: boolean;
}

export interface BucketPlacement {
	bucket: [number, number];
	/** The part of the (upright) image sd-scripts trains on, in its pixels. */
	kept: { x: number; y: number; width: number; height: number };
	/** Share of the image's area cut away (0 when it fits its bucket's shape). */
	cutShare: number;
	/** Resize factor to the bucket: above 1 the image is upscaled. */
	scale: number;
	/** Random crop: the kept box is where a centre crop would be; each step takes another offset of the same size. */
	random: boolean;
	/** sd-scripts stops on this image (buckets off, latents not cached, image not the resolution). */
	stops?: string;
}

/** A share of cut-away area below this is rounding (a few pixels to the bucket step), not a crop worth a warning. */
export const NOTICEABLE_CUT = 0.02;
/**
 * A cut that changes the picture: a warning with a fix. Buckets on at 512 still trim a 2:3 body crop's sides by
 * 10% (its bucket is 384x640), which keeps the person; buckets off cut a third of it, head or legs.
 */
export const WARN_CUT = 0.15;

export function isCutBadly(placement: BucketPlacement): boolean {
	return placement.stops !== undefined || placement.cutShare >= WARN_CUT;
}

export class BucketPreview {
	private readonly selector: BucketSelector | undefined;
	/**
	 * Placements by image size: a dataset's images come in a few sizes, and each scan places every image (at 20,000
	 * images, four objects per image per rescan were 30 MB of the extension host's garbage in its bench: issue 22).
	 * Shared by the images of one size, so never changed once made.
	 */
	private readonly placed = new Map<number, BucketPlacement>();

	constructor(private readonly settings: BucketPreviewSettings) {
		if (settings.buckets) {
			adjustBucketRange(settings.buckets);
			this.selector = new BucketSelector(settings.buckets);
		}
	}

	public place(width: number, height: number): BucketPlacement {
		const key = height < 2 ** 24 && width < 2 ** 28 ? width * 2 ** 24 + height : undefined;
		const known = key === undefined ? undefined : this.placed.get(key);
		if (known) {
			return known;
		}
		const placement = this.placeNew(width, height);
		if (key !== undefined) {
			this.placed.set(key, placement);
		}
		return placement;
	}

	private placeNew(width: number, height: number): BucketPlacement {
		const [bw, bh] = this.selector ? this.selector.select(width, height) : [this.settings.resolution[0], this.settings.resolution[1]];
		let resized: [number, number];
		let trimX: number;
		let trimY: number;
		if (this.settings.buckets?.bucketNoUpscale && this.selector) {
			// select_bucket with no_upscale: the bucket is this size rounded down to the step, so only the remainder is cut.
			resized = this.selector.noUpscaleSize(width, height);
			trimX = Math.floor(Math.max(0, resized[0] - bw) / 2);
			trimY = Math.floor(Math.max(0, resized[1] - bh) / 2);
		} else {
			// select_bucket: cover the bucket, cut the overhang around the centre. The same math as the preflight's
			// centreCrop (training/bucketCrop.ts), which cannot be imported here: it imports the scan, which imports this.
			const cover = width / height > bw / bh ? bh / height : bw / width;
			resized = [Math.floor(width * cover + 0.5), Math.floor(height * cover + 0.5)];
			trimX = Math.floor(Math.max(0, resized[0] - bw) / 2);
			trimY = Math.floor(Math.max(0, resized[1] - bh) / 2);
		}
		const scale = resized[0] / width;
		const kept = { x: trimX / scale, y: trimY / scale, width: Math.min(width, bw / scale), height: Math.min(height, bh / scale) };
		const cutShare = Math.max(0, 1 - (kept.width * kept.height) / (width * height));
		const placement: BucketPlacement = { bucket: [bw, bh], kept, cutShare, scale, random: this.settings.randomCrop };
		if (!this.settings.buckets && !this.settings.cacheLatents && (width !== bw || height !== bh)) {
			if (width > bw || height > bh) {
				if (!this.settings.randomCrop) {
					placement.stops = `sd-scripts stops: "image too large, but cropping and bucketing are disabled" (${width}x${height} is larger than the resolution ${bw}x${bh})`;
				}
			} else {
				placement.stops = `sd-scripts stops: "image size is small" (${width}x${height} is smaller than the resolution ${bw}x${bh})`;
			}
		}
		return placement;
	}
}

/** "bucket 512x768, keeps the middle 67% (top and bottom cut)" for a row's tooltip or a thumbnail's title. */
export function describePlacement(placement: BucketPlacement): string {
	const [bw, bh] = placement.bucket;
	if (placement.stops) {
		return `${placement.stops}.`;
	}
	if (placement.cutShare < NOTICEABLE_CUT) {
		return `bucket ${bw}x${bh}, whole picture kept${placement.scale > 1.01 ? ` (upscaled ${placement.scale.toFixed(2)}x)` : ''}`;
	}
	const kept = Math.round((1 - placement.cutShare) * 100);
	const sides = placement.kept.x > 0.5 ? 'left and right' : 'top and bottom';
	return `bucket ${bw}x${bh}, keeps ${placement.random ? 'a random' : 'the middle'} ${kept}% (${sides} cut)`;
}

/** The preview's inputs from a folder's training settings (resolution and buckets differ per model family). */
export function bucketPreviewSettingsOf(t: TrainingSettings): BucketPreviewSettings {
	return {
		resolution: t.resolution, randomCrop: t.randomCrop, cacheLatents: t.cacheLatents,
		buckets: t.enableBucket ? {
			resolution: t.resolution, minBucketReso: t.minBucketReso, maxBucketReso: t.maxBucketReso,
			bucketResoSteps: t.bucketResoSteps, bucketNoUpscale: t.bucketNoUpscale,
		} : undefined,
	};
}

/**
 * The settings text with `training: enableBucket: true` (comments and everything else kept); a new settings text
 * when there was none.
 */
export function withBucketsOn(settingsText: string | undefined): string {
	if (settingsText === undefined || settingsText.trim() === '') {
		return 'training:\n  enableBucket: true\n';
	}
	const parsed = parseDocument(settingsText);
	parsed.setIn(['training', 'enableBucket'], true);
	return parsed.toString();
}
