/**
 * Where and in what light a picture was taken, coarsely: the colour layout of the picture outside the person's face
 * and the colour of the light on the face. Two pictures of the same person with close signatures are the same
 * photoshoot even when the framing differs too much for the perceptual hash (a close-up and a half-body shot).
 */
import type { AnalysisImage } from '../images/decode';
import type { Box } from '../images/types';

/** Cells per side of the colour layout: coarse enough that a step to the side or a zoom keeps a cell's colour. */
const GRID = 4;
/** The face box grows by this share on each side before it is left out: hair and the face's edge are not background. */
const FACE_MARGIN = 0.25;
/** A cell counts when at least this share of its pixels lies outside the face. */
const MIN_OUTSIDE = 0.4;

export type Rgb = [number, number, number];

export interface SceneSignature {
	/** GRID x GRID cells of mean sRGB outside the face, row-major; null where the face covers most of the cell. */
	layout: (Rgb | null)[];
	/** Mean sRGB of the face box: the light on the person. */
	light: Rgb;
}

/** The signature of `image` (analysis pixels) with `face` given in source pixels (as the detector reports it). */
export function sceneSignature(image: AnalysisImage, face: Box): SceneSignature {
	const { data, width, height, scale } = image;
	const fx0 = (face.x - FACE_MARGIN * face.width) * scale;
	const fy0 = (face.y - FACE_MARGIN * face.height) * scale;
	const fx1 = (face.x + (1 + FACE_MARGIN) * face.width) * scale;
	const fy1 = (face.y + (1 + FACE_MARGIN) * face.height) * scale;
	const sums = Array.from({ length: GRID * GRID }, () => [0, 0, 0, 0]);
	const totals = new Array<number>(GRID * GRID).fill(0);
	const light = [0, 0, 0, 0];
	const lx0 = face.x * scale;
	const ly0 = face.y * scale;
	const lx1 = (face.x + face.width) * scale;
	const ly1 = (face.y + face.height) * scale;
	// Every second pixel each way: the means do not need more, and this runs on every new picture.
	for (let y = 0; y < height; y += 2) {
		const row = Math.min(GRID - 1, Math.floor((y * GRID) / height));
		for (let x = 0; x < width; x += 2) {
			const cell = row * GRID + Math.min(GRID - 1, Math.floor((x * GRID) / width));
			const p = (y * width + x) * 3;
			totals[cell]++;
			if (x >= lx0 && x < lx1 && y >= ly0 && y < ly1) {
				light[0] += data[p]; light[1] += data[p + 1]; light[2] += data[p + 2]; light[3]++;
			}
			if (x >= fx0 && x < fx1 && y >= fy0 && y < fy1) {
				continue;
			}
			const s = sums[cell];
			s[0] += data[p]; s[1] += data[p + 1]; s[2] += data[p + 2]; s[3]++;
		}
	}
	const round = (v: number) => Math.round(v * 10) / 10;
	return {
		layout: sums.map((s, i) => (s[3] >= MIN_OUTSIDE * totals[i] && s[3] > 0 ? [round(s[0] / s[3]), round(s[1] / s[3]), round(s[2] / s[3])] : null)),
		light: light[3] > 0 ? [round(light[0] / light[3]), round(light[1] / light[3]), round(light[2] / light[3])] : [0, 0, 0],
	};
}

/** Colour distance 0-1 (Euclidean in sRGB over the largest possible). */
function rgbDistance(a: Rgb, b: Rgb): number {
	return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) / (255 * Math.sqrt(3));
}

/**
 * How far apart two scenes are: the background (mean colour distance of the cells both show, 0-1) and the
 * lighting (colour distance of the light on the face, 0-1). Undefined when fewer than a quarter of the cells can
 * be compared (two close-ups whose faces fill the frame have no background to compare).
 */
export function sceneDistance(a: SceneSignature, b: SceneSignature): { background: number; lighting: number } | undefined {
	let sum = 0;
	let count = 0;
	for (let i = 0; i < a.layout.length; i++) {
		const ca = a.layout[i];
		const cb = b.layout[i];
		if (ca && cb) {
			sum += rgbDistance(ca, cb);
			count++;
		}
	}
	if (count < a.layout.length / 4) {
		return undefined;
	}
	return { background: sum / count, lighting: rgbDistance(a.light, b.light) };
}
