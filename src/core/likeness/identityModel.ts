/*
 * The identity model: face-api's face recognition net (@vladmandic/face-api, MIT; a ResNet-34 trained like
 * dlib's, 128-d descriptors, same person below ~0.6 Euclidean distance), run on TensorFlow.js's WebAssembly
 * backend (@tensorflow/tfjs-backend-wasm, Apache-2.0). Both come from the npm registry with their weights and
 * .wasm files inside the packages, so nothing is downloaded. TensorFlow.js is large and slow to load, so it is
 * required here, on first use, never at module top level: activation and the CLI's --help stay fast.
 */
import { dirname, join } from 'node:path';

/** Side of the aligned face chip the net takes (dlib's 150 x 150). */
export const CHIP_SIDE = 150;
export const EMBEDDING_SIZE = 128;
/** Names the model in the cache key: a different model must never reuse cached embeddings. */
export const IDENTITY_MODEL_ID = 'face-api-1.7.15-recognition';

export class IdentityModelError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IdentityModelError';
	}
}

export interface IdentityModel {
	/** 128-d descriptors of aligned RGB chips (CHIP_SIDE x CHIP_SIDE x 3 bytes each). */
	embed(chips: readonly Uint8Array[]): Promise<Float32Array[]>;
}

interface FaceApiTensor { dispose(): void }
interface FaceApiModule {
	tf: {
		setWasmPaths(path: string): void;
		setBackend(name: string): Promise<boolean>;
		ready(): Promise<void>;
		tensor3d(values: Uint8Array | Int32Array, shape: [number, number, number], dtype: 'int32'): FaceApiTensor;
	};
	nets: { faceRecognitionNet: { loadFromDisk(dir: string): Promise<void>; computeFaceDescriptor(input: unknown): Promise<Float32Array | Float32Array[]> } };
}

let loading: Promise<IdentityModel> | undefined;

/** The one model of this process, loaded on the first call (about a second); later calls share it. */
export function loadIdentityModel(): Promise<IdentityModel> {
	loading ??= load().catch((err) => {
		loading = undefined; // a failed load may succeed later (e.g. after npm ci), so it is not remembered
		throw err;
	});
	return loading;
}

async function load(): Promise<IdentityModel> {
	let faceapi: FaceApiModule;
	let wasmDir: string;
	let modelDir: string;
	try {
		// Literal requires so esbuild leaves them as externals (esbuild.mjs): the packages carry .wasm and weight files.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
		wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
		modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
	} catch (err) {
		throw new IdentityModelError(`LoRA Workbench could not load the face identity model (@vladmandic/face-api with @tensorflow/tfjs-backend-wasm: ${firstLine(err)}), which the likeness checks need. In a source checkout run npm ci; otherwise reinstall the extension.`);
	}
	try {
		faceapi.tf.setWasmPaths(wasmDir + '/');
		await faceapi.tf.setBackend('wasm');
		await faceapi.tf.ready();
		await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
	} catch (err) {
		throw new IdentityModelError(`The face identity model in ${modelDir} could not be started (${firstLine(err)}). Reinstall the extension (or run npm ci in a source checkout).`);
	}
	const net = faceapi.nets.faceRecognitionNet;
	return {
		async embed(chips) {
			const out: Float32Array[] = [];
			// One chip at a time: batches gain little on the wasm backend and a failure names one face.
			for (const chip of chips) {
				const tensor = faceapi.tf.tensor3d(Int32Array.from(chip), [CHIP_SIDE, CHIP_SIDE, 3], 'int32');
				try {
					const descriptor = await net.computeFaceDescriptor(tensor);
					out.push(Float32Array.from(Array.isArray(descriptor) ? descriptor[0] : descriptor));
				} finally {
					tensor.dispose();
				}
			}
			return out;
		},
	};
}

function firstLine(err: unknown): string {
	return String(err instanceof Error ? err.message : err).split('\n')[0].trim();
}
