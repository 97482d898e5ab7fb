import { basename } from 'node:path';
import { AnalysisImage, SourceInfo } from './decode';
import { ImageMeasures } from './measure';
import { ImageCheckOptions, ImageCheckThresholds } from './options';
import { countOf } from '../plural';
import { mainFace } from './cropProposal';
import { FaceBox, ImageProblem, ImageProblemCode, ImageProblemSeverity, SubsetRole, targetSizeForRole } from './types';

export interface ImageEntry {
	path: string;
	role: SubsetRole;
	/** Subset folder name, for messages and grouping. */
	subset?: string;
	/** A source picked for import (anywhere on disk), judged by the source minimum instead of a target size. */
	isSource?: boolean;
}

type Emit = (code: ImageProblemCode, severity: ImageProblemSeverity, message: string, details: Record<string, unknown>) => void;

function emitter(file: string, options: ImageCheckOptions, into: ImageProblem[]): Emit {
	return (code, severity, message, details) => {
		if (!options.disabled.has(code)) {
			into.push({ file, code, severity, message, details });
		}
	};
}

/**
 * low-resolution and wrong-size, against the subset's target at the training side (512x512 face, 512x768 body for
 * SD1.5; 1024x1024 / 1024x1536 at the SDXL and Flux.1 presets' 1024) or the source minimum.
 */
export function sizeProblems(entry: ImageEntry, info: SourceInfo, options: ImageCheckOptions): ImageProblem[] {
	const problems: ImageProblem[] = [];
	const emit = emitter(entry.path, options, problems);
	const { width, height } = info;
	if (entry.isSource) {
		const min = options.thresholds.sourceMinSide;
		if (Math.min(width, height) < min) {
			emit('low-resolution', 'warning', `${width}x${height} is small for a source: about ${min} px per side lets the crop keep detail (the crop will be upscaled).`, { width, height, minSide: min });
		}
		return problems;
	}
	const target = targetSizeForRole(entry.role, options.trainingSide);
	if (!target) {
		return problems;
	}
	const details = { width, height, target: `${target.width}x${target.height}` };
	if (width < target.width || height < target.height) {
		emit('low-resolution', 'warning', `${width}x${height} is smaller than the ${entry.role} target ${target.width}x${target.height}: the trainer upscales it and the LoRA learns the blur. Replace it with a larger picture.`, details);
	} else if (width !== target.width || height !== target.height) {
		const severity = options.bucketsEnabled ? 'info' : 'warning';
		const why = options.bucketsEnabled ? 'with buckets on the trainer resizes it into a bucket' : 'with buckets off the trainer crops it to the resolution and may cut the face';
		emit('wrong-size', severity, `${width}x${height} is not the ${entry.role} target ${target.width}x${target.height} (${why}). Crop it with "LoRA: Crop Wrong-Size Images".`, details);
	}
	return problems;
}

/** blurry, dark, overexposed, colored-light (grayscale is judged across the folder). */
export function lookProblems(entry: ImageEntry, measures: ImageMeasures, options: ImageCheckOptions): ImageProblem[] {
	const problems: ImageProblem[] = [];
	const emit = emitter(entry.path, options, problems);
	const t = options.thresholds;
	const round = (v: number, digits = 1) => Number(v.toFixed(digits));
	if (measures.sharpness < t.blurVariance) {
		emit('blurry', 'warning', `The image looks blurry (sharpness ${round(measures.sharpness)} < ${t.blurVariance}, Laplacian variance at 512 px after stretching the contrast): the LoRA learns the softness. Use a sharper picture.`, { sharpness: round(measures.sharpness), threshold: t.blurVariance });
	}
	if (measures.meanLuma < t.darkMeanLuma || measures.darkShare > t.darkClippedShare) {
		emit('dark', 'warning', `The image is dark (mean brightness ${round(measures.meanLuma)} of 255, ${Math.round(measures.darkShare * 100)}% near black): features get lost in shadow. Brighten it or pick another.`, { meanLuma: round(measures.meanLuma), darkShare: round(measures.darkShare, 3), threshold: t.darkMeanLuma });
	} else if (measures.meanLuma > t.overexposedMeanLuma || measures.centerBrightShare > t.overexposedClippedShare) {
		emit('overexposed', 'warning', `The image is overexposed (mean brightness ${round(measures.meanLuma)} of 255, ${Math.round(measures.centerBrightShare * 100)}% of the middle blown out): skin and hair detail is gone. Use a better exposed picture.`, { meanLuma: round(measures.meanLuma), brightShare: round(measures.centerBrightShare, 3), threshold: t.overexposedMeanLuma });
	}
	if (measures.cast > t.colorCast) {
		emit('colored-light', 'warning', `Strong ${castName(measures.castCb, measures.castCr)} colour cast (strength ${round(measures.cast)} > ${t.colorCast}): the LoRA may learn the light as skin colour. Colour-correct it or caption the light.`, { cast: round(measures.cast), cb: round(measures.castCb), cr: round(measures.castCr), threshold: t.colorCast });
	}
	return problems;
}

