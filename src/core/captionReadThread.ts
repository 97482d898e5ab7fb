/**
 * Reads a large folder's caption files on two threads. Opening, reading and closing 20,000 small files is most of
 * a scan's time (issue 22); a helper thread takes files from the same shared counter as the caller, so each
 * thread reads as many as it gets to, and a helper that is slow to start costs nothing: the caller goes on alone.
 */
import { Worker } from 'node:worker_threads';
import { CaptionTextFile, SMALL_FILE_BYTES, captionFromBytes, readCaptionFileSync } from './captionFile';
import { Steps, runInSlices } from './slices';
import { threadPriorityPrelude } from './workerThread';

/** Below this many captions a helper thread's start (about 50 ms of the other core) is more than it saves: for reads here and for a lint's helper (lintThread.ts). */
export const HELPER_MIN_CAPTIONS = 2_000;

/**
 * Plain JavaScript, so the helper starts without the bundle or tsx, from the bundle and from source alike. Its read
 * is captionFile's `readCaptionFileSync` read written again (one read of SMALL_FILE_BYTES, the whole file if it fills it).
 */
const HELPER = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync, readFileSync } = require('node:fs');
parentPort.once('message', ({ paths, state }) => {
	const indices = [];
	const ends = [];
	let out = Buffer.from(new ArrayBuffer(1 << 20));
	let used = 0;
	const small = Buffer.alloc(${SMALL_FILE_BYTES});
	// state[1]: 0 not started, 1 reading, -1 the caller finished alone.
	if (Atomics.compareExchange(state, 1, 0, 1) === 0) {
		Atomics.notify(state, 1);
		for (let i = Atomics.add(state, 0, 1); i < paths.length; i = Atomics.add(state, 0, 1)) {
			let bytes;
			try {
				const fd = openSync(paths[i], 'r');
				try {
					const length = readSync(fd, small, 0, small.length, 0);
					bytes = length < small.length ? small.subarray(0, length) : readFileSync(fd);
				} finally {
					closeSync(fd);
				}
			} catch {
				continue; // The caller reads it again, for the error it reports.
			}
			if (used + bytes.length > out.length) {
				const bigger = Buffer.from(new ArrayBuffer(Math.max(out.length * 2, used + bytes.length)));
				out.copy(bigger, 0, 0, used);
				out = bigger;
			}
			bytes.copy(out, used);
			used += bytes.length;
			indices.push(i);
			ends.push(used);
		}
	}
	parentPort.postMessage({ buffer: out.buffer, indices, ends }, [out.buffer]);
});
`;

/** Atomics.waitAsync: ES2024, in Node since 16, missing from the ES2022 library types this project builds with. */
const waitAsync = (Atomics as unknown as {
	waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

interface HelperResult {
	buffer: ArrayBuffer;
	indices: number[];
	ends: number[];
}

/**
 * Claims of one list of caption paths between the caller and a helper thread. Made before the paths are known,
 * so the helper starts while the caller lists the folder; then `start(paths)`, and the caller calls `claim()`
 * for the next file to read itself until it returns undefined, then `helperFiles()` for what the helper read.
 */
export class SharedCaptionReads {
	private readonly state = new Int32Array(new SharedArrayBuffer(8));
	private helper: Worker | undefined;
	private result: Promise<HelperResult | undefined> = Promise.resolve(undefined);
	private paths: readonly string[] = [];

	/** `expectedCaptions`: about how many captions `start` will get; a helper starts only for a large folder. */
	constructor(expectedCaptions: number) {
		if (expectedCaptions < HELPER_MIN_CAPTIONS) {
			return;
		}
		let helper: Worker;
		try {
			helper = new Worker(threadPriorityPrelude() + HELPER, { eval: true });
		} catch {
			return; // No thread to be had: the caller reads every file.
		}
		this.helper = helper;
		// Not the reason the process stays alive while it waits for its paths (a scan that throws before close()).
		helper.unref();
		this.result = new Promise<HelperResult | undefined>((resolve) => {
			helper.once('message', resolve);
			helper.once('error', () => resolve(undefined));
			helper.once('exit', () => resolve(undefined));
		});
	}

	start(paths: readonly string[]): void {
		this.paths = paths;
		this.helper?.postMessage({ paths, state: this.state });
	}

	/** The index of the next file for the caller to read, or undefined when every file is claimed. */
	claim(): number | undefined {
		const index = Atomics.add(this.state, 0, 1);
		return index < this.paths.length ? index : undefined;
	}

	/** Resolves true once the helper has begun reading, false when there is none or it was stopped first. */
	async whenHelperReads(): Promise<boolean> {
		if (!this.helper) {
			return false;
		}
		const waited = waitAsync(this.state, 1, 0);
		if (waited.async) {
			// Or until the helper is gone (it answers, fails or is stopped) without having begun.
			await Promise.race([waited.value, this.result]);
		}
		return Atomics.load(this.state, 1) === 1;
	}

	/**
	 * The files the helper read, by index, once every file is claimed; files it could not read are missing from
	 * the map and are the caller's to read (also all of them if the helper failed).
	 */
	async helperFiles(): Promise<Map<number, Uint8Array>> {
		const files = new Map<number, Uint8Array>();
		// A helper that has not started reading yet never will: the caller read everything.
		if (!this.helper || Atomics.compareExchange(this.state, 1, 0, -1) === 0) {
			this.close();
			return files;
		}
		this.helper.ref(); // its answer is what the process now waits for
		const result = await this.result;
		this.close();
		if (result) {
			let start = 0;
			result.indices.forEach((index, k) => {
				files.set(index, new Uint8Array(result.buffer, start, result.ends[k] - start));
				start = result.ends[k];
			});
		}
		return files;
	}

	/** Stops the helper (idempotent); for a scan that ends before it reads. */
	close(): void {
		void this.helper?.terminate();
		this.helper = undefined;
	}
}

/**
 * Reads each of `paths` once, in slices of the caller's thread and, for a large list, on the helper thread too;
 * `use(index, file)` gets every file, decoded on the caller's thread (the ones the caller read first, then the
 * helper's in index order). `reads` may be made early, so that its helper starts while the caller does other work.
 */
export async function readCaptionFiles(paths: readonly string[], use: (index: number, file: CaptionTextFile) => void, reads = new SharedCaptionReads(paths.length)): Promise<void> {
	try {
		reads.start(paths);
		const readHere = new Uint8Array(paths.length);
		await runInSlices(readClaimedSteps(paths, reads, readHere, use));
		const helperFiles = await reads.helperFiles();
		await runInSlices(readRestSteps(paths, readHere, helperFiles, use));
	} finally {
		reads.close();
	}
}

function* readClaimedSteps(paths: readonly string[], reads: SharedCaptionReads, readHere: Uint8Array, use: (index: number, file: CaptionTextFile) => void): Steps<void> {
	for (let index = reads.claim(); index !== undefined; index = reads.claim()) {
		readHere[index] = 1;
		use(index, readCaptionFileSync(paths[index]));
		yield;
	}
}

/** The files the helper read, and any it could not read, read here for their error. */
function* readRestSteps(paths: readonly string[], readHere: Uint8Array, helperFiles: ReadonlyMap<number, Uint8Array>, use: (index: number, file: CaptionTextFile) => void): Steps<void> {
	for (let index = 0; index < paths.length; index++) {
		if (!readHere[index]) {
			const bytes = helperFiles.get(index);
			use(index, bytes ? captionFromBytes(paths[index], bytes) : readCaptionFileSync(paths[index]));
			yield;
		}
	}
}
