import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { AnalysisImage } from './decode';
import { Box, FaceBox } from './types';
import { requireOnnxRuntime } from '../nativeModules';

/** YuNet's strides; each has cls/obj/bbox/kps outputs over an (H/s) x (W/s) grid. */
const STRIDES = [8, 16, 32] as const;
/** Detection runs on at most this long side (analysis pixels); faces smaller than ~10 px are not wanted anyway. */
const MAX_DETECT_SIDE = 1280;
const NMS_IOU = 0.3;

type OrtModule = typeof import('onnxruntime-node');
let ortModule: OrtModule | undefined;

function loadOrt(): OrtModule {
	if (!ortModule) {
		ortModule = requireOnnxRuntime();
	}
	return ortModule;
}

export interface FaceDetector {
	/** Faces in source-pixel coordinates (boxes may reach past the border when the face is cut off), best first. */
	detect(image: AnalysisImage, minScore: number): Promise<FaceBox[]>;
	release(): Promise<void>;
}

export async function createFaceDetector(modelPath: string): Promise<FaceDetector> {
	const ort = loadOrt();
	let session: InferenceSession;
	try {
		// One thread per run: the checks already run two images at once on a 2-core machine.
		session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
	} catch (err) {
		throw new Error(`The face model ${modelPath} could not be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)}). Point loraWorkbench.images.faceModelPath at yunet_n_dynamic.onnx, or clear it to download the model again.`, { cause: err });
	}
	return {
		async detect(image, minScore) {
			const input = detectorInput(image);
			const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]) });
			const candidates = decodeYunet(outputs, input.width, input.height, minScore);
			// Back from detector pixels to source pixels.
			const factor = 1 / (input.scale * image.scale);
			return nonMaximumSuppression(candidates, NMS_IOU).map((face) => scaleFace(face, factor));
		},
		async release() {
			await session.release();
		},
	};
}

interface DetectorInput {
	data: Float32Array;
	width: number;
	height: number;
	/** Detector pixels per analysis pixel. */
	scale: number;
}

/** BGR, 0-255, planar, zero-padded on the right and bottom to multiples of 32 (the model's contract). */
function detectorInput(image: AnalysisImage): DetectorInput {
	const scale = Math.min(1, MAX_DETECT_SIDE / Math.max(image.width, image.height));
	const w = Math.max(1, Math.round(image.width * scale));
	const h = Math.max(1, Math.round(image.height * scale));
	const width = Math.ceil(w / 32) * 32;
	const height = Math.ceil(h / 32) * 32;
	const plane = width * height;
	const data = new Float32Array(3 * plane);
	const src = image.data;
	for (let y = 0; y < h; y++) {
		const sy = scale === 1 ? y : Math.min(image.height - 1, Math.floor(y / scale));
		for (let x = 0; x < w; x++) {
			const sx = scale === 1 ? x : Math.min(image.width - 1, Math.floor(x / scale));
			const p = (sy * image.width + sx) * 3;
			const o = y * width + x;
			data[o] = src[p + 2];
			data[plane + o] = src[p + 1];
			data[2 * plane + o] = src[p];
		}
	}
	return { data, width, height, scale };
}

/** Turns the 12 raw outputs into face boxes in detector pixels (see shared fixtures SOURCES.md). */
export function decodeYunet(outputs: Record<string, Tensor>, width: number, height: number, minScore: number): FaceBox[] {
	const faces: FaceBox[] = [];
	for (const stride of STRIDES) {
		const cls = outputs[`cls_${stride}`].data as Float32Array;
		const obj = outputs[`obj_${stride}`].data as Float32Array;
		const bbox = outputs[`bbox_${stride}`].data as Float32Array;
		const kps = outputs[`kps_${stride}`].data as Float32Array;
		const cols = width / stride;
		const rows = height / stride;
		for (let row = 0; row < rows; row++) {
			for (let col = 0; col < cols; col++) {
				const i = row * cols + col;
				const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
				if (score < minScore) {
					continue;
				}
				const cx = (col + bbox[i * 4]) * stride;
				const cy = (row + bbox[i * 4 + 1]) * stride;
				const w = Math.exp(bbox[i * 4 + 2]) * stride;
				const h = Math.exp(bbox[i * 4 + 3]) * stride;
				const landmarks = [];
				for (let k = 0; k < 5; k++) {
					landmarks.push({ x: (col + kps[i * 10 + 2 * k]) * stride, y: (row + kps[i * 10 + 2 * k + 1]) * stride });
				}
				faces.push({ x: cx - w / 2, y: cy - h / 2, width: w, height: h, score, landmarks });
			}
		}
	}
	return faces;
}

export function nonMaximumSuppression(faces: FaceBox[], maxIou: number): FaceBox[] {
	const sorted = [...faces].sort((a, b) => b.score - a.score);
	const kept: FaceBox[] = [];
	for (const face of sorted) {
		if (kept.every((other) => intersectionOverUnion(face, other) <= maxIou)) {
			kept.push(face);
		}
	}
	return kept;
}

export function intersectionOverUnion(a: Box, b: Box): number {
	const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
	const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
	const inter = ix * iy;
	const union = a.width * a.height + b.width * b.height - inter;
	return union > 0 ? inter / union : 0;
}

function scaleFace(face: FaceBox, factor: number): FaceBox {
	const round = (v: number) => Math.round(v * 10) / 10;
	return {
		x: round(face.x * factor),
		y: round(face.y * factor),
		width: round(face.width * factor),
		height: round(face.height * factor),
		score: Math.round(face.score * 1000) / 1000,
		landmarks: face.landmarks.map((p) => ({ x: round(p.x * factor), y: round(p.y * factor) })),
	};
}

function clamp01(v: number): number {
	return v < 0 ? 0 : v > 1 ? 1 : v;
}
