/**
 * Reads a large folder's caption files (and, for a scan, its images' headers after them) on two threads. Opening,
 * reading and closing 20,000 small files is most of a scan's time (issue 22); a helper thread takes files from the
 * same shared counter as the caller and hands them over in batches as it goes. The caller uses each batch that has
 * come before it reads a file itself, so while the helper keeps ahead the caller only decodes and uses (a lint:
 * lints) what the helper read, the two threads not opening files in the same folder at once; a helper that is slow
 * to start costs nothing: the caller goes on alone.
 */
import { Worker } from 'node:worker_threads';
import { CaptionTextFile, SMALL_FILE_BYTES, captionFromBytes, readCaptionFileSync } from './captionFile';
import { IMAGE_HEAD_BYTES } from './datasetImageSize';
import { Steps, runInSlices } from './slices';
import { threadPriorityPrelude } from './workerThread';

/** Below this many captions a helper thread's start (about 50 ms of the other core) is more than it saves: for reads here and for a lint's helper (lintThread.ts). */
export const HELPER_MIN_CAPTIONS = 2_000;

/** Files per batch the helper hands over: small enough that the caller has the first ones after a few milliseconds. */
const BATCH_FILES = 128;
const BATCH_BYTES = 256 * 1024;

/**
 * Plain JavaScript, so the helper starts without the bundle or tsx, from the bundle and from source alike. Its read
 * is captionFile's `readCaptionFileSync` read written again (one read of SMALL_FILE_BYTES, straight into the batch,
 * the whole file if it fills it). It reads into one buffer and sends a copy of the bytes used: a fresh zeroed
 * BATCH_BYTES buffer per batch of 128 small files (about 13 KB of them) cost both threads page faults and collections.
 */