/**
 * Detections under the face score that are another person cut by the picture's edge: at least `edgeFaceScore`,
 * touching the border, and at least 40% of the main face's height (YuNet scores a half face lower).
 */
export function edgeFaces(found: readonly FaceBox[], faces: readonly FaceBox[], info: SourceInfo, scale: number, t: ImageCheckThresholds): FaceBox[] {
	const main = mainFace(faces);
	if (!main) {
		return [];
	}
	const margin = t.faceBorderMargin / scale;
	return found.filter((f) => f.score < t.faceScore && f.score >= t.edgeFaceScore && f.height >= 0.4 * main.height
		&& (f.x < margin || f.y < margin || f.x + f.width > info.width - margin || f.y + f.height > info.height - margin));
}

/** no-face, other-people, face-cut-off, face-too-small. Regularisation images are other people by design. */
export function faceProblems(entry: ImageEntry, info: SourceInfo, image: AnalysisImage, faces: readonly FaceBox[], options: ImageCheckOptions, cutFaces: readonly FaceBox[] = []): ImageProblem[] {
	const problems: ImageProblem[] = [];
	if (entry.role === 'reg') {
		return problems;
	}
	const emit = emitter(entry.path, options, problems);
	const t = options.thresholds;
	const boxes = faces.map((f) => ({ x: f.x, y: f.y, width: f.width, height: f.height, score: f.score }));
	if (faces.length === 0) {
		if (entry.role === 'face') {
			emit('no-face', 'warning', 'No face was found in this close-up: a face subset needs the face clearly visible. Replace the picture or move it to a body subset.', { faces: 0 });
		} else if (entry.role === 'body') {
			// The guide's body shots run from the head down to the waist: without a face, nothing ties the body to the person.
			emit('no-face', 'warning', 'No face was found in this body shot: the guide\'s body shots show the person from the head down to the waist, so the LoRA ties the body to the face. Use a picture where the face is visible.', { faces: 0 });
		}
		return problems;
	}
	if (faces.length + cutFaces.length > 1) {
		const cut = cutFaces.length > 0 ? ` (${countOf(cutFaces.length, 'of them', 'of them')} cut by the edge: another person half in the frame)` : '';
		const allBoxes = [...boxes, ...cutFaces.map((f) => ({ x: f.x, y: f.y, width: f.width, height: f.height, score: f.score }))];
		emit('other-people', 'warning', `${faces.length + cutFaces.length} faces were found${cut}: the picture should show only the person you train. Crop the others out or drop the picture.`, { faces: allBoxes });
	}
	const face = mainFace(faces)!;
	const margin = t.faceBorderMargin / image.scale;
	const touches = [
		face.x < margin && 'left',
		face.y < margin && 'top',
		face.x + face.width > info.width - margin && 'right',
		face.y + face.height > info.height - margin && 'bottom',
	].filter((s): s is string => typeof s === 'string');
	if (touches.length > 0) {
		emit('face-cut-off', 'warning', `The face touches the ${touches.join(' and ')} edge: chin or hair is cut off. Use a picture with the whole head in it.`, { face: boxes[faces.indexOf(face)], edges: touches });
	}
	if (entry.role === 'face' && !entry.isSource) {
		const share = face.height / info.height;
		if (share < t.faceMinShare) {
			emit('face-too-small', 'warning', `The face fills only ${Math.round(share * 100)}% of the height (less than ${Math.round(t.faceMinShare * 100)}%) in a close-up: crop closer to the face.`, { face: boxes[faces.indexOf(face)], share: Number(share.toFixed(3)), threshold: t.faceMinShare });
		}
	}
	return problems;
}

/** grayscale, only where most of the other pictures are in colour (a black-and-white set is a choice). */
export function grayscaleProblems(measured: ReadonlyArray<{ file: string; chroma: number }>, options: ImageCheckOptions): ImageProblem[] {
	const limit = options.thresholds.grayscaleChroma;
	const gray = measured.filter((m) => m.chroma < limit);
	if (gray.length === 0 || gray.length * 2 >= measured.length) {
		return [];
	}
	const problems: ImageProblem[] = [];
	for (const m of gray) {
		emitter(m.file, options, problems)('grayscale', 'info', `Black-and-white picture in a colour set (${measured.length - gray.length} of ${measured.length} are colour): the LoRA may drift to gray. Caption it "monochrome, greyscale" or drop it.`, { chroma: Number(m.chroma.toFixed(2)), threshold: limit });
	}
	return problems;
}

function castName(cb: number, cr: number): string {
	const angle = (Math.atan2(cr, cb) * 180) / Math.PI;
	// Hue directions in the CbCr plane.
	if (angle >= 60 && angle < 150) {
		return 'red';
	}
	if (angle >= 150 || angle < -150) {
		return 'yellow/orange';
	}
	if (angle >= -150 && angle < -60) {
		return 'green';
	}
	if (angle >= -60 && angle < 15) {
		return 'blue';
	}
	return 'magenta';
}

export function shortName(file: string): string {
	return basename(file);
}
