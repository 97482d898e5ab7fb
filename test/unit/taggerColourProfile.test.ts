import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { preprocessForTagger } from '../../src/core/tagger/preprocess';
import { TaggerPreprocessPool } from '../../src/core/tagger/preprocessPool';
import { areaResizePaddedToBgr } from '../../src/core/tagger/areaResize';
import { pythonForSdScripts } from '../support/sdScriptsPython';

/*
 * sd-scripts reads images with PIL, which applies no colour profile: a Display P3 photo is tagged from its
 * stored values. The tagger must see those values too, not sharp's conversion to sRGB.
 */

const dir = mkdtempSync(join(tmpdir(), 'tagger-icc-'));
const photo = resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'photos', 'people', 'unsplash_makhmutova_dina.jpg');
const SIZE = 448;

/** The JPEG without its ICC_PROFILE (APP2) segments: the same coded pixels, no profile. */
function withoutIccSegments(jpeg: Buffer): Buffer {
	const parts: Buffer[] = [jpeg.subarray(0, 2)];
	let at = 2;
	while (at < jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
		const length = jpeg.readUInt16BE(at + 2);
		const segment = jpeg.subarray(at, at + 2 + length);
		if (!(jpeg[at + 1] === 0xe2 && segment.subarray(4, 16).toString('latin1') === 'ICC_PROFILE\0')) {
			parts.push(segment);
		}
		at += 2 + length;
	}
	parts.push(jpeg.subarray(at));
	return Buffer.concat(parts);
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
	assert.equal(a.length, b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) {
		max = Math.max(max, Math.abs(a[i] - b[i]));
	}
	return max;
}

async function displayP3Photo(): Promise<{ withProfile: string; withoutProfile: string }> {
	const withProfile = join(dir, 'p3.jpg');
	const withoutProfile = join(dir, 'p3-stripped.jpg');
	await sharp(photo).withIccProfile('p3').jpeg({ quality: 92 }).toFile(withProfile);
	const bytes = readFileSync(withProfile);
	const stripped = withoutIccSegments(bytes);
	assert.ok(stripped.length < bytes.length, 'the P3 photo carries an ICC profile');
	assert.equal((await sharp(withProfile).metadata()).icc !== undefined, true);
	assert.equal((await sharp(stripped).metadata()).icc, undefined);
	writeFileSync(withoutProfile, stripped);
	return { withProfile, withoutProfile };
}

test('tagger colour profiles: a Display P3 photo is prepared from its stored values, as PIL reads it, not converted to sRGB', async () => {
	const { withProfile, withoutProfile } = await displayP3Photo();
	const prepared = await preprocessForTagger(withProfile, SIZE);
	assert.equal(maxDifference(prepared, await preprocessForTagger(withoutProfile, SIZE)), 0, 'the profile changes nothing');
	// The case matters: converting through the profile, as sharp does by default, moves the colours.
	const { data, info } = await sharp(withProfile).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
	const side = Math.max(info.width, info.height);
	const bgr = areaResizePaddedToBgr({ pixels: data, width: info.width, height: info.height, side, padLeft: Math.floor((side - info.width) / 2), padTop: Math.floor((side - info.height) / 2) }, SIZE);
	assert.ok(maxDifference(prepared, bgr) >= 8, `a colour-managed read differs by ${maxDifference(prepared, bgr)} levels`);
	// The worker threads the tagger uses give the same bytes.
	const pool = new TaggerPreprocessPool(2);
	try {
		assert.equal(maxDifference(await pool.prepare(withProfile, SIZE), prepared), 0);
	} finally {
		await pool.dispose();
	}
});

test('tagger colour profiles: the prepared P3 photo equals sd-scripts\' preprocess_image within 1 level', async (t) => {
	const python = await pythonForSdScripts();
	if (!python) {
		t.skip('no python3 with Pillow, numpy and opencv (apt-get install python3-pil python3-numpy python3-opencv)');
		return;
	}
	const { withProfile } = await displayP3Photo();
	const out = join(dir, 'sd-scripts.raw');
	await promisify(execFile)(python, [resolve(__dirname, '..', '..', 'bench', 'wd14_preprocess.py'), 'dump', withProfile, out]);
	const theirs = new Uint8Array(readFileSync(out));
	const ours = await preprocessForTagger(withProfile, SIZE);
	assert.ok(maxDifference(ours, theirs) <= 1, `differs from sd-scripts by up to ${maxDifference(ours, theirs)} levels`);
});
