/**
 * OpenCV's INTER_AREA downscale (cv2.resize, which sd-scripts uses when the padded square is at least the
 * model size), applied to an RGB image that is virtually padded with white to a centred square: the
 * padding is never allocated, which matters for 24-megapixel photos.
 *
 * Each source row is read once and folded into the one or two output rows
 * it overlaps, in float32 as OpenCV's resizeArea does for 8-bit images; typed tap tables replace per-tap
 * objects, since this loop is most of the tagger's CPU time after decoding.
 */

export interface PaddedSquare {
	/** Interleaved 3-channel pixels, row-major. */
	pixels: Uint8Array;
	width: number;
	height: number;
	/** Side of the white square the image is centred in (>= width and height). */
	side: number;
	padLeft: number;
	padTop: number;
}

/** The padded square resized to `size`x`size` with INTER_AREA, rounded to 8 bits as cv2 returns it. */
export function areaResizePadded(image: PaddedSquare, size: number): Uint8Array {
	const { pixels, width, height, side, padLeft, padTop } = image;
	// OpenCV takes resizeAreaFast (plain block sums, round half up) when the factor is an integer.
	const integerScale = side % size === 0 ? side / size : 0;
	const scale = side / size;
	// OpenCV's computeResizeAreaTab per axis, split into taps inside the image (first index and weights,
	// consecutive) and the summed weight of taps that fall on the white padding.
	const axis = (imageSize: number, pad: number) => {
		const first = new Int32Array(size);
		const count = new Int32Array(size);
		const padWeight = new Float32Array(size);
		const weights: number[] = [];
		const offset = new Int32Array(size);
		for (let d = 0; d < size; d++) {
			const from = d * scale;
			const to = from + scale;
			const cell = Math.min(scale, side - from);
			const last = Math.min(Math.floor(to), side - 1);
			const start = Math.min(Math.ceil(from), last);
			const sources: number[] = [];
			const tapWeights: number[] = [];
			if (start - from > 1e-3) {
				sources.push(start - 1);
				tapWeights.push((start - from) / cell);
			}
			for (let s = start; s < last; s++) {
				sources.push(s);
				tapWeights.push(1 / cell);
			}
			if (to - last > 1e-3) {
				sources.push(last);
				tapWeights.push(Math.min(Math.min(to - last, 1), cell) / cell);
			}
			offset[d] = weights.length;
			first[d] = -1;
			for (let k = 0; k < sources.length; k++) {
				const weight = integerScale ? 1 : tapWeights[k];
				const inside = sources[k] - pad;
				if (inside < 0 || inside >= imageSize) {
					padWeight[d] += weight;
				} else {
					if (first[d] < 0) {
						first[d] = inside;
					}
					count[d]++;
					weights.push(weight);
				}
			}
		}
		return { first, count, padWeight, offset, weights: Float32Array.from(weights) };
	};
	const xs = axis(width, padLeft);
	const ys = axis(height, padTop);
	// Which output rows (at most two, as the factor is >= 1) each image row feeds, with what weight.
	const rowTo = new Int32Array(height * 2).fill(-1);
	const rowWeight = new Float32Array(height * 2);
	for (let dy = 0; dy < size; dy++) {
		for (let k = 0; k < ys.count[dy]; k++) {
			const y = ys.first[dy] + k;
			const slot = rowTo[y * 2] < 0 ? y * 2 : y * 2 + 1;
			rowTo[slot] = dy;
			rowWeight[slot] = ys.weights[ys.offset[dy] + k];
		}
	}
	const rowLength = size * 3;
	// A white row after the horizontal pass: 255 times the column's total weight (1, or the factor).
	const whiteColumn = new Float32Array(size);
	for (let dx = 0; dx < size; dx++) {
		let total = xs.padWeight[dx];
		for (let k = 0; k < xs.count[dx]; k++) {
			total += xs.weights[xs.offset[dx] + k];
		}
		whiteColumn[dx] = 255 * total;
	}
	// Inside one output column every tap but the first and last has the same weight (1/cell), so the inner
	// pixels are summed as integers and weighted once: four times fewer multiplies than a per-tap loop.
	const firstWeight = new Float32Array(size);
	const innerWeight = new Float32Array(size);
	const lastWeight = new Float32Array(size);
	for (let dx = 0; dx < size; dx++) {
		const at = xs.offset[dx];
		const n = xs.count[dx];
		firstWeight[dx] = n > 0 ? xs.weights[at] : 0;
		innerWeight[dx] = n > 2 ? xs.weights[at + 1] : 0;
		lastWeight[dx] = n > 1 ? xs.weights[at + n - 1] : 0;
	}
	const sums = new Float32Array(size * rowLength);
	const row = new Float32Array(rowLength);
	const { first: xFirst, count: xCount, padWeight: xPad } = xs;
	for (let y = 0; y < height; y++) {
		const rowStart = y * width * 3;
		for (let dx = 0; dx < size; dx++) {
			const white = 255 * xPad[dx];
			const n = xCount[dx];
			const o = dx * 3;
			if (n === 0) {
				row[o] = white;
				row[o + 1] = white;
				row[o + 2] = white;
				continue;
			}
			let at = rowStart + xFirst[dx] * 3;
			const wa = firstWeight[dx];
			let r = white + pixels[at] * wa;
			let g = white + pixels[at + 1] * wa;
			let b = white + pixels[at + 2] * wa;
			if (n > 1) {
				let ri = 0;
				let gi = 0;
				let bi = 0;
				for (let k = 2; k < n; k++) {
					at += 3;
					ri += pixels[at];
					gi += pixels[at + 1];
					bi += pixels[at + 2];
				}
				at += 3;
				const wi = innerWeight[dx];
				const wb = lastWeight[dx];
				r += ri * wi + pixels[at] * wb;
				g += gi * wi + pixels[at + 1] * wb;
				b += bi * wi + pixels[at + 2] * wb;
			}
			row[o] = r;
			row[o + 1] = g;
			row[o + 2] = b;
		}
		for (let slot = y * 2; slot < y * 2 + 2 && rowTo[slot] >= 0; slot++) {
			const weight = rowWeight[slot];
			const outStart = rowTo[slot] * rowLength;
			for (let i = 0; i < rowLength; i++) {
				sums[outStart + i] += row[i] * weight;
			}
		}
	}
	// Clamped stores: a sum a float error puts just past 255 stays 255 instead of wrapping to 0.
	const out = new Uint8ClampedArray(size * rowLength);
	// resizeAreaFast rounds half up in integers; the general path rounds the float sum (values are >= 0).
	const area = integerScale || 1;
	const half = integerScale ? area * area / 2 : 0.5;
	const divisor = integerScale ? area * area : 1;
	for (let dy = 0; dy < size; dy++) {
		const padRows = ys.padWeight[dy];
		const outStart = dy * rowLength;
		if (padRows === 0) {
			for (let i = outStart; i < outStart + rowLength; i++) {
				out[i] = Math.floor((sums[i] + half) / divisor);
			}
			continue;
		}
		for (let dx = 0; dx < size; dx++) {
			const white = padRows * whiteColumn[dx];
			for (let i = outStart + dx * 3; i < outStart + dx * 3 + 3; i++) {
				out[i] = Math.floor((sums[i] + white + half) / divisor);
			}
		}
	}
	return new Uint8Array(out.buffer);
}