const HELPER = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync, readFileSync } = require('node:fs');
parentPort.once('message', ({ paths, headsFrom, state }) => {
	let out = Buffer.allocUnsafeSlow(${BATCH_BYTES});
	let used = 0;
	let indices = [];
	let ends = [];
	const send = () => {
		if (indices.length > 0) {
			const buffer = out.buffer.slice(out.byteOffset, out.byteOffset + used);
			parentPort.postMessage({ buffer, indices, ends }, [buffer]);
			used = 0;
			indices = [];
			ends = [];
		}
	};
	// state[1]: 0 not started, 1 reading, -1 the caller finished alone.
	if (Atomics.compareExchange(state, 1, 0, 1) === 0) {
		Atomics.notify(state, 1);
		for (let i = Atomics.add(state, 0, 1); i < paths.length; i = Atomics.add(state, 0, 1)) {
			if (out.length - used < ${SMALL_FILE_BYTES}) {
				send();
			}
			try {
				const fd = openSync(paths[i], 'r');
				try {
					// A head (IMAGE_HEAD_BYTES, less than SMALL_FILE_BYTES) is never read whole.
					const length = readSync(fd, out, used, i < headsFrom ? ${SMALL_FILE_BYTES} : ${IMAGE_HEAD_BYTES}, 0);
					if (length < ${SMALL_FILE_BYTES}) {
						used += length;
					} else {
						const whole = readFileSync(fd);
						send();
						if (whole.length > out.length) {
							out = Buffer.allocUnsafeSlow(whole.length);
						}
						whole.copy(out, 0);
						used = whole.length;
					}
				} finally {
					closeSync(fd);
				}
			} catch {
				continue; // The caller reads it again, for the error it reports.
			}
			indices.push(i);
			ends.push(used);
			if (indices.length === ${BATCH_FILES}) {
				send();
			}
		}
	}
	send();
	parentPort.postMessage({ done: true });
});
`;

/** Atomics.waitAsync: ES2024, in Node since 16, missing from the ES2022 library types this project builds with. */
const waitAsync = (Atomics as unknown as {
	waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** Files the helper read: their indices, and where each one's bytes end in the buffer. */
interface HelperBatch {
	buffer: ArrayBuffer;
	indices: number[];
	ends: number[];
}

/**
 * Claims of one list of caption paths between the caller and a helper thread. Made before the paths are known,
 * so the helper starts while the caller lists the folder; then `start(paths)`. The caller takes what the helper has
 * handed over (`nextHelperFile()`) and, when there is none, claims the next file to read itself (`claim()`) until it
 * returns undefined; then `helperDone()`, and `nextHelperFile()` for the rest.
 */
export class SharedCaptionReads {
	private readonly state = new Int32Array(new SharedArrayBuffer(8));
	private helper: Worker | undefined;
	/** Resolves true once the helper has sent its last batch, false when it failed or was stopped. */
	private done: Promise<boolean> = Promise.resolve(false);
	private readonly batches: HelperBatch[] = [];
	/** The next file of batches[0], and where its bytes begin. */
	private file = 0;
	private fileStart = 0;
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
		this.done = new Promise<boolean>((resolve) => {
			helper.on('message', (message: HelperBatch | { done: true }) => {
				if ('done' in message) {
					resolve(true);
				} else {
					this.batches.push(message);
				}
			});
			helper.once('error', () => resolve(false));
			helper.once('exit', () => resolve(false));
		});
	}

	/** From `headsFrom` on, `paths` are images: of those the helper reads only the first IMAGE_HEAD_BYTES. */
	start(paths: readonly string[], headsFrom = paths.length): void {
		this.paths = paths;
		this.helper?.postMessage({ paths, headsFrom, state: this.state });
	}

	/** The index of the next file for the caller to read, or undefined when every file is claimed. */
	claim(): number | undefined {
		const index = Atomics.add(this.state, 0, 1);
		return index < this.paths.length ? index : undefined;
	}

	/** The next file the helper read and handed over so far, with its exact bytes; undefined when none is waiting. */
	nextHelperFile(): { index: number; bytes: Uint8Array } | undefined {
		const batch = this.batches[0];
		if (!batch) {
			return undefined;
		}
		const k = this.file;
		const file = { index: batch.indices[k], bytes: new Uint8Array(batch.buffer, this.fileStart, batch.ends[k] - this.fileStart) };
		if (k + 1 < batch.indices.length) {
			this.file = k + 1;
			this.fileStart = batch.ends[k];
		} else {
			this.batches.shift();
			this.file = 0;
			this.fileStart = 0;
		}
		return file;
	}

	/** Resolves true once the helper has begun reading, false when there is none or it was stopped first. */
	async whenHelperReads(): Promise<boolean> {
		if (!this.helper) {
			return false;
		}
		const waited = waitAsync(this.state, 1, 0);
		if (waited.async) {
			// Or until the helper is gone (it answers, fails or is stopped) without having begun.
			await Promise.race([waited.value, this.done]);
		}
		return Atomics.load(this.state, 1) === 1;
	}

	/**
	 * Once every file is claimed: waits for the helper's last batch (none when it never began: the caller read
	 * everything). Files it could not read, and all it had not handed over if it failed, are the caller's to read.
	 */
	async helperDone(): Promise<void> {
		if (this.helper && Atomics.compareExchange(this.state, 1, 0, -1) !== 0) {
			this.helper.ref(); // its last batch is what the process now waits for
			await this.done;
		}
		this.close();
	}

	/** Stops the helper (idempotent); for a scan that ends before it reads. */
	close(): void {
		void this.helper?.terminate();
		this.helper = undefined;
	}
}

/**
 * Images whose headers a scan reads with its captions, on the same two threads: `use` gets the first
 * IMAGE_HEAD_BYTES of each that the helper read, or undefined for one the caller is to read itself.
 */
export interface HeadReads {
	paths: readonly string[];
	use(index: number, head: Uint8Array | undefined): void;
}

/**
 * Reads each of `paths` once, in slices of the caller's thread and, for a large list, on the helper thread too;
 * `use(index, file)` gets every file, decoded on the caller's thread, in the order the two threads read them.
 * `reads` may be made early, so that its helper starts while the caller does other work. `heads` are read after
 * the captions, by the same threads.
 */
export async function readCaptionFiles(paths: readonly string[], use: (index: number, file: CaptionTextFile) => void, reads = new SharedCaptionReads(paths.length), heads?: HeadReads): Promise<void> {
	const captions = paths.length;
	const all = heads ? paths.concat(heads.paths) : paths;
	const take = (index: number, bytes: Uint8Array | undefined): void => {
		if (index < captions) {
			use(index, bytes ? captionFromBytes(paths[index], bytes) : readCaptionFileSync(paths[index]));
		} else {
			heads!.use(index - captions, bytes);
		}
	};
	try {
		reads.start(all, captions);
		const used = new Uint8Array(all.length);
		await runInSlices(readSharedSteps(reads, used, take));
		await reads.helperDone();
		// Every file is claimed: this uses the helper's last batches, then reads what nobody did.
		await runInSlices(readSharedSteps(reads, used, take));
		await runInSlices(readUnusedSteps(used, take));
	} finally {
		reads.close();
	}
}

/** What the helper has handed over first; a file read here (`take` without bytes) only while nothing is waiting. */
function* readSharedSteps(reads: SharedCaptionReads, used: Uint8Array, take: (index: number, bytes: Uint8Array | undefined) => void): Steps<void> {
	for (;;) {
		const helped = reads.nextHelperFile();
		if (helped) {
			used[helped.index] = 1;
			take(helped.index, helped.bytes);
		} else {
			const index = reads.claim();
			if (index === undefined) {
				return;
			}
			used[index] = 1;
			take(index, undefined);
		}
		yield;
	}
}

/** Any file the helper could not read (or had not handed over when it failed), read here for its error. */
function* readUnusedSteps(used: Uint8Array, take: (index: number, bytes: undefined) => void): Steps<void> {
	for (let index = 0; index < used.length; index++) {
		if (!used[index]) {
			take(index, undefined);
			yield;
		}
	}
}
