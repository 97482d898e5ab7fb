/**
 * Aspect-ratio buckets as sd-scripts builds them (library/model_util.make_bucket_resolutions and
 * train_util.BucketManager.select_bucket). Batches never mix buckets, so each bucket's partial batch counts.
 */

export interface BucketOptions {
	/** [width, height] of `--resolution`. */
	resolution: readonly [number, number];
	minBucketReso: number;
	maxBucketReso: number;
	bucketResoSteps: number;
	bucketNoUpscale: boolean;
}

export interface BucketResolution {
	width: number;
	height: number;
	/** Images in the bucket, repeats included. */
	count: number;
}

/** min rounded down, max rounded up to the step (train_util.py:747-775); asserts as sd-scripts does. */
export function adjustBucketRange(options: BucketOptions): { min: number; max: number } {
	const step = options.bucketResoSteps;
	const min = options.minBucketReso - (options.minBucketReso % step);
	const max = options.maxBucketReso % step === 0 ? options.maxBucketReso : options.maxBucketReso + step - (options.maxBucketReso % step);
	const [w, h] = options.resolution;
	if (!options.bucketNoUpscale) {
		if (Math.min(w, h) < min) {
			throw new Error(`the resolution ${w}x${h} is smaller than min_bucket_reso ${min}`);
		}
		if (Math.max(w, h) > max) {
			throw new Error(`the resolution ${w}x${h} is larger than max_bucket_reso ${max}`);
		}
	}
	return { min, max };
}

/** model_util.make_bucket_resolutions, sorted as Python sorts tuples. */
export function makeBucketResolutions(maxReso: readonly [number, number], minSize: number, maxSize: number, divisible: number): Array<[number, number]> {
	const maxArea = maxReso[0] * maxReso[1];
	const seen = new Set<string>();
	const resos: Array<[number, number]> = [];
	const add = (w: number, h: number): void => {
		const key = `${w}x${h}`;
		if (!seen.has(key)) {
			seen.add(key);
			resos.push([w, h]);
		}
	};
	const square = Math.floor(Math.floor(Math.sqrt(maxArea) / divisible)) * divisible;
	add(square, square);
	for (let width = minSize; width <= maxSize; width += divisible) {
		const height = Math.min(maxSize, Math.floor(Math.floor(maxArea / width) / divisible) * divisible);
		if (height >= minSize) {
			add(width, height);
			add(height, width);
		}
	}
	return resos.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** BucketManager.round_to_steps. */
function roundToSteps(x: number, step: number): number {
	const value = Math.floor(x + 0.5);
	return value - (value % step);
}

export class BucketSelector {
	private readonly predefined: Array<[number, number]>;
	private readonly predefinedSet: Set<string>;
	private readonly predefinedRatios: number[];
	private readonly maxArea: number;

	constructor(private readonly options: BucketOptions) {
		const { min, max } = adjustBucketRange(options);
		this.maxArea = options.resolution[0] * options.resolution[1];
		this.predefined = options.bucketNoUpscale ? [] : makeBucketResolutions(options.resolution, min, max, options.bucketResoSteps);
		this.predefinedSet = new Set(this.predefined.map(([w, h]) => `${w}x${h}`));
		this.predefinedRatios = this.predefined.map(([w, h]) => w / h);
	}

	/** The bucket resolution an image of this size lands in. */
	select(width: number, height: number): [number, number] {
		const aspect = width / height;
		if (!this.options.bucketNoUpscale) {
			if (this.predefinedSet.has(`${width}x${height}`)) {
				return [width, height];
			}
			// numpy argmin: first index of the smallest absolute error.
			let best = 0;
			let bestError = Infinity;
			this.predefinedRatios.forEach((ratio, i) => {
				const error = Math.abs(ratio - aspect);
				if (error < bestError) {
					bestError = error;
					best = i;
				}
			});
			const [w, h] = this.predefined[best];
			return [w, h];
		}
		const step = this.options.bucketResoSteps;
		const resized = this.noUpscaleSize(width, height);
		return [resized[0] - (resized[0] % step), resized[1] - (resized[1] % step)];
	}

	/** With bucket_no_upscale: the size the image is resized to (its own when within the area), before the bucket's rounding. */
	public noUpscaleSize(width: number, height: number): [number, number] {
		const aspect = width / height;
		const step = this.options.bucketResoSteps;
		let resized: [number, number];
		if (width * height > this.maxArea) {
			const resizedWidth = Math.sqrt(this.maxArea * aspect);
			const resizedHeight = this.maxArea / resizedWidth;
			const widthRounded = roundToSteps(resizedWidth, step);
			const heightInWr = roundToSteps(widthRounded / aspect, step);
			const arWidthRounded = widthRounded / heightInWr;
			const heightRounded = roundToSteps(resizedHeight, step);
			const widthInHr = roundToSteps(heightRounded * aspect, step);
			const arHeightRounded = widthInHr / heightRounded;
			resized = Math.abs(arWidthRounded - aspect) < Math.abs(arHeightRounded - aspect)
				? [widthRounded, Math.floor(widthRounded / aspect + 0.5)]
				: [Math.floor(heightRounded * aspect + 0.5), heightRounded];
		} else {
			resized = [width, height];
		}
		return resized;
	}
}

/** Puts every image (repeats counted) into its bucket; buckets come back sorted by resolution. */
export function assignBuckets(images: ReadonlyArray<{ size: readonly [number, number]; repeats: number }>, options: BucketOptions): BucketResolution[] {
	const selector = new BucketSelector(options);
	const byKey = new Map<string, BucketResolution>();
	for (const image of images) {
		const [w, h] = selector.select(image.size[0], image.size[1]);
		const key = `${w}x${h}`;
		const bucket = byKey.get(key) ?? { width: w, height: h, count: 0 };
		bucket.count += image.repeats;
		byKey.set(key, bucket);
	}
	return [...byKey.values()].sort((a, b) => a.width - b.width || a.height - b.height);
}
