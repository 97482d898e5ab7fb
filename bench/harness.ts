/**
 * Benchmark cases: each measures one thing the issues ask for. `npm run bench` prints one line per case:
 * name, work size, time, throughput, and the ratio to its baseline (a case measured in the same run).
 */
export interface BenchResult {
	/** Units of work done, e.g. 20000 (files) */
	work: number;
	/** Name of the unit, e.g. 'files', 'captions', 'images', 'lines'. */
	unit: string;
	/** Measured milliseconds; when omitted, the harness times the whole `run`. */
	ms?: number;
	/** Extra figures worth printing (e.g. decode share), as text. */
	note?: string;
}

export interface BenchCase {
	name: string;
	/** Name of another case (in any bench file) measured in the same run to compare against. */
	baseline?: string;
	/** Untimed preparation (generating input files). */
	setup?: () => Promise<void>;
	run: () => Promise<BenchResult>;
	teardown?: () => Promise<void>;
}

export function now(): number {
	return Number(process.hrtime.bigint()) / 1e6;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const start = now();
	const value = await fn();
	return { value, ms: now() - start };
}
