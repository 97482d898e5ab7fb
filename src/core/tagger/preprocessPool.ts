import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../workerThread';
import { ImageDecodeError } from './preprocess';
import type { PrepareReply, PrepareRequest, RecycleRequest } from './preprocessWorker';
import { requireSharp } from '../nativeModules';

/*
 * Decoding and resizing run in worker threads so that they use every core while the inference thread
 * (session.ts) runs the model, and so that the resize loop never blocks the extension host (started as the image
 * checks' threads are: workerThread.ts).
 */
/** Images a worker holds at once: one decoding while the previous is resized; each 12 MP photo is 36 MB raw. */
const IN_FLIGHT_PER_WORKER = 2;

interface Job {
	file: string;
	size: number;
	resolve: (pixels: Uint8Array) => void;
	reject: (err: Error) => void;
}

interface Slot {
	worker: Worker;
	jobs: Map<number, Job>;
}

/** Prepares images for the tagger as preprocessForTagger does, in worker threads, in the order asked. */
export class TaggerPreprocessPool {
	private readonly slots: Slot[] = [];
	private readonly queue: Job[] = [];
	private nextId = 1;
	private recycled = 0;
	private failure: Error | undefined;

	/** Throws NativeModuleError here, on the calling thread, when sharp cannot load. */
	constructor(workers = Math.min(4, availableParallelism())) {
		requireSharp();
		for (let i = 0; i < Math.max(1, workers); i++) {
			const slot: Slot = { worker: startWorkerThread(__dirname, 'taggerWorker.js', 'preprocessWorker.ts'), jobs: new Map() };
			slot.worker.on('message', (reply: PrepareReply) => {
				const job = slot.jobs.get(reply.id);
				slot.jobs.delete(reply.id);
				if (job) {
					if (reply.ok) {
						job.resolve(reply.pixels);
					} else {
						job.reject(reply.decodeReason === undefined ? new Error(reply.message) : new ImageDecodeError(job.file, reply.decodeReason));
					}
				}
				this.pump();
			});
			slot.worker.on('error', (err) => this.fail(new Error(`the tagger's image preparation thread stopped: ${err.message}`)));
			this.slots.push(slot);
		}
	}

	prepare(file: string, size: number): Promise<Uint8Array> {
		if (this.failure) {
			return Promise.reject(this.failure);
		}
		return new Promise((resolve, reject) => {
			this.queue.push({ file, size, resolve, reject });
			this.pump();
		});
	}

	/**
	 * Hands prepared images back, once their pixels are copied elsewhere (a batch tensor), for the threads to write
	 * the next images into. Each array is detached by this: the caller must not read it again.
	 */
	recycle(images: readonly Uint8Array[]): void {
		if (this.failure) {
			return;
		}
		const buffers = new Set<ArrayBuffer>();
		for (const image of images) {
			// Only whole buffers of their own, and each once (a padded batch repeats its first image).
			if (image.byteLength > 0 && image.byteOffset === 0 && image.buffer.byteLength === image.byteLength) {
				buffers.add(image.buffer as ArrayBuffer);
			}
		}
		for (const buffer of buffers) {
			const slot = this.slots[this.recycled++ % this.slots.length];
			slot.worker.postMessage({ recycle: [buffer] } satisfies RecycleRequest, [buffer]);
		}
	}

	async dispose(): Promise<void> {
		this.fail(new Error('the tagger\'s image preparation was stopped'));
		await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
	}

	private pump(): void {
		while (this.queue.length > 0) {
			const slot = this.slots.reduce((best, s) => (s.jobs.size < best.jobs.size ? s : best));
			if (slot.jobs.size >= IN_FLIGHT_PER_WORKER) {
				return;
			}
			const job = this.queue.shift() as Job;
			const id = this.nextId++;
			slot.jobs.set(id, job);
			slot.worker.postMessage({ id, file: job.file, size: job.size } satisfies PrepareRequest);
		}
	}

	private fail(err: Error): void {
		this.failure ??= err;
		for (const job of [...this.queue, ...this.slots.flatMap((slot) => [...slot.jobs.values()])]) {
			job.reject(err);
		}
		this.queue.length = 0;
		for (const slot of this.slots) {
			slot.jobs.clear();
		}
	}
}
