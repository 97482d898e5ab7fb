import { promises as fs } from 'node:fs';
import { parse as parsePath, join } from 'node:path';
import { CaptionFile, fileTextOf, readCaptionFile, writeCaptionFile } from '../captionFile';
import { CaptionPrefix, ExistingCaptionMode, mergeCaption } from './captionMerge';
import { LabelProcessing, TAGS_FILE, TaggerLabels, checkLabelsMatchModel, processLabels, readLabels } from './labels';
import { ImageDecodeError, toBatchTensor } from './preprocess';
import { TaggerPreprocessPool } from './preprocessPool';
import { DEFAULT_SELECTION, TagSelection, selectTags } from './selectTags';
import { ExecutionProvider, ModelContract, TaggerSession } from './session';

export interface TagImagesOptions {
	/** A folder holding model.onnx and selected_tags.csv. */
	modelDir: string;
	images: readonly string[];
	mode: ExistingCaptionMode;
	prefix?: CaptionPrefix;
	selection?: Partial<TagSelection>;
	processing?: Partial<LabelProcessing>;
	/** With the dot, as sd-scripts concatenates it. */
	captionExtension?: string;
	batchSize?: number;
	executionProvider?: ExecutionProvider;
	signal?: AbortSignal;
	/** Called when the model is open, before any image is read. */
	onModelReady?: (contract: ModelContract) => void;
	/** After each image is finished (tagged, skipped or failed). */
	onProgress?: (done: number, total: number) => void;
	/** Where captions are read and written; the files themselves (`./captionFile`) unless the extension passes open editors. */
	captions?: CaptionAccess;
}

/** How the tagger reads and writes a caption: on disk by default; the extension routes captions open in an editor through it. */
export interface CaptionAccess {
	read(path: string): Promise<CaptionFile>;
	/** Throws when the caption cannot be written. */
	write(path: string, text: string): Promise<unknown>;
}

export interface TaggedImage {
	image: string;
	captionPath: string;
	/** Tags the model chose (after the prefix was added), in caption order. */
	modelTags: string[];
	/** The file's content before, for undo; undefined when there was no caption (or it was not UTF-8). */
	previous: string | undefined;
	/** The bytes before, only when they were not UTF-8 (overwrite mode): undo restores them exactly. */
	previousBytes?: Uint8Array;
	written: string;
}

export interface TaggingProblem {
	file: string;
	message: string;
}

export interface TagImagesResult {
	contract: ModelContract;
	tagged: TaggedImage[];
	/** Images left alone because they had a caption (skip mode). */
	skipped: string[];
	problems: TaggingProblem[];
	cancelled: boolean;
	/** Time inside onnxruntime's run() versus the whole run, to show what the pipeline adds. */
	inferenceMs: number;
	totalMs: number;
}

export const DEFAULT_PROCESSING: LabelProcessing = {
	removeUnderscores: true,
	expandCharacterTags: false,
	replacements: [],
	captionSeparator: ', ',
};

export const DEFAULT_BATCH_SIZE = 4;

interface PreparedBatch {
	images: string[];
	pixels: Uint8Array[];
	problems: TaggingProblem[];
}

export function captionPathFor(image: string, captionExtension: string): string {
	const { dir, name } = parsePath(image);
	return join(dir, `${name}${captionExtension}`);
}

/** Batches prepared ahead of the one being inferred, so the preparation threads never wait for inference. */
const PREPARED_AHEAD = 2;

/**
 * Tags images with a WD14 model and writes their captions. Decoding and preprocessing of the next batches
 * (preprocessPool.ts's threads) run while the inference thread runs the model on the current one.
 * Every caption is written atomically; cancelling stops between files, so each caption is old or new.
 */
