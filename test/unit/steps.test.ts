import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeSteps, regRepeats } from '../../src/core/steps';
import { BucketSelector, assignBuckets, makeBucketResolutions } from '../../src/core/stepsBuckets';

const base = { batchSize: 1, gradientAccumulationSteps: 1, gpus: 1, epochs: 10 };
const square = [512, 512] as const;
const tall = [512, 768] as const;
const sizes = (n: number, size: readonly [number, number]): Array<readonly [number, number]> => Array.from({ length: n }, () => size);
const bucketOptions = { resolution: [512, 512] as const, minBucketReso: 256, maxBucketReso: 1024, bucketResoSteps: 64, bucketNoUpscale: false };

describe('step math (sd-scripts §5)', () => {
	it('guide defaults: 28 faces x 24 + 16 bodies x 16, batch 1, 10 epochs', () => {
		const report = computeSteps([{ images: 28, repeats: 24, isReg: false }, { images: 16, repeats: 16, isReg: false }], base);
		assert.equal(report.trainImagesTimesRepeats, 928);
		assert.equal(report.batchesPerEpoch, 928);
		assert.equal(report.stepsPerEpoch, 928);
		assert.equal(report.epochs, 10);
		assert.equal(report.totalSteps, 9280);
	});

	it('reference example: 20 images x 24, batch 2 -> 240 batches, 2400 steps', () => {
		const report = computeSteps([{ images: 20, repeats: 24, isReg: false }], { ...base, batchSize: 2 });
		assert.equal(report.trainImagesTimesRepeats, 480);
		assert.equal(report.batches, 240);
		assert.equal(report.totalSteps, 2400);
	});

	it('partial batches, gradient accumulation and GPUs round up at each stage', () => {
		// 10 x 5 = 50 samples, batch 3 -> 17 batches; 2 GPUs -> 9 per GPU; accumulation 2 -> 5 steps/epoch.
		const report = computeSteps([{ images: 10, repeats: 5, isReg: false }], { batchSize: 3, gradientAccumulationSteps: 2, gpus: 2, epochs: 3 });
		assert.equal(report.batches, 17);
		assert.equal(report.batchesPerEpoch, 9);
		assert.equal(report.stepsPerEpoch, 5);
		assert.equal(report.totalSteps, 15);
		assert.equal(report.effectiveBatchSize, 12);
	});

	it('folders with no images or repeats below 1 do not count', () => {
		const report = computeSteps([{ images: 4, repeats: 2, isReg: false }, { images: 0, repeats: 10, isReg: false }, { images: 9, repeats: 0, isReg: false }], base);
		assert.equal(report.trainImagesTimesRepeats, 8);
		assert.equal(report.totalSteps, 80);
	});

	it('reg images: repeats grow round-robin until they match the train samples', () => {
		// 10 x 10 = 100 train samples; 30 reg images x 1: pass 1 gives 30, then +1 each pass: 60, 90, then 10 more.
		const perImage = regRepeats([{ images: 30, repeats: 1, isReg: true }], 100);
		assert.deepEqual(perImage[0].slice(0, 10), new Array(10).fill(4));
		assert.deepEqual(perImage[0].slice(10), new Array(20).fill(3));
		const report = computeSteps([{ images: 10, repeats: 10, isReg: false }, { images: 30, repeats: 1, isReg: true }], base);
		assert.equal(report.regImagesTimesRepeats, 30);
		assert.equal(report.regSamplesUsed, 100);
		assert.equal(report.batches, 200);
		assert.equal(report.totalSteps, 2000);
	});

	it('reg images: the first pass overshoots by whole images and leaves the rest unused', () => {
		// 5 x 3 = 15 train samples; reg images have 10 repeats: 10, then 20 >= 15 -> stop; third image unused.
		const report = computeSteps([{ images: 5, repeats: 3, isReg: false }, { images: 3, repeats: 10, isReg: true }], { ...base, batchSize: 4 });
		assert.equal(report.regImagesTimesRepeats, 30);
		assert.equal(report.regSamplesUsed, 20);
		assert.equal(report.batches, 9); // ceil(35 / 4)
		assert.deepEqual(regRepeats([{ images: 3, repeats: 10, isReg: true }], 15), [[10, 10, 0]]);
	});

	it('rejects settings below 1 with a message naming the setting', () => {
		assert.throws(() => computeSteps([{ images: 1, repeats: 1, isReg: false }], { ...base, batchSize: 0 }), /batch size/);
	});
});

