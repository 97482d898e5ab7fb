import type { AnalysisImage } from '../images/decode';
import type { Point } from '../images/types';
import { CHIP_SIDE } from './identityModel';

/*
 * Where the five YuNet landmarks sit in the chip the identity net was trained on: dlib's mean face shape
 * (eye centres = means of its six eye points, nose tip = point 30, mouth corners = 48 and 54) placed the way
 * dlib's get_face_chip_details(shape, 150, 0.25) places it: chip = (mean + 0.25) / 1.5 * 150. Aligning to
 * the net's own template keeps the distances on the scale the model's 0.6 same-person convention assumes.
 */
const TEMPLATE: readonly Point[] = [
	{ x: 47.55, y: 46.60 }, // right eye (the picture's left)
	{ x: 100.48, y: 46.60 }, // left eye
	{ x: 74.01, y: 76.56 }, // nose tip
	{ x: 50.41, y: 103.02 }, // right mouth corner
	{ x: 97.61, y: 103.02 }, // left mouth corner
];

/** A similarity transform (rotation, uniform scale, shift): chip = [a -b; b a] * source + [tx ty]. */
export interface Similarity { a: number; b: number; tx: number; ty: number }

/** Least-squares similarity from `from` to `to` (Umeyama without reflection); both lists the same length. */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
	const n = from.length;
	const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
	const mf = mean(from);
	const mt = mean(to);
	let dot = 0;
	let cross = 0;
	let norm = 0;
	for (let i = 0; i < n; i++) {
		const px = from[i].x - mf.x;
		const py = from[i].y - mf.y;
		const qx = to[i].x - mt.x;
		const qy = to[i].y - mt.y;
		dot += px * qx + py * qy;
		cross += px * qy - py * qx;
		norm += px * px + py * py;
	}
	const a = norm > 0 ? dot / norm : 1;
	const b = norm > 0 ? cross / norm : 0;
	return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) };
}

/**
 * The face cut out upright at the identity net's scale: CHIP_SIDE x CHIP_SIDE RGB bytes, bilinear, edge pixels
 * repeated where the chip reaches past the picture. `landmarks` are in source pixels (as the detector returns
 * them); the image is at analysis scale.
 */
export function alignFace(image: AnalysisImage, landmarks: readonly Point[]): Uint8Array {
	const scaled = landmarks.map((p) => ({ x: p.x * image.scale, y: p.y * image.scale }));
	const { a, b, tx, ty } = fitSimilarity(scaled, TEMPLATE);
	// Inverse map: source = M^-1 (chip - t), M^-1 = [a b; -b a] / (a^2 + b^2).
	const det = a * a + b * b || 1;
	const out = new Uint8Array(CHIP_SIDE * CHIP_SIDE * 3);
	const { data, width, height } = image;
	for (let y = 0; y < CHIP_SIDE; y++) {
		for (let x = 0; x < CHIP_SIDE; x++) {
			const cx = x + 0.5 - tx;
			const cy = y + 0.5 - ty;
			const sx = Math.min(width - 1, Math.max(0, (a * cx + b * cy) / det - 0.5));
			const sy = Math.min(height - 1, Math.max(0, (-b * cx + a * cy) / det - 0.5));
			const x0 = Math.floor(sx);
			const y0 = Math.floor(sy);
			const x1 = Math.min(width - 1, x0 + 1);
			const y1 = Math.min(height - 1, y0 + 1);
			const fx = sx - x0;
			const fy = sy - y0;
			const o = (y * CHIP_SIDE + x) * 3;
			for (let c = 0; c < 3; c++) {
				const top = data[(y0 * width + x0) * 3 + c] * (1 - fx) + data[(y0 * width + x1) * 3 + c] * fx;
				const bottom = data[(y1 * width + x0) * 3 + c] * (1 - fx) + data[(y1 * width + x1) * 3 + c] * fx;
				out[o + c] = Math.round(top * (1 - fy) + bottom * fy);
			}
		}
	}
	return out;
}

/** The chip mirrored left to right: a mirrored copy of a training picture embeds like this. */
export function mirrorChip(chip: Uint8Array): Uint8Array {
	const out = new Uint8Array(chip.length);
	for (let y = 0; y < CHIP_SIDE; y++) {
		for (let x = 0; x < CHIP_SIDE; x++) {
			const from = (y * CHIP_SIDE + x) * 3;
			const to = (y * CHIP_SIDE + CHIP_SIDE - 1 - x) * 3;
			out[to] = chip[from];
			out[to + 1] = chip[from + 1];
			out[to + 2] = chip[from + 2];
		}
	}
	return out;
}