export async function tagImages(options: TagImagesOptions): Promise<TagImagesResult> {
	const started = performance.now();
	const selection: TagSelection = { ...DEFAULT_SELECTION, ...options.selection };
	const processing: LabelProcessing = { ...DEFAULT_PROCESSING, ...options.processing };
	const captionExtension = options.captionExtension ?? '.txt';
	const rawLabels = await readLabels(options.modelDir);
	const session = await TaggerSession.open(options.modelDir, options.executionProvider ?? 'cpu');
	const result: TagImagesResult = { contract: session.contract, tagged: [], skipped: [], problems: [], cancelled: false, inferenceMs: 0, totalMs: 0 };
	let pool: TaggerPreprocessPool | undefined;
	try {
		const contract = session.contract;
		const csvFile = join(options.modelDir, TAGS_FILE);
		if (contract.outputSize !== undefined) {
			checkLabelsMatchModel(rawLabels, contract.outputSize, csvFile, contract.modelFile);
		}
		options.onModelReady?.(contract);
		const labels = processLabels(rawLabels, processing);
		const total = options.images.length;
		let done = 0;
		const todo: string[] = [];
		for (const image of options.images) {
			if (options.mode === 'skip' && await exists(captionPathFor(image, captionExtension))) {
				result.skipped.push(image);
				options.onProgress?.(++done, total);
			} else {
				todo.push(image);
			}
		}
		const batchSize = contract.fixedBatch ?? Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
		const batches: string[][] = [];
		for (let i = 0; i < todo.length; i += batchSize) {
			batches.push(todo.slice(i, i + batchSize));
		}
		const activePool = batches.length > 0 ? new TaggerPreprocessPool() : undefined;
		pool = activePool;
		const prepare = (images: string[]) => prepareBatch(activePool as TaggerPreprocessPool, images, contract.inputSize);
		const preparing = batches.slice(0, PREPARED_AHEAD + 1).map(prepare);
		for (let b = 0; b < batches.length; b++) {
			const batch = await preparing[b];
			if (b + PREPARED_AHEAD + 1 < batches.length) {
				preparing.push(prepare(batches[b + PREPARED_AHEAD + 1]));
			}
			if (options.signal?.aborted) {
				result.cancelled = true;
				break;
			}
			result.problems.push(...batch.problems);
			done += batch.problems.length;
			if (batch.pixels.length > 0) {
				const tensor = toBatchTensor(padBatch(batch.pixels, contract.fixedBatch), contract.inputSize);
				const scores = await session.run(tensor, contract.fixedBatch ?? batch.pixels.length);
				result.inferenceMs += scores.inferenceMs;
				if (contract.outputSize === undefined && b === 0) {
					checkLabelsMatchModel(rawLabels, scores.outputSize, csvFile, contract.modelFile);
				}
				for (let n = 0; n < batch.images.length; n++) {
					if (options.signal?.aborted) {
						result.cancelled = true;
						break;
					}
					const image = batch.images[n];
					const imageScores = scores.scores.subarray(n * scores.outputSize, (n + 1) * scores.outputSize);
					const outcome = await writeCaption(image, imageScores, labels, selection, processing, options, captionExtension);
					if ('message' in outcome) {
						result.problems.push(outcome);
					} else if (outcome.written === undefined) {
						result.skipped.push(image);
					} else {
						result.tagged.push(outcome as TaggedImage);
					}
					options.onProgress?.(++done, total);
				}
			}
			if (result.cancelled) {
				break;
			}
		}
	} finally {
		// Batches still being prepared when the run stopped are abandoned with the pool.
		await pool?.dispose();
		await session.dispose();
		result.totalMs = performance.now() - started;
	}
	return result;
}

async function writeCaption(
	image: string, scores: Float32Array, labels: TaggerLabels, selection: TagSelection, processing: LabelProcessing,
	options: TagImagesOptions, captionExtension: string,
): Promise<TaggingProblem | { image: string; captionPath: string; modelTags: string[]; previous: string | undefined; previousBytes?: Uint8Array; written: string | undefined }> {
	const captionPath = captionPathFor(image, captionExtension);
	const modelTags = selectTags(scores, labels, selection);
	// Decoded as every other command decodes captions: a lossy 'utf8' read would turn a Latin-1 "café" into
	// "caf\uFFFD" and a UTF-16 caption into NUL-filled text, and append would write that back.
	const file = await (options.captions?.read ?? readCaptionFile)(captionPath);
	if (file.kind === 'not-utf8' && options.mode === 'append') {
		return { file: captionPath, message: `${captionPath} is ${file.problem}, so ${image} was not tagged (appending would garble it). Re-save the caption as UTF-8, or tag it in overwrite mode to replace it.` };
	}
	if (file.kind === 'unreadable') {
		return { file: captionPath, message: `${captionPath} could not be read (${file.error.code}), so ${image} was not tagged; check the file's permissions.` };
	}
	const previous = file.kind === 'text' ? fileTextOf(file) : undefined;
	const previousBytes = file.kind === 'not-utf8' ? file.bytes : undefined;
	const written = mergeCaption(modelTags, options.prefix ?? {}, previous, options.mode, processing.captionSeparator);
	if (written !== undefined && written !== previous) {
		try {
			await (options.captions?.write ?? writeCaptionFile)(captionPath, written);
		} catch (err) {
			return { file: captionPath, message: `${captionPath} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); check that the folder is writable.` };
		}
	}
	return { image, captionPath, modelTags, previous, ...(previousBytes ? { previousBytes } : {}), written };
}

async function prepareBatch(pool: TaggerPreprocessPool, images: string[], size: number): Promise<PreparedBatch> {
	// Never rejects: a sharp that cannot load fails the pool's constructor, once for the run.
	const settled = await Promise.allSettled(images.map((image) => pool.prepare(image, size)));
	const batch: PreparedBatch = { images: [], pixels: [], problems: [] };
	settled.forEach((outcome, i) => {
		if (outcome.status === 'fulfilled') {
			batch.images.push(images[i]);
			batch.pixels.push(outcome.value);
		} else {
			const err = outcome.reason;
			batch.problems.push({ file: images[i], message: err instanceof ImageDecodeError ? err.message : `${images[i]} could not be prepared (${err instanceof Error ? err.message : String(err)}), so it was not tagged.` });
		}
	});
	return batch;
}

/** A model with a fixed batch dimension needs full batches; the filler images' scores are ignored. */
function padBatch(pixels: Uint8Array[], fixedBatch: number | undefined): Uint8Array[] {
	if (!fixedBatch || pixels.length >= fixedBatch) {
		return pixels;
	}
	return [...pixels, ...Array.from({ length: fixedBatch - pixels.length }, () => pixels[0])];
}

async function exists(path: string): Promise<boolean> {
	try {
		await fs.access(path);
		return true;
	} catch {
		return false;
	}
}
