import type { LossPoint, LossSeries } from '../protocol/lossPanel';

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

function lowerBound(sorted: readonly number[], value: number): number {
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
