import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AREA_RESIZE_WASM_BASE64 } from '../../src/core/tagger/areaResizeKernel';
import { areaResizePaddedToBgr } from '../../src/core/tagger/areaResize';

const root = resolve(__dirname, '..', '..');

test('area resize kernel: the committed WebAssembly is the compile of areaResize.wat (else run npm run build:wasm)', async () => {
	const { compileAreaResizeKernel, KERNEL_SOURCE } = await import('../../scripts/wasmKernel.mjs');
	const compiled = Buffer.from(await compileAreaResizeKernel(readFileSync(resolve(root, KERNEL_SOURCE), 'utf8')));
	assert.equal(Buffer.from(AREA_RESIZE_WASM_BASE64, 'base64').toString('hex'), compiled.toString('hex'));
});

/** OpenCV's INTER_AREA on the explicitly padded square, in float64, unrounded: the slow, plain reference. */
function referenceArea(pixels: Uint8Array, width: number, height: number, size: number): Float64Array {
	const side = Math.max(width, height);
	const padLeft = Math.floor((side - width) / 2);
	const padTop = Math.floor((side - height) / 2);
	const value = (x: number, y: number, c: number) => {
		const ix = x - padLeft;
		const iy = y - padTop;
		return ix >= 0 && ix < width && iy >= 0 && iy < height ? pixels[(iy * width + ix) * 3 + c] : 255;
	};
	const integer = side % size === 0;
	const taps = (d: number): Array<[number, number]> => {
		const scale = side / size;
		if (integer) {
			return Array.from({ length: scale }, (_, i) => [d * scale + i, 1 / scale]);
		}
		const from = d * scale;
		const to = from + scale;
		const cell = Math.min(scale, side - from);
		const last = Math.min(Math.floor(to), side - 1);
		const start = Math.min(Math.ceil(from), last);
		const list: Array<[number, number]> = [];
		if (start - from > 1e-3) {
			list.push([start - 1, (start - from) / cell]);
		}
		for (let s = start; s < last; s++) {
			list.push([s, 1 / cell]);
		}
		if (to - last > 1e-3) {
			list.push([last, Math.min(Math.min(to - last, 1), cell) / cell]);
		}
		return list;
	};
	const out = new Float64Array(size * size * 3);
	for (let dy = 0; dy < size; dy++) {
		for (let dx = 0; dx < size; dx++) {
			for (let c = 0; c < 3; c++) {
				let sum = 0;
				for (const [y, wy] of taps(dy)) {
					for (const [x, wx] of taps(dx)) {
						sum += value(x, y, c) * wx * wy;
					}
				}
				out[(dy * size + dx) * 3 + c] = sum;
			}
		}
	}
	return out;
}

function noise(width: number, height: number, seed: number): Uint8Array {
	const pixels = new Uint8Array(width * height * 3);
	let state = seed;
	for (let i = 0; i < pixels.length; i++) {
		state = (state * 1103515245 + 12345) >>> 0;
		// Smooth-ish ramps plus noise, so sums land everywhere between two levels.
		pixels[i] = ((i % 97) * 2 + (state >>> 24) % 60) & 255;
	}
	return pixels;
}

for (const [width, height, size] of [
	[7, 5, 4], // fractional, padded top and bottom, a row length that is not a multiple of 16
	[5, 9, 4], // padded left and right: some output columns lie wholly on white
	[6, 6, 3], // integer factor (resizeAreaFast), no padding
	[12, 4, 3], // integer factor with whole output rows of padding
	[301, 187, 64], // fractional, larger
	[97, 211, 97], // factor just above 2
] as const) {
	test(`area resize kernel: ${width}x${height} to ${size}x${size} lands within one level of OpenCV's INTER_AREA, and on it for nearly every value`, () => {
		const pixels = noise(width, height, width * 31 + height);
		const side = Math.max(width, height);
		const out = areaResizePaddedToBgr({ pixels, width, height, side, padLeft: Math.floor((side - width) / 2), padTop: Math.floor((side - height) / 2) }, size);
		const reference = referenceArea(pixels, width, height, size);
		const integer = side % size === 0;
		let off = 0;
		for (let i = 0; i < out.length; i++) {
			// The output is B,G,R and the reference R,G,B. resizeAreaFast rounds half up; the general path rounds to
			// nearest (no exact halves in these sums).
			const value = reference[i - (i % 3) + 2 - (i % 3)];
			const expected = integer ? Math.floor(value + 0.5 + 1e-9) : Math.round(value);
			assert.ok(Math.abs(out[i] - expected) <= 1, `value ${i}: ${out[i]}, OpenCV's ${value.toFixed(4)}`);
			off += out[i] === expected ? 0 : 1;
		}
		assert.ok(off <= Math.max(1, out.length * 0.01), `${off} of ${out.length} values one level off`);
	});
}

test('area resize kernel: after a photo too big to keep its memory for, the next image is still resized right', () => {
	const flat = (width: number, height: number, rgb: [number, number, number]) => {
		const pixels = new Uint8Array(width * height * 3);
		for (let i = 0; i < pixels.length; i += 3) {
			pixels.set(rgb, i);
		}
		const side = Math.max(width, height);
		return { pixels, width, height, side, padLeft: Math.floor((side - width) / 2), padTop: Math.floor((side - height) / 2) };
	};
	// 4800x4700x3 = 68 MB: over the kernel's keep limit, so its memory is let go afterwards.
	const big = areaResizePaddedToBgr(flat(4800, 4700, [10, 200, 30]), 448);
	assert.deepEqual([...big.subarray(224 * 448 * 3, 224 * 448 * 3 + 3)], [30, 200, 10]);
	const small = areaResizePaddedToBgr(flat(900, 600, [70, 80, 90]), 448);
	assert.deepEqual([...small.subarray(224 * 448 * 3, 224 * 448 * 3 + 3)], [90, 80, 70], 'middle keeps its colour, as B,G,R');
	assert.deepEqual([...small.subarray(0, 3)], [255, 255, 255], 'top-left is padding');
});
