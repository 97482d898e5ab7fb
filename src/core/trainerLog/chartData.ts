import type { LossPoint, LossSeries, PackedSeries } from '../protocol/lossPanel';

/**
 * Data preparation for the loss chart, shared by the webview (which draws) and the bench (which measures it in
 * Node). Pure array work: no DOM.
 */

/** TensorBoard's smoothing: an exponential moving average, debiased so the start is not pulled towards 0. */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
	if (weight <= 0) {
		return values.slice();
	}
	const out: (number | null)[] = new Array(values.length);
	let last = 0;
	let count = 0;
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		if (value === null || !Number.isFinite(value)) {
			out[i] = null;
			continue;
		}
		last = last * weight + (1 - weight) * value;
		count++;
		out[i] = last / (1 - weight ** count);
	}
	return out;
}

/** Adds live points to a series in place (steps arrive in order; a repeated step overwrites). */
export function appendPoints(series: LossSeries, points: readonly LossPoint[]): void {
	for (const point of points) {
		const steps = series.steps;
		let index = steps.length;
		if (steps.length > 0 && point.step <= steps[steps.length - 1]) {
			index = lowerBound(steps, point.step);
		}
		if (index < steps.length && steps[index] === point.step) {
			if (point.loss !== undefined) { series.loss[index] = point.loss; }
			if (point.avrLoss !== undefined) { series.avrLoss[index] = point.avrLoss; }
			if (point.lr !== undefined) { series.lr[index] = point.lr; }
			if (point.valLoss !== undefined) { series.valLoss[index] = point.valLoss; }
			continue;
		}
		steps.splice(index, 0, point.step);
		series.loss.splice(index, 0, point.loss ?? null);
		series.avrLoss.splice(index, 0, point.avrLoss ?? null);
		series.lr.splice(index, 0, point.lr ?? null);
		series.valLoss.splice(index, 0, point.valLoss ?? null);
	}
}

/** The first index whose value is not below `value`, in an ascending array. */
export function lowerBound(sorted: readonly number[], value: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (sorted[mid] < value) { lo = mid + 1; } else { hi = mid; }
	}
	return lo;
}

export interface AlignedRuns {
	/** Every step any run has, ascending. */
	x: number[];
	/** Per run, in input order: loss, avr_loss and lr on `x` (null where the run has no value). */
	runs: { loss: (number | null)[]; avrLoss: (number | null)[]; lr: (number | null)[]; valLoss: (number | null)[] }[];
}

/** Puts several runs on one step axis, as the chart needs one x array for every curve. */
export function alignRuns(series: readonly LossSeries[], smoothing = 0): AlignedRuns {
	const smooth = (values: (number | null)[]) => smoothing > 0 ? emaSmooth(values, smoothing) : values;
	if (series.length === 1) {
		const only = series[0];
		// Validation points are few and already averages: never smoothed.
		return { x: only.steps, runs: [{ loss: smooth(only.loss), avrLoss: smooth(only.avrLoss), lr: only.lr, valLoss: only.valLoss }] };
	}
	const x = mergeSteps(series.map((s) => s.steps));
	const runs = series.map((s) => {
		const loss: (number | null)[] = new Array(x.length).fill(null);
		const avrLoss: (number | null)[] = new Array(x.length).fill(null);
		const lr: (number | null)[] = new Array(x.length).fill(null);
		const valLoss: (number | null)[] = new Array(x.length).fill(null);
		const smoothedLoss = smooth(s.loss);
		const smoothedAvr = smooth(s.avrLoss);
		let j = 0;
		for (let i = 0; i < s.steps.length; i++) {
			while (x[j] < s.steps[i]) { j++; }
			loss[j] = smoothedLoss[i];
			avrLoss[j] = smoothedAvr[i];
			lr[j] = s.lr[i];
			valLoss[j] = s.valLoss[i];
		}
		return { loss, avrLoss, lr, valLoss };
	});
	return { x, runs };
}

