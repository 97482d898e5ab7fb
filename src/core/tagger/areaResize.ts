import { AREA_RESIZE_WASM_BASE64 } from './areaResizeKernel';

/**
 * OpenCV's INTER_AREA downscale (cv2.resize, which sd-scripts uses when the padded square is at least the
 * model size), applied to an RGB image that is virtually padded with white to a centred square: the
 * padding is never allocated, which matters for 24-megapixel photos.
 *
 * The tap tables are OpenCV's computeResizeAreaTab, made here; the per-pixel work runs in a WebAssembly SIMD
 * kernel (areaResize.wat): each output row first sums its source rows (one pass over each source byte), then
 * weighs the columns of that sum. Only a cell's first and last pixel can be partly covered, so the kernel takes
 * the second tap's weight for every tap between them. Float32 as OpenCV's resizeArea for 8-bit images; the
 * summation order differs from OpenCV's, so about one value in 700 lands one level off cv2's (0.136% on 60 real
 * photos against sd-scripts' preprocess_image, never more than one level), as with the JavaScript loops before.
 */

export interface PaddedSquare {
	/** Interleaved R,G,B pixels, row-major. */
	pixels: Uint8Array;
	width: number;
	height: number;
	/** Side of the white square the image is centred in (>= width and height). */
	side: number;
	padLeft: number;
	padTop: number;
}

/** Taps of one axis: for each output index, its consecutive source pixels inside the image and their weights. */
interface AxisTaps {
	first: Int32Array;
	count: Int32Array;
	offset: Int32Array;
	weights: Float32Array;
	/** Summed weight of the taps that fall on the white padding. */
	padWeight: Float32Array;
}

/** The WebAssembly API used here: the project's TypeScript libraries (ES2022 and Node) do not declare it. */
declare const WebAssembly: {
	Module: new (bytes: Uint8Array) => object;
	Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Kernel {
	memory: { buffer: ArrayBuffer; grow(pages: number): number };
	sumRows(src: number, stride: number, rows: number, firstWeight: number, innerWeight: number, lastWeight: number, acc: number, n: number): void;
	outputRow(acc: number, out: number, size: number, columns: number, whiteRow: number, yTotal: number, half: number, divisor: number): void;
}

/** Above this the kernel's memory (it holds a copy of the photo) is let go after the resize instead of kept. */
const KEEP_MEMORY_BYTES = 64 << 20;
/** Bytes of an output column's entry in the kernel's column table (areaResize.wat, outputRow). */
const COLUMN_BYTES = 32;

let compiled: object | undefined;
let kept: Kernel | undefined;

function kernel(): Kernel {
	compiled ??= new WebAssembly.Module(Buffer.from(AREA_RESIZE_WASM_BASE64, 'base64'));
	kept ??= new WebAssembly.Instance(compiled, {}).exports as unknown as Kernel;
	return kept;
}

/**
 * The padded square resized to `size`x`size` with INTER_AREA, rounded to 8 bits as cv2 returns it, in B,G,R order
 * (what the tagger's model takes: the kernel writes it so, which saves a pass over the output). Written into `into`
 * when that has the right length: reused memory is cheaper than fresh pages, whose first writes cost here about as
 * much as the resize itself.
 */
export function areaResizePaddedToBgr(image: PaddedSquare, size: number, into?: Uint8Array): Uint8Array {
	const { pixels, width, height, side, padLeft, padTop } = image;
	// OpenCV takes resizeAreaFast (plain block sums, round half up) when the factor is an integer.
	const integerScale = side % size === 0 ? side / size : 0;
	const xs = cachedTaps(size, side, width, padLeft, integerScale);
	const ys = cachedTaps(size, side, height, padTop, integerScale);
	const rowLength = width * 3;
	const k = kernel();
	// One linear memory: the column table, one row of sums, the output and a copy of the pixels. The kernel reads
	// up to 16 bytes past a row, writes up to 16 floats past the sums and one byte past the output.
	const columns = 0;
	const sums = columns + size * COLUMN_BYTES;
	const out = sums + (rowLength + 16) * 4;
	const source = out + align16(size * size * 3 + 1);
	const end = source + pixels.length + 16;
	if (end > k.memory.buffer.byteLength) {
		k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / 65536));
	}
	const memory = k.memory.buffer;
	const ints = new Int32Array(memory, columns, size * COLUMN_BYTES / 4);
	const floats = new Float32Array(memory, columns, size * COLUMN_BYTES / 4);
	for (let d = 0; d < size; d++) {
		const at = d * COLUMN_BYTES / 4;
		const taps = xs.count[d];
		// A column wholly on the padding has no taps; its first offset is never read.
		ints[at] = Math.max(0, xs.first[d]) * 12;
		ints[at + 1] = taps;
		floats[at + 2] = tapWeight(xs, d, 0);
		floats[at + 3] = tapWeight(xs, d, 1);
		floats[at + 4] = tapWeight(xs, d, taps - 1);
		floats[at + 5] = 255 * xs.padWeight[d];
		floats[at + 6] = float32Sum(xs.weights, xs.offset[d], taps, 0);
	}
	new Uint8Array(memory, source, pixels.length).set(pixels);
	// resizeAreaFast rounds half up in integers; the general path rounds the float sum (values are >= 0).
	const area = integerScale || 1;
	const half = integerScale ? area * area / 2 : 0.5;
	const divisor = integerScale ? area * area : 1;
	for (let dy = 0; dy < size; dy++) {
		const rows = ys.count[dy];
		const padRows = ys.padWeight[dy];
		// With no rows inside the image the kernel writes zero sums, and only the padding's white remains.
		k.sumRows(source + Math.max(0, ys.first[dy]) * rowLength, rowLength, rows,
			tapWeight(ys, dy, 0), tapWeight(ys, dy, 1), tapWeight(ys, dy, rows - 1), sums, rowLength);
		k.outputRow(sums, out + dy * size * 3, size, columns, 255 * padRows, float32Sum(ys.weights, ys.offset[dy], rows, padRows), half, divisor);
	}
	const resized = into?.length === size * size * 3 ? into : new Uint8Array(size * size * 3);
	resized.set(new Uint8Array(memory, out, size * size * 3));
	if (memory.byteLength > KEEP_MEMORY_BYTES) {
		kept = undefined;
	}
	return resized;
}

