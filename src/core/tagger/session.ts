import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { TaggerModelError } from './labels';
import { requireOnnxRuntime } from '../nativeModules';
import { countOf } from '../plural';
import { threadPriorityPrelude } from '../workerThread';

export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'dml', 'coreml'];

export const MODEL_FILE = 'model.onnx';
/** sd-scripts hard-codes 448; used only when the model leaves its spatial size symbolic. */
export const DEFAULT_INPUT_SIZE = 448;

/** What the model says about itself: names and sizes are read, never assumed (v2 and v3 differ). */
export interface ModelContract {
	modelFile: string;
	inputName: string;
	outputName: string;
	inputSize: number;
	/** A fixed positive batch dimension overrides the batch size, as in sd-scripts. */
	fixedBatch?: number;
	/** Scores per image, when the model states it. */
	outputSize?: number;
	provider: ExecutionProvider;
	/** Set when the requested provider could not start and CPU was used instead. */
	providerNote?: string;
}

/** Execution providers this onnxruntime-node build offers on this machine (CPU always). */
export function availableExecutionProviders(): ExecutionProvider[] {
	try {
		const ort = requireOnnxRuntime() as { listSupportedBackends?: () => Array<{ name: string }> };
		const names = new Set((ort.listSupportedBackends?.() ?? []).map((b) => b.name));
		return EXECUTION_PROVIDERS.filter((p) => p === 'cpu' || names.has(p));
	} catch {
		return ['cpu'];
	}
}

/*
 * Inference runs in a worker thread: onnxruntime-node's run() blocks the thread that calls it for the whole
 * batch, which would freeze the VS Code extension host and keep sharp's decode callbacks for the next batch
 * from running. The worker is created from source text so the extension, the CLI and tsx-run tests need no
 * separate bundle entry; onnxruntime-node is resolved by the caller and passed in.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
parentPort.on('message', async (message) => {
	try {
		if (message.type === 'open') {
			session = await ort.InferenceSession.create(message.modelFile, { executionProviders: message.providers });
			parentPort.postMessage({ id: message.id, ok: true, inputNames: session.inputNames, outputNames: session.outputNames,
				inputMetadata: session.inputMetadata, outputMetadata: session.outputMetadata });
		} else if (message.type === 'run') {
			const tensor = new ort.Tensor('float32', message.data, message.dims);
			const started = performance.now();
			const result = await session.run({ [message.inputName]: tensor }, [message.outputName]);
			const ms = performance.now() - started;
			const output = result[message.outputName];
			const data = new Float32Array(output.data);
			// The input goes back too, for the next batch to be written into (fresh pages cost more than the copy).
			parentPort.postMessage({ id: message.id, ok: true, data, dims: output.dims, ms, input: message.data }, [data.buffer, message.data.buffer]);
		}
	} catch (err) {
		parentPort.postMessage({ id: message.id, ok: false, message: String((err && err.message) || err) });
	}
});
`;

interface WorkerReply {
	id: number;
	ok: boolean;
	message?: string;
	[key: string]: unknown;
}

interface TensorMetadata {
	name: string;
	isTensor: boolean;
	type?: string;
	shape?: ReadonlyArray<number | string>;
}

export interface BatchScores {
	/** Scores of image n are `scores.subarray(n * outputSize, (n + 1) * outputSize)`. */
	scores: Float32Array;
	outputSize: number;
	/** Time spent inside onnxruntime's run(), for comparing with the whole pipeline. */
	inferenceMs: number;
	/** The batch that was run, handed back: toBatchTensor can write the next batch of the same size into it. */
	input: Float32Array;
}