function mergeSteps(lists: readonly number[][]): number[] {
	const all: number[] = [];
	for (const list of lists) {
		for (const step of list) { all.push(step); }
	}
	all.sort((a, b) => a - b);
	const out: number[] = [];
	for (const step of all) {
		if (out.length === 0 || out[out.length - 1] !== step) { out.push(step); }
	}
	return out;
}

/** Steps per first paint: a few points per pixel column of the widest chart. */
export const FIRST_PAINT_COLUMNS = 1500;

/**
 * The steps of a long series a first paint needs, in `columns` runs of consecutive steps: each run's first and
 * last step, each curve's lowest and highest value (spikes stay), its first gap (a NaN stays a gap), and every
 * validation point. A series short enough is returned as it is.
 */
export function decimateSeries(series: LossSeries, columns = FIRST_PAINT_COLUMNS): LossSeries {
	const n = series.steps.length;
	if (n <= columns * 4) {
		return series;
	}
	const curves = [series.loss, series.avrLoss, series.lr];
	const keep: number[] = [];
	for (let column = 0; column < columns; column++) {
		const from = Math.floor(column * n / columns);
		const to = Math.floor((column + 1) * n / columns);
		keep.push(from, to - 1);
		for (const values of curves) {
			let low = -1;
			let high = -1;
			let gap = -1;
			for (let i = from; i < to; i++) {
				const value = values[i];
				if (value === null) {
					if (gap === -1) { gap = i; }
				} else {
					if (low === -1 || value < values[low]!) { low = i; }
					if (high === -1 || value > values[high]!) { high = i; }
				}
			}
			if (low !== -1) { keep.push(low, high); }
			if (gap !== -1 && low !== -1) { keep.push(gap); }
		}
		for (let i = from; i < to; i++) {
			if (series.valLoss[i] !== null) { keep.push(i); }
		}
	}
	keep.sort((a, b) => a - b);
	const out: LossSeries = { ...series, steps: [], loss: [], avrLoss: [], lr: [], valLoss: [], decimatedFrom: n };
	let previous = -1;
	for (const i of keep) {
		if (i === previous) {
			continue;
		}
		previous = i;
		out.steps.push(series.steps[i]);
		out.loss.push(series.loss[i]);
		out.avrLoss.push(series.avrLoss[i]);
		out.lr.push(series.lr[i]);
		out.valLoss.push(series.valLoss[i]);
	}
	return out;
}

/** How many steps a series stands for (a decimated one: the steps of the whole run). */
export function stepCount(series: Pick<LossSeries, 'steps' | 'decimatedFrom'>): number {
	return series.decimatedFrom ?? series.steps.length;
}

function packColumn(values: readonly (number | null)[]): Float64Array {
	const out = new Float64Array(values.length);
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		out[i] = value === null ? NaN : value;
	}
	return out;
}

function unpackColumn(values: Float64Array): (number | null)[] {
	const out: (number | null)[] = new Array(values.length);
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		out[i] = Number.isNaN(value) ? null : value;
	}
	return out;
}

/** A series for postMessage: its columns as Float64Arrays, which VS Code sends as binary instead of JSON text. */
export function packSeries(series: LossSeries): PackedSeries {
	const { steps, loss, avrLoss, lr, valLoss, ...rest } = series;
	return { ...rest, steps: Float64Array.from(steps), loss: packColumn(loss), avrLoss: packColumn(avrLoss), lr: packColumn(lr), valLoss: packColumn(valLoss) };
}

/** Series never hold NaN (a non-finite value is a gap, null): NaN in a packed column is null again. */
export function unpackSeries(packed: PackedSeries): LossSeries {
	const { steps, loss, avrLoss, lr, valLoss, ...rest } = packed;
	return { ...rest, steps: Array.from(steps), loss: unpackColumn(loss), avrLoss: unpackColumn(avrLoss), lr: unpackColumn(lr), valLoss: unpackColumn(valLoss) };
}