function align16(bytes: number): number {
	return Math.ceil(bytes / 16) * 16;
}

/** The weight of tap `k` of output index `d`, or 0 where there is none. Taps between the first and last all weigh the same. */
function tapWeight(taps: AxisTaps, d: number, k: number): number {
	return k >= 0 && k < taps.count[d] ? taps.weights[taps.offset[d] + k] : 0;
}

function float32Sum(values: Float32Array, from: number, count: number, start: number): number {
	let sum = Math.fround(start);
	for (let i = from; i < from + count; i++) {
		sum = Math.fround(sum + values[i]);
	}
	return sum;
}

/** The last few axes' taps: photos from one camera share their sizes, and making the taps costs a tenth of a resize. */
const tapCache = new Map<string, AxisTaps>();
const TAP_CACHE_SIZE = 8;

function cachedTaps(size: number, side: number, imageSize: number, pad: number, integerScale: number): AxisTaps {
	const key = `${size} ${side} ${imageSize} ${pad}`;
	let taps = tapCache.get(key);
	if (!taps) {
		taps = axisTaps(size, side, imageSize, pad, integerScale);
		if (tapCache.size >= TAP_CACHE_SIZE) {
			tapCache.delete(tapCache.keys().next().value as string);
		}
		tapCache.set(key, taps);
	}
	return taps;
}

/** OpenCV's computeResizeAreaTab for one axis, split into taps inside the image and weight on the padding. */
function axisTaps(size: number, side: number, imageSize: number, pad: number, integerScale: number): AxisTaps {
	const scale = side / size;
	const first = new Int32Array(size);
	const count = new Int32Array(size);
	const offset = new Int32Array(size);
	const padWeight = new Float32Array(size);
	const weights: number[] = [];
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
	return { first, count, offset, weights: Float32Array.from(weights), padWeight };
}
