import { Box, FaceBox, TargetSize } from './types';

export type CropKind = 'face' | 'body';

export interface CropProposal {
	/** In source pixels of the EXIF-oriented image; its aspect ratio is the target's. */
	box: Box;
	target: TargetSize;
	/** 'face' when centred on a detected face, 'center' when no face was found. */
	basis: 'face' | 'center';
	face?: FaceBox;
	/** Output pixels per source pixel: above 1 the crop is upscaled (soft). */
	upscale: number;
}

/**
 * Where the guide's framing starts and ends, in units of the face box's height (YuNet: forehead to chin, ear
 * to ear). A close-up runs from the top of the hair to the neck and shoulders: the hair sits within about
 * 0.3 face heights above the box, the neck and the top of the shoulders within about half a face height below
 * the chin, so the face fills about half the square. A body shot runs down to the waist.
 */
const FRAMING: Record<CropKind, { above: number; below: number; minWidth: number }> = {
	face: { above: 0.45, below: 0.55, minWidth: 1.9 },
	body: { above: 0.7, below: 3.3, minWidth: 2.4 },
};

export function cropKindForTarget(target: TargetSize): CropKind {
	return target.height > target.width ? 'body' : 'face';
}

/** The largest face is the subject; others are background people (reported by other-people). */
export function mainFace(faces: readonly FaceBox[]): FaceBox | undefined {
	return faces.reduce<FaceBox | undefined>((best, f) => (!best || f.width * f.height > best.width * best.height ? f : best), undefined);
}

export function proposeCrop(imageWidth: number, imageHeight: number, target: TargetSize, faces: readonly FaceBox[], kind = cropKindForTarget(target)): CropProposal {
	const aspect = target.width / target.height;
	const face = mainFace(faces);
	let box: Box;
	if (!face) {
		const { width, height } = fitAspect(imageWidth, imageHeight, aspect);
		box = { x: (imageWidth - width) / 2, y: (imageHeight - height) / 2, width, height };
	} else {
		const framing = FRAMING[kind];
		let height = face.height * (1 + framing.above + framing.below);
		height = Math.max(height, (face.width * framing.minWidth) / aspect);
		let width = height * aspect;
		const shrink = Math.min(1, imageWidth / width, imageHeight / height);
		width *= shrink;
		height *= shrink;
		const faceCenterX = face.x + face.width / 2;
		// Keep the framing's proportions above the face when the box had to shrink to fit the image.
		const spare = height - face.height;
		const above = spare * (framing.above / (framing.above + framing.below));
		box = { x: faceCenterX - width / 2, y: face.y - Math.max(0, above), width, height };
	}
	box = clampInside(roundBox(box, aspect), imageWidth, imageHeight);
	return { box, target, basis: face ? 'face' : 'center', face, upscale: target.width / box.width };
}

/** A box of the given aspect moved (never resized) to lie inside the image; used after user drags too. */
export function clampInside(box: Box, imageWidth: number, imageHeight: number): Box {
	const width = Math.min(box.width, imageWidth);
	const height = Math.min(box.height, imageHeight);
	return {
		x: Math.round(Math.min(Math.max(0, box.x), imageWidth - width)),
		y: Math.round(Math.min(Math.max(0, box.y), imageHeight - height)),
		width,
		height,
	};
}

/** Largest width x height of this aspect that fits in the image. */
export function fitAspect(imageWidth: number, imageHeight: number, aspect: number): { width: number; height: number } {
	if (imageWidth / imageHeight > aspect) {
		const height = imageHeight;
		return { width: Math.min(imageWidth, Math.round(height * aspect)), height };
	}
	const width = imageWidth;
	return { width, height: Math.min(imageHeight, Math.round(width / aspect)) };
}

function roundBox(box: Box, aspect: number): Box {
	const height = Math.max(1, Math.round(box.height));
	const width = Math.max(1, Math.round(height * aspect));
	return { x: box.x, y: box.y, width, height };
}

/** Smallest margin (in source pixels) between the face box and the crop box edges; negative when cut. */
export function faceMargin(crop: Box, face: Box): number {
	return Math.min(face.x - crop.x, face.y - crop.y, crop.x + crop.width - (face.x + face.width), crop.y + crop.height - (face.y + face.height));
}
