import { availableParallelism } from 'node:os';
import { NativeModuleError } from '../nativeModules';
import { findSimilarGroups, SimilarGroup, similarityProblems } from './duplicates';
import type { FaceDetector } from './faceDetector';
import { ImageAnalysis, analyseImage } from './imageAnalysis';
import { ImageEntry, grayscaleProblems, shortName } from './imageChecks';
import { IMAGES_PER_WORKER, ImageWorkers } from './imageWorkers';
import { ImageCheckOptions } from './options';
import { ImageProblem } from './types';

export { type ImageAnalysis, analyseImage } from './imageAnalysis';

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
