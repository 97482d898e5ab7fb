/**
 * Long computations written once as generators that `yield` between small steps (an image, a caption), then
 * run either to the end at once (CLI, tests) or in slices of a few milliseconds with the event loop free between
 * them (the extension host, where every other extension waits while we compute: issue 22).
 *
 * The loops over images, tags and problems inside step generators are indexed, not for-of: a generator that runs a
 * few times per change mostly runs unoptimised, and each for-of step then allocates an iterator result (in the host
 * bench, 20,000 captions, most of the 90-150 MB a change round allocated in `next`: the collections that block).
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs the steps to the end without pausing. */
export function runToEnd<T>(steps: Steps<T>): T {
	for (;;) {
		const next = steps.next();
		if (next.done) {
			return next.value;
		}
	}
}

/** Longest run between yields to the event loop; well under the 50 ms a user feels. */
const SLICE_MS = 8;

/** Steps at most this long on average are read the clock for only every CLOCK_STRIDE steps. */
const SMALL_STEP_MS = 0.05;
const CLOCK_STRIDE = 8;

interface SlicedTask {
	/** Runs steps until `turnEnd` (or the task's own slice) has passed; true when the task is finished. */
	run(turnEnd: number): boolean;
}

/**
 * Every sliced computation of the process shares one budget per turn of the event loop: five computations at
 * once (scan, lint, Coverage, Tags, flagged tags) each taking its own 8 ms per turn blocked the loop for 40 ms
 * and more. They run round-robin, each at most once per turn, from one setImmediate.
 */
const tasks: SlicedTask[] = [];
let turnScheduled = false;

function scheduleTurn(): void {
	if (!turnScheduled) {
		turnScheduled = true;
		setImmediate(runTurn);
	}
}

function runTurn(): void {
	turnScheduled = false;
	const turnEnd = performance.now() + SLICE_MS;
	for (let n = tasks.length; n > 0 && performance.now() < turnEnd; n--) {
		const task = tasks.shift()!;
		if (!task.run(turnEnd)) {
			tasks.push(task);
		}
	}
	if (tasks.length > 0) {
		scheduleTurn();
	}
}

/**
 * Runs the steps in slices of about `sliceMs` (at most the turn's shared budget), yielding to the event loop
 * (setImmediate) between slices. The first slice runs on the next turn, not in the caller's.
 */
export function runInSlices<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		// performance.now() costs about as much as a small step: the clock is read every `stride` steps, 8 while steps
		// are small, every step once they are not (a step of 500 lint problems took 4 ms, and 8 of them one turn of
		// 30-40 ms in the extension host).
		let stride = 1;
		tasks.push({
			run(turnEnd: number): boolean {
				let checkedAt = performance.now();
				const end = Math.min(turnEnd, checkedAt + sliceMs);
				try {
					for (let sinceCheck = 1; ; sinceCheck++) {
						const next = steps.next();
						if (next.done) {
							resolve(next.value);
							return true;
						}
						if (sinceCheck >= stride) {
							const at = performance.now();
							if (at >= end) {
								return false;
							}
							stride = (at - checkedAt) / sinceCheck < SMALL_STEP_MS ? CLOCK_STRIDE : 1;
							checkedAt = at;
							sinceCheck = 0;
						}
					}
				} catch (err) {
					reject(err);
					return true;
				}
			},
		});
		scheduleTurn();
	});
}

/**
 * `items.sort(compare)` in steps: a stable merge sort (as Array.prototype.sort is stable, the order is the same),
 * yielding every few comparisons, for arrays whose sort alone would outlast a slice (31,000 lint issues).
 * It merges the runs already in order (a natural merge sort): a folder's lint problems arrive in order but for a
 * few the dataset rules add, and paths come in folder order, so most sorts here are one pass of comparisons.
 * Sorts `items` in place and returns it.
 */
export function* sortSteps<T>(items: T[], compare: (a: T, b: T) => number): Steps<T[]> {
	const n = items.length;
	let steps = 0;
	// Where each run in order starts (ties stay in their run, in their order: stable).
	let bounds = [0];
	for (let i = 1; i < n; i++) {
		if (compare(items[i - 1], items[i]) > 0) {
			bounds.push(i);
		}
		if ((++steps & 15) === 0) {
			yield;
		}
	}
	if (bounds.length === 1) {
		return items;
	}
	bounds.push(n);
	let from = items.slice();
	let to = new Array<T>(n);
	while (bounds.length > 2) {
		const merged = [0];
		for (let b = 0; b + 1 < bounds.length; b += 2) {
			const start = bounds[b];
			const middle = bounds[b + 1];
			const end = b + 2 < bounds.length ? bounds[b + 2] : middle;
			let i = start;
			let j = middle;
			let k = start;
			while (i < middle && j < end) {
				to[k++] = compare(from[j], from[i]) < 0 ? from[j++] : from[i++];
				if ((++steps & 15) === 0) {
					yield;
				}
			}
			while (i < middle) {
				to[k++] = from[i++];
			}
			while (j < end) {
				to[k++] = from[j++];
			}
			merged.push(end);
		}
		[from, to] = [to, from];
		bounds = merged;
		yield;
	}
	for (let i = 0; i < n; i++) {
		items[i] = from[i];
	}
	return items;
}
