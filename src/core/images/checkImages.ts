import { availableParallelism } from 'node:os';
import { NativeModuleError } from '../nativeModules';
import { decodeForAnalysis, SourceInfo } from './decode';
import { findSimilarGroups, SimilarGroup, similarityProblems } from './duplicates';
import type { FaceDetector } from './faceDetector';
import { ImageEntry, edgeFaces, faceProblems, grayscaleProblems, lookProblems, shortName, sizeProblems } from './imageChecks';
import { ImageMeasures, measureImage, perceptualHashes } from './measure';
import { IMAGES_PER_WORKER, ImageWorkers } from './imageWorkers';
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

export interface CheckReport {
	analyses: ImageAnalysis[];
	/** Every problem, per image and across images, in entry order. */
	problems: ImageProblem[];
	groups: SimilarGroup[];
	/** Set when face checks could not run: says why and what to do. */
	faceDetectorError?: string;
}

export interface CheckRun {
	signal?: AbortSignal;
	onProgress?: (done: number, total: number) => void;
	/**
	 * A detector shared across runs: the images are decoded and measured on this thread and only detection goes
	 * to the detector. Without one, worker threads (one per core, at most `concurrency`) do all of it, each with
	 * its own session of faceModelPath.
	 */
	detector?: FaceDetector;
	/** Workers shared across runs (the extension keeps them), with their face model; they stay started. */
	workers?: ImageWorkers;
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

/**
 * Checks a set of images: each one decoded once and analysed (two at a time by default), then the checks
 * across images (near-duplicates, same shoot, grayscale in a colour set). An unreadable image becomes a
 * problem and the rest goes on.
 */
export async function checkImages(entries: readonly ImageEntry[], options: ImageCheckOptions, run: CheckRun = {}): Promise<CheckReport> {
	const started = await analyser(options, run, entries.length);
	const analyses: ImageAnalysis[] = new Array(entries.length);
	let next = 0;
	let done = 0;
	const worker = async () => {
		while (next < entries.length && !run.signal?.aborted) {
			const index = next++;
			analyses[index] = await started.analyse(entries[index]);
			run.onProgress?.(++done, entries.length);
		}
	};
	try {
		await Promise.all(Array.from({ length: Math.max(1, Math.min(started.inFlight, entries.length)) }, worker));
	} finally {
		await started.release();
	}
	const { faceDetectorError } = started;
	const finished = analyses.filter((a): a is ImageAnalysis => a !== undefined);
	const hashed = finished.filter((a) => a.hash !== undefined).map((a) => ({ file: a.entry.path, hash: a.hash!, mirrorHash: a.mirrorHash }));
	const t = options.thresholds;
	const groups = findSimilarGroups(hashed, t.nearDuplicateDistance, t.sameShootDistance)
		.filter((g) => !options.disabled.has(g.kind));
	const across = [
		...similarityProblems(groups, shortName),
		...grayscaleProblems(finished.filter((a) => a.measures).map((a) => ({ file: a.entry.path, chroma: a.measures!.chroma })), options),
	];
	const order = new Map(entries.map((e, i) => [e.path, i]));
	const problems = [...finished.flatMap((a) => a.problems), ...across]
		.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
	const byFile = new Map(finished.map((a) => [a.entry.path, a]));
	for (const problem of across) {
		byFile.get(problem.file)?.problems.push(problem);
	}
	return { analyses: finished, problems, groups, faceDetectorError };
}

interface Analyser {
	analyse(entry: ImageEntry): Promise<ImageAnalysis>;
	/** Images to keep in flight. */
	inFlight: number;
	release(): Promise<void>;
	faceDetectorError?: string;
}

async function analyser(options: ImageCheckOptions, run: CheckRun, count: number): Promise<Analyser> {
	const shared = run.workers;
	if (shared) {
		const faceDetectorError = shared.hasFaceModel ? undefined : 'No face model is set, so the face checks did not run.';
		return { analyse: (entry) => shared.analyse(entry, options), inFlight: shared.threads * IMAGES_PER_WORKER, release: async () => undefined, faceDetectorError };
	}
	const given = run.detector;
	if (given) {
		return { analyse: (entry) => analyseImage(entry, options, given), inFlight: options.concurrency, release: async () => undefined };
	}
	const threads = Math.max(1, Math.min(options.concurrency, availableParallelism(), count));
	let faceDetectorError = options.faceModelPath ? undefined : 'No face model is set, so the face checks did not run.';
	let workers: ImageWorkers;
	try {
		workers = await ImageWorkers.start({ threads, faceModelPath: options.faceModelPath });
	} catch (err) {
		if (!options.faceModelPath || err instanceof NativeModuleError) {
			throw err;
		}
		faceDetectorError = err instanceof Error ? err.message : String(err);
		workers = await ImageWorkers.start({ threads });
	}
	return { analyse: (entry) => workers.analyse(entry, options), inFlight: threads * IMAGES_PER_WORKER, release: () => workers.release(), faceDetectorError };
}
