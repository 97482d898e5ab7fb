import { AnalysisImage } from './decode';

/** What the look checks are decided on; all measured on the analysis image (training scale). */
export interface ImageMeasures {
	/**
	 * Variance of the 4-neighbour Laplacian of 8-bit luma, with the luma stretched first so its 1st and 99th
	 * percentiles span 0-255 (at most 4x): a dark but sharp picture is as sharp as its well exposed twin.
	 */
	sharpness: number;
	meanLuma: number;
	/** Share of pixels at luma <= 16. */
	darkShare: number;
	/** Share of pixels at luma >= 250. */
	brightShare: number;
	/**
	 * Share of pixels at luma >= 250 in the middle of the picture (the middle half of the width, 60% of the height),
	 * where the person is: blown skin and hair there is overexposure, a white studio background around is not.
	 */
	centerBrightShare: number;
	/** Mean Cb and Cr offsets from neutral over the mid-tones (-128..127). */
	castCb: number;
	castCr: number;
	/** Length of (castCb, castCr). */
	cast: number;
	/** Mean of max(R,G,B) - min(R,G,B) per pixel: 0 for a gray picture. */
	chroma: number;
}

/** Exposure from the luma histogram, colour cast from the average tint of the mid-tones, in one pass. */
export function measureImage(image: AnalysisImage): ImageMeasures {
	const { data, width, height } = image;
	const count = width * height;
	const luma = new Float32Array(count);
	let lumaSum = 0;
	let dark = 0;
	let bright = 0;
	let cbSum = 0;
	let crSum = 0;
	let midCount = 0;
	let chromaSum = 0;
	const histogram = new Uint32Array(256);
	const [left, right, top, bottom] = [Math.floor(width * 0.25), Math.ceil(width * 0.75), Math.floor(height * 0.2), Math.ceil(height * 0.8)];
	let centerCount = 0;
	let centerBright = 0;
	for (let i = 0, p = 0; i < count; i++, p += 3) {
		const r = data[p];
		const g = data[p + 1];
		const b = data[p + 2];
		const y = 0.299 * r + 0.587 * g + 0.114 * b;
		luma[i] = y;
		lumaSum += y;
		histogram[Math.min(255, Math.round(y))]++;
		const x = i % width;
		const row = (i - x) / width;
		if (x >= left && x < right && row >= top && row < bottom) {
			centerCount++;
			if (y >= 250) {
				centerBright++;
			}
		}
		if (y <= 16) {
			dark++;
		} else if (y >= 250) {
			bright++;
		}
		// Shadows and clipped highlights carry little colour and would dilute the cast.
		if (y > 24 && y < 235) {
			cbSum += 0.564 * (b - y);
			crSum += 0.713 * (r - y);
			midCount++;
		}
		chromaSum += Math.max(r, g, b) - Math.min(r, g, b);
	}
	const castCb = midCount ? cbSum / midCount : 0;
	const castCr = midCount ? crSum / midCount : 0;
	return {
		sharpness: laplacianVariance(luma, width, height) * contrastGain(histogram, count) ** 2,
		meanLuma: lumaSum / count,
		darkShare: dark / count,
		brightShare: bright / count,
		centerBrightShare: centerCount ? centerBright / centerCount : 0,
		castCb,
		castCr,
		cast: Math.hypot(castCb, castCr),
		chroma: chromaSum / count,
	};
}

/** How much the luma's 1st-99th percentile range must be stretched to span 0-255 (1 to 4: noise is not detail). */
function contrastGain(histogram: Uint32Array, count: number): number {
	const cut = count * 0.01;
	let low = 0;
	for (let seen = 0; low < 255 && (seen += histogram[low]) < cut; low++) { /* find the 1st percentile */ }
	let high = 255;
	for (let seen = 0; high > 0 && (seen += histogram[high]) < cut; high--) { /* find the 99th percentile */ }
	return Math.min(4, Math.max(1, 255 / Math.max(1, high - low)));
}