describe('buckets (make_bucket_resolutions / select_bucket)', () => {
	it('512x512 with 256..1024 step 64 gives sd-scripts\' 17 resolutions', () => {
		assert.deepEqual(makeBucketResolutions([512, 512], 256, 1024, 64), [
			[256, 832], [256, 896], [256, 960], [256, 1024], [320, 704], [320, 768], [384, 640], [448, 576], [512, 512],
			[576, 448], [640, 384], [704, 320], [768, 320], [832, 256], [896, 256], [960, 256], [1024, 256],
		]);
	});

	it('picks the bucket with the nearest aspect ratio', () => {
		const selector = new BucketSelector(bucketOptions);
		assert.deepEqual(selector.select(512, 768), [384, 640]);
		assert.deepEqual(selector.select(768, 512), [640, 384]);
		assert.deepEqual(selector.select(1024, 1024), [512, 512]);
		assert.deepEqual(selector.select(320, 768), [320, 768]); // exact bucket size is kept
	});

	it('bucket_no_upscale: small images keep their size floored to the step, big ones shrink to the area', () => {
		const selector = new BucketSelector({ ...bucketOptions, bucketNoUpscale: true });
		assert.deepEqual(selector.select(400, 300), [384, 256]);
		assert.deepEqual(selector.select(1024, 768), [512, 384]);
	});

	it('reference example: 7/7/6 images x 24 in three buckets, batch 4 -> 42 + 42 + 36 = 120 batches', () => {
		const report = computeSteps([{ images: 20, repeats: 24, isReg: false, imageSizes: [...sizes(7, square), ...sizes(7, tall), ...sizes(6, [768, 512])] }],
			{ ...base, batchSize: 4, buckets: bucketOptions });
		assert.deepEqual(report.buckets, [{ width: 384, height: 640, count: 168 }, { width: 512, height: 512, count: 168 }, { width: 640, height: 384, count: 144 }]);
		assert.equal(report.batches, 120);
		assert.equal(report.totalSteps, 1200);
	});

	it('odd bucket counts add partial batches that the no-bucket count misses', () => {
		const subsets = [{ images: 6, repeats: 3, isReg: false, imageSizes: [...sizes(3, square), ...sizes(3, tall)] }];
		// 9 + 9 samples, batch 4: ceil(9/4) + ceil(9/4) = 6 batches; without buckets ceil(18/4) = 5.
		assert.equal(computeSteps(subsets, { ...base, batchSize: 4, buckets: bucketOptions }).batches, 6);
		assert.equal(computeSteps(subsets, { ...base, batchSize: 4 }).batches, 5);
	});

	it('reg images go into buckets with their grown repeats', () => {
		const report = computeSteps([
			{ images: 2, repeats: 3, isReg: false, imageSizes: sizes(2, square) },
			{ images: 1, repeats: 1, isReg: true, imageSizes: sizes(1, tall) },
		], { ...base, batchSize: 4, buckets: bucketOptions });
		assert.deepEqual(assignBuckets([{ size: tall, repeats: 6 }], bucketOptions), [{ width: 384, height: 640, count: 6 }]);
		assert.deepEqual(report.buckets, [{ width: 384, height: 640, count: 6 }, { width: 512, height: 512, count: 6 }]);
		assert.equal(report.batches, 4);
	});

	it('rejects a resolution outside the bucket range, as sd-scripts asserts', () => {
		assert.throws(() => new BucketSelector({ ...bucketOptions, minBucketReso: 640 }), /smaller than min_bucket_reso/);
	});
});
