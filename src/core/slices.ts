/**
 * Long computations written once as generators that `yield` between small steps (an image, a caption), then
 * run either to the end at once (CLI, tests) or in slices of a few milliseconds with the event loop free between
 * them (the extension host, where every other extension waits while we compute: issue 22).
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

/** Runs the steps in slices of about `sliceMs`, yielding to the event loop (setImmediate) between slices. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
	let sliceEnd = performance.now() + sliceMs;
	for (let n = 1; ; n++) {
		const next = steps.next();
		if (next.done) {
			return next.value;
		}
		// performance.now() costs more than a small step: look at the clock every 32 steps.
		if ((n & 31) === 0 && performance.now() >= sliceEnd) {
			await new Promise<void>((resolve) => setImmediate(resolve));
			sliceEnd = performance.now() + sliceMs;
		}
	}
}
