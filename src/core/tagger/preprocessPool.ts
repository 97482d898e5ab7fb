import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { areaResizePadded } from './areaResize';
import { asPreprocessError, padToSquare, preprocessWithSharp, rgbToBgrInPlace } from './preprocess';
import { requireSharp } from '../nativeModules';

/*
 * Decoding and resizing run in worker threads so that they use every core while the inference thread
 * (session.ts) runs the model, and so that the resize loop never blocks the extension host. Like the
 * inference worker, the worker is built from source text (the functions' own text, see preprocess.ts), so
 * the extension, the CLI and tsx-run tests need no separate bundle entry.
 */
function workerSource(): string {
	return `
const { parentPort, workerData } = require('node:worker_threads');
// tsx (tests, bench) compiles with keepNames, which wraps inner functions in __name(); bundles do not.
const __name = (target) => target;
const sharp = require(workerData.sharpPath);
${[areaResizePadded, padToSquare, rgbToBgrInPlace, preprocessWithSharp].map(String).join('\n')}
parentPort.on('message', async ({ id, file, size }) => {
	try {
		const pixels = await ${preprocessWithSharp.name}(sharp, ${areaResizePadded.name}, file, size);
		parentPort.postMessage({ id, ok: true, pixels }, [pixels.buffer]);
	} catch (err) {
		parentPort.postMessage({ id, ok: false, name: err && err.name, message: String((err && err.message) || err) });
	}
});
`;
}

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
	private failure: Error | undefined;

	/** Throws NativeModuleError here, on the calling thread, when sharp cannot load. */
	constructor(workers = Math.min(4, availableParallelism())) {
		requireSharp();
		const source = workerSource();
		for (let i = 0; i < Math.max(1, workers); i++) {
			const slot: Slot = { worker: new Worker(source, { eval: true, workerData: { sharpPath: require.resolve('sharp') } }), jobs: new Map() };
			slot.worker.on('message', (reply: { id: number; ok: boolean; pixels?: Uint8Array; name?: string; message?: string }) => {
				const job = slot.jobs.get(reply.id);
				slot.jobs.delete(reply.id);
				if (job) {
					if (reply.ok) {
						job.resolve(reply.pixels as Uint8Array);
					} else {
						job.reject(asPreprocessError(job.file, { name: reply.name, message: reply.message }));
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
			slot.worker.postMessage({ id, file: job.file, size: job.size });
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
