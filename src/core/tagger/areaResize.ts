/**
 * OpenCV's INTER_AREA downscale (cv2.resize, which sd-scripts uses when the padded square is at least the
 * model size), applied to an RGB image that is virtually padded with white to a centred square: the
 * padding is never allocated, which matters for 24-megapixel photos.
 */

interface Tap {
	/** Index into the padded axis. */
	source: number;
	weight: number;
}

/** OpenCV's computeResizeAreaTab for one axis: which padded source pixels feed each output pixel. */
function areaTaps(sourceSize: number, targetSize: number): Tap[][] {
	const scale = 1 / (targetSize / sourceSize);
	const taps: Tap[][] = [];
	for (let d = 0; d < targetSize; d++) {
		const from = d * scale;
		const to = from + scale;
		const cell = Math.min(scale, sourceSize - from);
		let first = Math.ceil(from);
		const last = Math.min(Math.floor(to), sourceSize - 1);
		first = Math.min(first, last);
		const list: Tap[] = [];
		if (first - from > 1e-3) {
			list.push({ source: first - 1, weight: (first - from) / cell });
		}
		for (let s = first; s < last; s++) {
			list.push({ source: s, weight: 1 / cell });
		}
		if (to - last > 1e-3) {
			list.push({ source: last, weight: Math.min(Math.min(to - last, 1), cell) / cell });
		}
		taps.push(list);
	}
	return taps;
}

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

const WHITE = 255;

/** The padded square resized to `size`x`size` with INTER_AREA, rounded to 8 bits as cv2 returns it. */
export function areaResizePadded(image: PaddedSquare, size: number): Uint8Array {
	const { pixels, width, height, side, padLeft, padTop } = image;
	const integerScale = side % size === 0 ? side / size : 0;
	const xTaps = areaTaps(side, size);
	const yTaps = areaTaps(side, size);
	// Horizontal pass over the real rows only; rows of padding are white after any horizontal filter.
	const rows = new Float64Array(height * size * 3);
	for (let y = 0; y < height; y++) {
		const rowStart = y * width * 3;
		const outStart = y * size * 3;
		for (let dx = 0; dx < size; dx++) {
			let r = 0;
			let g = 0;
			let b = 0;
			for (const tap of xTaps[dx]) {
				const x = tap.source - padLeft;
				const weight = integerScale ? 1 : tap.weight;
				if (x < 0 || x >= width) {
					r += WHITE * weight;
					g += WHITE * weight;
					b += WHITE * weight;
				} else {
					const at = rowStart + x * 3;
					r += pixels[at] * weight;
					g += pixels[at + 1] * weight;
					b += pixels[at + 2] * weight;
				}
			}
			rows[outStart + dx * 3] = r;
			rows[outStart + dx * 3 + 1] = g;
			rows[outStart + dx * 3 + 2] = b;
		}
	}
	const out = new Uint8Array(size * size * 3);
	const whiteRow = integerScale ? WHITE * integerScale : WHITE;
	const area = integerScale * integerScale;
	const rowLength = size * 3;
	const sum = new Float64Array(rowLength);
	for (let dy = 0; dy < size; dy++) {
		sum.fill(0);
		for (const tap of yTaps[dy]) {
			const y = tap.source - padTop;
			const weight = integerScale ? 1 : tap.weight;
			if (y < 0 || y >= height) {
				const add = whiteRow * weight;
				for (let i = 0; i < rowLength; i++) {
					sum[i] += add;
				}
			} else {
				const rowStart = y * rowLength;
				for (let i = 0; i < rowLength; i++) {
					sum[i] += rows[rowStart + i] * weight;
				}
			}
		}
		const outRow = dy * rowLength;
		for (let i = 0; i < rowLength; i++) {
			// The integer-factor path of OpenCV (resizeAreaFast) rounds half up; the general path rounds the float.
			out[outRow + i] = integerScale ? Math.floor((sum[i] + area / 2) / area) : clampByte(Math.round(sum[i]));
		}
	}
	return out;
}

function clampByte(value: number): number {
	return value < 0 ? 0 : value > 255 ? 255 : value;
}
