import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketPreview, describePlacement } from '../../src/core/bucketPreview';

const SD15_BUCKETS = { minBucketReso: 256, maxBucketReso: 1024, bucketResoSteps: 64, bucketNoUpscale: false };

test('buckets off (the guide): a 512x768 body crop is centre-cropped to 512x512 with cached latents, and stops the run without', () => {
	const cached = new BucketPreview({ resolution: [512, 512], randomCrop: false, cacheLatents: true }).place(512, 768);
	assert.deepEqual(cached.bucket, [512, 512]);
	assert.deepEqual(cached.kept, { x: 0, y: 128, width: 512, height: 512 });
	assert.equal(Math.round(cached.cutShare * 1000) / 1000, 0.333);
	assert.equal(cached.stops, undefined);
	assert.equal(describePlacement(cached), 'bucket 512x512, keeps the middle 67% (top and bottom cut)');
	const uncached = new BucketPreview({ resolution: [512, 512], randomCrop: false, cacheLatents: false }).place(512, 768);
	assert.match(uncached.stops ?? '', /image too large, but cropping and bucketing are disabled/);
	const square = new BucketPreview({ resolution: [512, 512], randomCrop: false, cacheLatents: false }).place(512, 512);
	assert.equal(square.cutShare, 0);
	assert.equal(describePlacement(square), 'bucket 512x512, whole picture kept');
});

test('buckets on at 512: sd-scripts\' own bucket list puts 2:3 into 384x640 and trims the sides', () => {
	const preview = new BucketPreview({ resolution: [512, 512], buckets: { resolution: [512, 512], ...SD15_BUCKETS }, randomCrop: false, cacheLatents: true });
	const body = preview.place(512, 768);
	// make_bucket_resolutions at 512: 256x1024, 320x768, 384x640, 448x576, 512x512 (and turned); 2:3 is nearest 384x640.
	assert.deepEqual(body.bucket, [384, 640]);
	// select_bucket: the image is wider than the bucket, so it is scaled to the height (640/768) = 427x640, 21 px cut each side.
	assert.equal(Math.round(body.kept.x), 25);
	assert.equal(Math.round(body.kept.width), 460);
	assert.equal(Math.round(body.kept.height), 767, 'the whole height (rounding of the resize)');
	assert.equal(describePlacement(body), 'bucket 384x640, keeps the middle 90% (left and right cut)');
	assert.equal(describePlacement(preview.place(640, 384)), 'bucket 640x384, whole picture kept');
});

test('the resolution comes from the settings: at 1024 (SDXL, Flux) a 512x768 crop lands in 832x1216, upscaled', () => {
	const preview = new BucketPreview({ resolution: [1024, 1024], buckets: { resolution: [1024, 1024], minBucketReso: 256, maxBucketReso: 2048, bucketResoSteps: 64, bucketNoUpscale: false }, randomCrop: false, cacheLatents: true });
	const body = preview.place(512, 768);
	assert.deepEqual(body.bucket, [832, 1216]);
	assert.ok(body.scale > 1.6, String(body.scale));
	assert.match(describePlacement(body), /^bucket 832x1216, keeps the middle 9\d% \(top and bottom cut\)|^bucket 832x1216, whole picture kept \(upscaled 1\.\d\dx\)$/);
});

test('bucket_no_upscale keeps the size and cuts only the remainder to the step', () => {
	const preview = new BucketPreview({ resolution: [512, 512], buckets: { resolution: [512, 512], ...SD15_BUCKETS, bucketNoUpscale: true }, randomCrop: false, cacheLatents: true });
	const small = preview.place(500, 300);
	assert.deepEqual(small.bucket, [448, 256]);
	assert.equal(small.kept.width, 448);
	assert.equal(small.kept.height, 256);
	assert.equal(small.kept.x, 26);
	assert.equal(small.kept.y, 22);
});

test('buckets off: the preview keeps what the training preflight says sd-scripts keeps (centreCrop)', async () => {
	const { centreCrop } = await import('../../src/core/training/bucketCrop');
	const preview = new BucketPreview({ resolution: [512, 512], randomCrop: false, cacheLatents: true });
	for (const size of [[512, 768], [1126, 661], [300, 900], [2000, 2000]] as const) {
		const placement = preview.place(size[0], size[1]);
		const crop = centreCrop(size, [512, 512]);
		const k = placement.kept;
		const ours = [k.x, k.y, k.x + k.width, k.y + k.height];
		// Within a pixel: the preflight divides by the cover factor, the preview by the rounded resize.
		assert.ok(ours.every((v, i) => Math.abs(v - crop.kept[i]) <= 1), `${size.join('x')}: ${ours.map(Math.round).join(',')} vs ${crop.kept.join(',')}`);
	}
});

test('images of one size share one placement, and each size gets its own', () => {
	const preview = new BucketPreview({ resolution: [512, 512], buckets: { resolution: [512, 512], ...SD15_BUCKETS }, randomCrop: false, cacheLatents: true });
	const body = preview.place(512, 768);
	assert.equal(preview.place(512, 768), body);
	assert.deepEqual(preview.place(768, 512).bucket, [640, 384]);
	assert.deepEqual(preview.place(512, 768).bucket, [384, 640]);
	assert.deepEqual(preview.place(100_000, 300).bucket, new BucketPreview({ resolution: [512, 512], buckets: { resolution: [512, 512], ...SD15_BUCKETS }, randomCrop: false, cacheLatents: true }).place(100_000, 300).bucket);
});
