/** One image's analysis (decode, measures, hashes, faces): the part of a check that runs on each image alone. */
import { decodeForAnalysis, SourceInfo } from './decode';
import type { FaceDetector } from './faceDetector';
import { ImageEntry, edgeFaces, faceProblems, lookProblems, sizeProblems } from './imageChecks';
import { ImageMeasures, measureImage, perceptualHashes } from './measure';
import { ImageCheckOptions } from './options';
import { FaceBox, ImageProblem } from './types';

export interface ImageAnalysis {
	entry: ImageEntry;
	info?: SourceInfo;
	measures?: ImageMeasures;
	hash?: string;
	/** The pHash of the mirrored picture: a flipped copy is a duplicate too. */
	mirrorHash?: string;
	/** undefined when face detection did not run (no model, or unreadable image). */
	faces?: FaceBox[];
	problems: ImageProblem[];
	timings: { decodeMs: number; measureMs: number; faceMs: number };
}

export async function analyseImage(entry: ImageEntry, options: ImageCheckOptions, detector: FaceDetector | undefined): Promise<ImageAnalysis> {
	const decoded = await decodeForAnalysis(entry.path, { maxPixels: options.thresholds.maxPixels });
	const timings = { decodeMs: decoded.decodeMs, measureMs: 0, faceMs: 0 };
	if (!decoded.ok) {
		const problems = options.disabled.has(decoded.problem.code) ? [] : [decoded.problem];
		return { entry, problems, timings };
	}
	const started = performance.now();
	const measures = measureImage(decoded.image);
	const { hash, mirrored: mirrorHash } = perceptualHashes(decoded.image);
	const problems = [
		...decoded.notes.filter((p) => !options.disabled.has(p.code)),
		...sizeProblems(entry, decoded.info, options),
		...lookProblems(entry, measures, options),
	];
	timings.measureMs = performance.now() - started;
	let faces: FaceBox[] | undefined;
	if (detector) {
		const faceStarted = performance.now();
		const t = options.thresholds;
		const found = await detector.detect(decoded.image, Math.min(t.faceScore, t.edgeFaceScore));
		faces = found.filter((f) => f.score >= t.faceScore);
		timings.faceMs = performance.now() - faceStarted;
		problems.push(...faceProblems(entry, decoded.info, decoded.image, faces, options, edgeFaces(found, faces, decoded.info, decoded.image.scale, t)));
	}
	return { entry, info: decoded.info, measures, hash, mirrorHash, faces, problems, timings };
}
