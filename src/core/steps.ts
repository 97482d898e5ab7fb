/**
 * Step math exactly as sd-scripts computes it (reference §5): the numbers of its "running training" block.
 * Folder mode (`--train_data_dir`/`--reg_data_dir`), one dataset, `--max_train_epochs` given.
 */
import { BucketOptions, BucketResolution, assignBuckets } from './stepsBuckets';

export interface StepSubset {
	/** Number of images sd-scripts finds in the folder. */
	images: number;
	repeats: number;
	isReg: boolean;
	/** [width, height] per image in sd-scripts' (sorted) order; needed only when buckets are on. */
	imageSizes?: ReadonlyArray<readonly [number, number]>;
}

export interface StepSettings {
	batchSize: number;
	gradientAccumulationSteps: number;
	gpus: number;
	epochs: number;
	/** Present when `enable_bucket` is on. */
	buckets?: BucketOptions;
}

export interface StepReport {
	/** `num train images * repeats`. */
	trainImagesTimesRepeats: number;
	/** `num reg images`: the raw reg count x folder repeats, as sd-scripts prints it. */
	regImagesTimesRepeats: number;
	/** Reg samples actually used per epoch (about equal to the train samples). */
	regSamplesUsed: number;
	/** Batches before the data loader is split over GPUs (`len(train_dataloader)`). */
	batches: number;
	/** `num batches per epoch` (per GPU). */
	batchesPerEpoch: number;
	/** Optimisation steps per epoch. */
	stepsPerEpoch: number;
	/** `num epochs`. */
	epochs: number;
	/** `total optimization steps` (`max_train_steps`). */
	totalSteps: number;
	/** Images per optimisation step over all GPUs: batch x GPUs x accumulation. */
	effectiveBatchSize: number;
	/** Per bucket (sorted by resolution as sd-scripts logs them) when buckets are on. */
	buckets?: BucketResolution[];
}

function ceilDiv(a: number, b: number): number {
	return Math.ceil(a / b);
}

/**
 * Repeats of each reg image as sd-scripts registers them (train_util.py:2160-2184): first pass adds whole
 * images until the running total reaches the train count; if one pass is not enough, repeats grow by one
 * round-robin until the totals match. Returns one entry per reg image (0 = unused).
 */
export function regRepeats(regSubsets: readonly StepSubset[], trainSamples: number): number[][] {
	const repeats = regSubsets.map((s) => new Array<number>(s.images).fill(0));
	const order: Array<[number, number]> = [];
	regSubsets.forEach((s, si) => {
		for (let i = 0; i < s.images; i++) {
			order.push([si, i]);
		}
	});
	if (order.length === 0) {
		return repeats;
	}
	let n = 0;
	let firstLoop = true;
	while (n < trainSamples) {
		for (const [si, i] of order) {
			if (firstLoop) {
				repeats[si][i] = regSubsets[si].repeats;
				n += regSubsets[si].repeats;
			} else {
				repeats[si][i] += 1;
				n += 1;
			}
			if (n >= trainSamples) {
				break;
			}
		}
		firstLoop = false;
	}
	return repeats;
}

export class StepInputError extends Error {}

export function computeSteps(subsets: readonly StepSubset[], settings: StepSettings): StepReport {
	for (const [name, value] of [['batch size', settings.batchSize], ['gradient accumulation steps', settings.gradientAccumulationSteps],
		['GPUs', settings.gpus], ['epochs', settings.epochs]] as const) {
		if (!Number.isInteger(value) || value < 1) {
			throw new StepInputError(`${name} must be a whole number >= 1 (got ${value})`);
		}
	}
	// sd-scripts skips folders with repeats < 1 and folders without images.
	const used = subsets.filter((s) => s.repeats >= 1 && s.images > 0);
	const train = used.filter((s) => !s.isReg);
	const reg = used.filter((s) => s.isReg);
	const trainSamples = train.reduce((sum, s) => sum + s.images * s.repeats, 0);
	const regImagesTimesRepeats = reg.reduce((sum, s) => sum + s.images * s.repeats, 0);
	const regPerImage = regRepeats(reg, trainSamples);
	const regSamplesUsed = regPerImage.flat().reduce((a, b) => a + b, 0);

	let batches: number;
	let buckets: BucketResolution[] | undefined;
	if (settings.buckets) {
		const images: Array<{ size: readonly [number, number]; repeats: number }> = [];
		const addAll = (subset: StepSubset, repeatsOf: (i: number) => number): void => {
			if (!subset.imageSizes || subset.imageSizes.length !== subset.images) {
				throw new StepInputError('buckets need the size of every image');
			}
			subset.imageSizes.forEach((size, i) => {
				const r = repeatsOf(i);
				if (r > 0) {
					images.push({ size, repeats: r });
				}
			});
		};
		train.forEach((s) => addAll(s, () => s.repeats));
		reg.forEach((s, si) => addAll(s, (i) => regPerImage[si][i]));
		buckets = assignBuckets(images, settings.buckets);
		batches = buckets.reduce((sum, b) => sum + ceilDiv(b.count, settings.batchSize), 0);
	} else {
		batches = ceilDiv(trainSamples + regSamplesUsed, settings.batchSize);
	}
	const batchesPerEpoch = ceilDiv(batches, settings.gpus);
	const stepsPerEpoch = ceilDiv(batchesPerEpoch, settings.gradientAccumulationSteps);
	const totalSteps = settings.epochs * stepsPerEpoch;
	const epochs = stepsPerEpoch > 0 ? ceilDiv(totalSteps, stepsPerEpoch) : 0;
	return {
		trainImagesTimesRepeats: trainSamples,
		regImagesTimesRepeats,
		regSamplesUsed,
		batches,
		batchesPerEpoch,
		stepsPerEpoch,
		epochs,
		totalSteps,
		effectiveBatchSize: settings.batchSize * settings.gpus * settings.gradientAccumulationSteps,
		buckets,
	};
}
