import { promises as fs } from 'node:fs';
import { parse as parsePath, join } from 'node:path';
import { CaptionFile, fileTextOf, readCaptionFile, writeCaptionFile } from '../captionFile';
import { CaptionPrefix, ExistingCaptionMode, mergeCaption } from './captionMerge';
import { LabelProcessing, TAGS_FILE, TaggerLabels, checkLabelsMatchModel, processLabels, readLabels } from './labels';
import { ImageDecodeError, toBatchTensor } from './preprocess';
import { TaggerPreprocessPool } from './preprocessPool';
import { DEFAULT_SELECTION, TagSelection, selectTags } from './selectTags';
import { DEFAULT_INPUT_SIZE, ExecutionProvider, ModelContract, TaggerSession } from './session';

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
 * Tags images with a WD14 model and writes their captions. Images are decoded and preprocessed in
 * preprocessPool.ts's threads, starting while the model loads (at the usual input size; redone if the model
 * wants another) and staying batches ahead; the next batch's inference runs while this batch's captions are
 * written. Every caption is written atomically; cancelling stops between files, so each caption is old or new.
 */
export async function tagImages(options: TagImagesOptions): Promise<TagImagesResult> {
	const started = performance.now();
	const selection: TagSelection = { ...DEFAULT_SELECTION, ...options.selection };
	const processing: LabelProcessing = { ...DEFAULT_PROCESSING, ...options.processing };
	const captionExtension = options.captionExtension ?? '.txt';
	const rawLabels = await readLabels(options.modelDir);
	const pool = options.images.length > 0 ? new TaggerPreprocessPool() : undefined;
	const prepared = new PreparedImages(pool);
	if (options.mode !== 'skip') {
		prepared.ahead(options.images.slice(0, (PREPARED_AHEAD + 1) * (options.batchSize ?? DEFAULT_BATCH_SIZE)), DEFAULT_INPUT_SIZE);
	}
	let session: TaggerSession;
	try {
		session = await TaggerSession.open(options.modelDir, options.executionProvider ?? 'cpu');
	} catch (err) {
		await pool?.dispose();
		throw err;
	}
	const result: TagImagesResult = { contract: session.contract, tagged: [], skipped: [], problems: [], cancelled: false, inferenceMs: 0, totalMs: 0 };
	let inferring: Promise<unknown> | undefined;
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
		// Each batch is written into the one before it, handed back by the inference thread, and the prepared images
		// go back to their threads: reused memory instead of fresh pages for every batch and image. One batch is in
		// inference at a time (the next starts once this one's scores are back), so one spare is enough.
		let spareTensor: Float32Array | undefined;
		const infer = async (b: number) => {
			prepared.ahead(batches.slice(b, b + PREPARED_AHEAD + 1).flat(), contract.inputSize);
			const batch = await prepared.batch(batches[b], contract.inputSize);
			if (batch.pixels.length === 0) {
				return { batch, scores: undefined };
			}
			const tensor = toBatchTensor(padBatch(batch.pixels, contract.fixedBatch), contract.inputSize, spareTensor);
			spareTensor = undefined;
			pool?.recycle(batch.pixels);
			const scores = await session.run(tensor, contract.fixedBatch ?? batch.pixels.length);
			spareTensor = scores.input;
			return { batch, scores };
		};
		let next = batches.length > 0 ? infer(0) : undefined;
		for (let b = 0; b < batches.length && next; b++) {
			const { batch, scores } = await next;
			next = b + 1 < batches.length && !options.signal?.aborted ? infer(b + 1) : undefined;
			// Awaited on the next turn or settled in finally; handled now so a failure is never unhandled meanwhile.
			inferring = next?.catch(() => undefined);
			if (options.signal?.aborted) {
				result.cancelled = true;
				break;
			}
			result.problems.push(...batch.problems);
			done += batch.problems.length;
			if (scores) {
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
		// A batch still in inference when the run stopped settles before the session goes away; images still
		// being prepared are abandoned with the pool.
		await inferring;
		await pool?.dispose();
		await session.dispose();
		result.totalMs = performance.now() - started;
	}
	return result;
}

/** Images being prepared, each started once per input size, in the order they will be inferred. */
class PreparedImages {
	private readonly started = new Map<string, Promise<PromiseSettledResult<Uint8Array>>>();

	constructor(private readonly pool: TaggerPreprocessPool | undefined) {}

	ahead(images: readonly string[], size: number): void {
		for (const image of images) {
			const key = `${size}:${image}`;
			if (!this.started.has(key) && this.pool) {
				this.started.set(key, this.pool.prepare(image, size).then(
					(value) => ({ status: 'fulfilled', value }),
					(reason: unknown) => ({ status: 'rejected', reason }),
				));
			}
		}
	}

	async batch(images: string[], size: number): Promise<PreparedBatch> {
		this.ahead(images, size);
		const settled = await Promise.all(images.map((image) => this.started.get(`${size}:${image}`) as Promise<PromiseSettledResult<Uint8Array>>));
		for (const image of images) {
			this.started.delete(`${size}:${image}`);
		}
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
