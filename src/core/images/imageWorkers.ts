/**
 * Worker threads for the image checks and face detection (imageWorker.ts): each has its own sharp pipeline and
 * YuNet session. One check uses every core (one worker per core, two images in flight in each so a decode on
 * libuv's pool overlaps the other image's inference), and a caller's thread never runs the model: onnxruntime's
 * run() blocks its thread ~25 ms per image, which in the extension host froze every view.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../workerThread';
import type { ImageAnalysis } from './imageAnalysis';
import type { AnalysisImage } from './decode';
import type { FaceDetector } from './faceDetector';
import type { ImageEntry } from './imageChecks';
import type { ImageCheckOptions } from './options';
import type { FaceBox } from './types';
import { requireOnnxRuntime, requireSharp } from '../nativeModules';

type WorkerCall =
	| { type: 'open'; faceModelPath?: string }
	| { type: 'analyse'; entry: ImageEntry; options: ImageCheckOptions }
	| { type: 'detect'; image: AnalysisImage; minScore: number };

export type WorkerRequest = WorkerCall & { id: number };

export type WorkerReply =
	| { id: number; ok: true; analysis?: ImageAnalysis; faces?: FaceBox[] }
	| { id: number; ok: false; message: string };

/** Images each worker holds at once. */
export const IMAGES_PER_WORKER = 2;

class ImageWorker {
	private readonly worker: Worker;
	private nextId = 1;
	private readonly pending = new Map<number, { resolve: (reply: WorkerReply & { ok: true }) => void; reject: (err: Error) => void }>();
	private failure: Error | undefined;

	constructor() {
		this.worker = startWorkerThread(__dirname, 'imageWorker.js', 'imageWorker.ts');
		this.worker.on('message', (reply: WorkerReply) => {
			const waiter = this.pending.get(reply.id);
			this.pending.delete(reply.id);
			if (reply.ok) {
				waiter?.resolve(reply);
			} else {
				waiter?.reject(new Error(reply.message));
			}
		});
		this.worker.on('error', (err) => this.failAll(new Error(`an image worker thread stopped: ${err.message}`)));
		this.worker.on('exit', () => this.failAll(new Error('an image worker thread exited')));
		// Idle workers must not keep a CLI run (or a test) alive.
		this.worker.unref();
	}

	get load(): number {
		return this.pending.size;
	}

	call(request: WorkerCall, transfer: ArrayBuffer[] = []): Promise<WorkerReply & { ok: true }> {
		if (this.failure) {
			return Promise.reject(this.failure);
		}
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			if (this.pending.size === 1) {
				this.worker.ref();
			}
			this.worker.postMessage({ ...request, id }, transfer);
		}).finally(() => {
			if (this.pending.size === 0) {
				this.worker.unref();
			}
		}) as Promise<WorkerReply & { ok: true }>;
	}

	async terminate(): Promise<void> {
		this.failure ??= new Error('the image workers were released');
		await this.worker.terminate();
	}

	private failAll(err: Error): void {
		this.failure ??= err;
		for (const waiter of this.pending.values()) {
			waiter.reject(err);
		}
		this.pending.clear();
	}
}

export interface ImageWorkerOptions {
	/** Worker threads; default one per core. */
	threads?: number;
	/** YuNet model each worker loads; without it the workers only decode and measure. */
	faceModelPath?: string;
}

export class ImageWorkers {
	private readonly waiting: Array<() => void> = [];

	private constructor(private readonly workers: ImageWorker[], readonly hasFaceModel: boolean) {}

	/**
	 * Starts the threads and loads the face model in each. A model that cannot load rejects with the message
	 * createFaceDetector() gives (the threads are stopped).
	 */
	static async start(options: ImageWorkerOptions = {}): Promise<ImageWorkers> {
		// Loaded here first so a package for another platform names the one to install; inside a worker the
		// same failure would only be "an image worker thread stopped".
		requireSharp();
		if (options.faceModelPath) {
			requireOnnxRuntime();
		}
		const count = Math.max(1, options.threads ?? availableParallelism());
		const workers = Array.from({ length: count }, () => new ImageWorker());
		// Every thread's answer is awaited before any is stopped: a thread stopped while onnxruntime-node still loads
		// its model (a model that fails in one thread is still loading in the other) aborts the whole process
		// ("terminate called after throwing an instance of 'Napi::Error'"), the extension host with it.
		const opened = await Promise.allSettled(workers.map((w) => w.call({ type: 'open', faceModelPath: options.faceModelPath })));
		const failed = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
		if (failed) {
			await Promise.all(workers.map((w) => w.terminate()));
			throw failed.reason;
		}
		return new ImageWorkers(workers, !!options.faceModelPath);
	}

	/** analyseImage() of checkImages.ts in a worker, with that worker's face model. */
	async analyse(entry: ImageEntry, options: ImageCheckOptions): Promise<ImageAnalysis> {
		return (await this.onWorker((w) => w.call({ type: 'analyse', entry, options }))).analysis!;
	}

	get threads(): number {
		return this.workers.length;
	}

	/** A FaceDetector whose model runs in the workers; releasing it stops them. */
	get detector(): FaceDetector {
		return {
			detect: async (image, minScore) => {
				// A copy: the caller keeps its pixels (the checks and the cropper use them after detection).
				const data = Buffer.from(image.data);
				const moved = { ...image, data };
				return (await this.onWorker((w) => w.call({ type: 'detect', image: moved, minScore }, [data.buffer as ArrayBuffer]))).faces!;
			},
			release: () => this.release(),
		};
	}

	async release(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}

	/** Runs on the least busy worker, waiting while every worker holds IMAGES_PER_WORKER images. */
	private async onWorker<T>(work: (worker: ImageWorker) => Promise<T>): Promise<T> {
		let worker = this.leastBusy();
		while (worker.load >= IMAGES_PER_WORKER) {
			await new Promise<void>((resolve) => this.waiting.push(resolve));
			worker = this.leastBusy();
		}
		try {
			return await work(worker);
		} finally {
			this.waiting.shift()?.();
		}
	}

	private leastBusy(): ImageWorker {
		return this.workers.reduce((best, w) => (w.load < best.load ? w : best));
	}
}