export class TaggerSession {
	private nextId = 1;
	private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void }>();
	private closed = false;

	private constructor(private readonly worker: Worker, public contract: ModelContract) {
		worker.on('message', (reply: WorkerReply) => {
			const waiter = this.pending.get(reply.id);
			this.pending.delete(reply.id);
			waiter?.resolve(reply);
		});
		worker.on('error', (err) => this.failAll(new Error(`the tagger's inference thread stopped: ${err.message}`)));
		worker.on('exit', () => this.failAll(new Error('the tagger\'s inference thread exited')));
	}

	/** Opens `<modelDir>/model.onnx`; falls back to CPU (with a note) when another provider cannot start. */
	static async open(modelDir: string, provider: ExecutionProvider = 'cpu'): Promise<TaggerSession> {
		const modelFile = join(modelDir, MODEL_FILE);
		if (!existsSync(modelFile)) {
			throw new TaggerModelError(`${modelFile} is missing: a WD14 model folder must hold ${MODEL_FILE} and selected_tags.csv. Download the model (LoRA: Manage Tagger Models) or point the model setting at a folder that has both.`);
		}
		// Loaded here first so a package for another platform says which one to install; inside the worker the
		// same failure would only be "the inference thread stopped".
		requireOnnxRuntime();
		const worker = new Worker(threadPriorityPrelude() + WORKER_SOURCE, { eval: true, workerData: { ortPath: require.resolve('onnxruntime-node') } });
		const session = new TaggerSession(worker, { modelFile, inputName: '', outputName: '', inputSize: DEFAULT_INPUT_SIZE, provider });
		try {
			let reply = await session.call({ type: 'open', modelFile, providers: [provider] });
			let providerNote: string | undefined;
			if (!reply.ok && provider !== 'cpu') {
				providerNote = `The ${provider} execution provider could not start (${firstLine(reply.message)}); tagging on the CPU instead.`;
				reply = await session.call({ type: 'open', modelFile, providers: ['cpu'] });
				session.contract.provider = 'cpu';
			}
			if (!reply.ok) {
				throw new TaggerModelError(`${modelFile} is not a readable ONNX model (${firstLine(reply.message)}). The file may be damaged or incomplete: remove the model (LoRA: Manage Tagger Models) and download it again, or replace the file.`);
			}
			session.contract = { ...readContract(modelFile, reply), provider: session.contract.provider, providerNote };
			return session;
		} catch (err) {
			await session.dispose();
			throw err;
		}
	}

	/** Runs one NHWC batch of `count` images. The batch's buffer is handed to the worker (not copied). */
	async run(batch: Float32Array, count: number): Promise<BatchScores> {
		const size = this.contract.inputSize;
		const reply = await this.call({ type: 'run', data: batch, dims: [count, size, size, 3], inputName: this.contract.inputName, outputName: this.contract.outputName }, [batch.buffer as ArrayBuffer]);
		if (!reply.ok) {
			throw new TaggerModelError(`${this.contract.modelFile} failed on a batch of ${countOf(count, 'image')}: ${firstLine(reply.message)}`);
		}
		const scores = reply.data as Float32Array;
		const dims = reply.dims as number[];
		const outputSize = dims.length === 2 ? dims[1] : scores.length / count;
		return { scores, outputSize, inferenceMs: reply.ms as number, input: reply.input as Float32Array };
	}

	async dispose(): Promise<void> {
		if (!this.closed) {
			this.closed = true;
			await this.worker.terminate();
		}
	}

	private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
		if (this.closed) {
			return Promise.reject(new Error('the tagger session is closed'));
		}
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			this.worker.postMessage({ ...message, id }, transfer);
		});
	}

	private failAll(err: Error): void {
		this.closed = true;
		for (const waiter of this.pending.values()) {
			waiter.reject(err);
		}
		this.pending.clear();
	}
}

function readContract(modelFile: string, reply: WorkerReply): Omit<ModelContract, 'provider'> {
	const inputNames = reply.inputNames as string[];
	const outputNames = reply.outputNames as string[];
	const input = (reply.inputMetadata as TensorMetadata[])[0];
	const output = (reply.outputMetadata as TensorMetadata[])[0];
	if (!input || !output) {
		throw new TaggerModelError(`${modelFile} has no ${input ? 'output' : 'input'}: it is not a WD14 tagger model.`);
	}
	const shape = input.shape ?? [];
	if (!input.isTensor || input.type !== 'float32' || shape.length !== 4 || (typeof shape[3] === 'number' && shape[3] !== 3)) {
		throw new TaggerModelError(`${modelFile} takes ${describe(input)}, not the [batch, height, width, 3] float32 image of a WD14 tagger (SmilingWolf format).`);
	}
	const height = typeof shape[1] === 'number' ? shape[1] : undefined;
	const width = typeof shape[2] === 'number' ? shape[2] : undefined;
	if (height !== undefined && width !== undefined && height !== width) {
		throw new TaggerModelError(`${modelFile} takes ${height}x${width} images; WD14 taggers take square ones.`);
	}
	const outputShape = output.shape ?? [];
	const outputSize = typeof outputShape[outputShape.length - 1] === 'number' ? outputShape[outputShape.length - 1] as number : undefined;
	return {
		modelFile,
		inputName: inputNames[0],
		outputName: outputNames[0],
		inputSize: height ?? width ?? DEFAULT_INPUT_SIZE,
		fixedBatch: typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined,
		outputSize,
	};
}

function describe(value: TensorMetadata): string {
	return value.isTensor ? `a ${value.type} tensor of shape [${(value.shape ?? []).join(', ')}]` : 'a non-tensor value';
}

function firstLine(text: unknown): string {
	return String(text ?? 'unknown error').split('\n')[0].trim();
}