export function laplacianVariance(luma: Float32Array, width: number, height: number): number {
	if (width < 3 || height < 3) {
		return 0;
	}
	let sum = 0;
	let sumSq = 0;
	let n = 0;
	for (let y = 1; y < height - 1; y++) {
		const row = y * width;
		for (let x = 1; x < width - 1; x++) {
			const i = row + x;
			const v = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - 4 * luma[i];
			sum += v;
			sumSq += v * v;
			n++;
		}
	}
	const mean = sum / n;
	return sumSq / n - mean * mean;
}

/**
 * 64-bit perceptual hash (pHash, as 16 hex digits): 32x32 luma, 2-D DCT, the 8x8 lowest frequencies (without DC)
 * compared with their median. Robust to resizing, recompression and small crops.
 */
export function perceptualHash(image: AnalysisImage): string {
	return perceptualHashes(image).hash;
}

/**
 * The pHash and the pHash of the horizontally mirrored picture, from one DCT: mirroring a row negates its odd
 * DCT-II frequencies, so a flipped copy (a selfie, a re-post) is found without decoding it twice.
 */
export function perceptualHashes(image: AnalysisImage): { hash: string; mirrored: string } {
	const size = 32;
	const dct = dct2d(areaResizeLuma(image, size, size), size);
	const values: number[] = [];
	for (let v = 0; v < 8; v++) {
		for (let u = 0; u < 8; u++) {
			values.push(dct[v * size + u]);
		}
	}
	return { hash: hashOf(values), mirrored: hashOf(values.map((value, i) => ((i % 8) % 2 === 1 ? -value : value))) };
}

function hashOf(values: readonly number[]): string {
	const sorted = values.slice(1).sort((a, b) => a - b);
	const median = sorted[Math.floor(sorted.length / 2)];
	let hex = '';
	for (let nibble = 0; nibble < 16; nibble++) {
		let v = 0;
		for (let bit = 0; bit < 4; bit++) {
			v = (v << 1) | (values[nibble * 4 + bit] > median ? 1 : 0);
		}
		hex += v.toString(16);
	}
	return hex;
}

/** Box-filter downscale of luma: every source pixel lands in exactly one cell. */
function areaResizeLuma(image: AnalysisImage, outW: number, outH: number): Float64Array {
	const { data, width, height } = image;
	const sums = new Float64Array(outW * outH);
	const counts = new Float64Array(outW * outH);
	for (let y = 0; y < height; y++) {
		const cy = Math.min(outH - 1, Math.floor((y * outH) / height));
		for (let x = 0; x < width; x++) {
			const cx = Math.min(outW - 1, Math.floor((x * outW) / width));
			const p = (y * width + x) * 3;
			const cell = cy * outW + cx;
			sums[cell] += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
			counts[cell]++;
		}
	}
	for (let i = 0; i < sums.length; i++) {
		sums[i] = counts[i] ? sums[i] / counts[i] : 0;
	}
	return sums;
}

const cosineTables = new Map<number, Float64Array>();

function cosineTable(n: number): Float64Array {
	let table = cosineTables.get(n);
	if (!table) {
		table = new Float64Array(n * n);
		for (let k = 0; k < n; k++) {
			for (let i = 0; i < n; i++) {
				table[k * n + i] = Math.cos(((2 * i + 1) * k * Math.PI) / (2 * n));
			}
		}
		cosineTables.set(n, table);
	}
	return table;
}

/** Separable (unnormalised) DCT-II; only the ordering of coefficients matters for the hash. */
function dct2d(input: Float64Array, n: number): Float64Array {
	const table = cosineTable(n);
	const rows = new Float64Array(n * n);
	for (let y = 0; y < n; y++) {
		for (let k = 0; k < n; k++) {
			let s = 0;
			for (let x = 0; x < n; x++) {
				s += input[y * n + x] * table[k * n + x];
			}
			rows[y * n + k] = s;
		}
	}
	const out = new Float64Array(n * n);
	for (let u = 0; u < n; u++) {
		for (let k = 0; k < n; k++) {
			let s = 0;
			for (let y = 0; y < n; y++) {
				s += rows[y * n + u] * table[k * n + y];
			}
			out[k * n + u] = s;
		}
	}
	return out;
}
