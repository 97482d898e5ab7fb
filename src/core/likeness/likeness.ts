/**
 * The likeness report of a training folder, shared by the CLI and the extension: every training picture's faces
 * (cached), the reference (the user's `likeness.reference:` pictures or the dataset's own centre), the identity
 * verdicts and, when asked, the per-epoch report of a folder of samples.
 */
import { promises as fs } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { parseSampleName } from '../checkpoints/checkpointNames';
import { TrainingFolder, scanTrainingFolder } from '../dataset';
import { createFaceDetector, FaceDetector } from '../images/faceDetector';
import { DEFAULT_LIKENESS_THRESHOLDS, IdentityReport, LikenessThresholds, identityReport, userReference } from './identity';
import { EpochReport, epochReport, groupSamples, trainingFaces } from './epochs';
import { FaceSource, PictureFaces, mapLimit } from './faces';

export interface LikenessSettings {
	/** Absolute paths of the user's reference pictures (may lie outside the folder). */
	reference: string[];
	thresholds: LikenessThresholds;
}

/**
 * The `likeness:` section of lora-workbench.yaml: `reference:` (a path or a list of paths, relative to the training
 * folder) and `thresholds:` (unsure, wrong, copyFace, copyHash). Unknown keys and non-numbers are ignored.
 */
export function likenessSettingsFromYaml(raw: Record<string, unknown>, root: string): LikenessSettings {
	const section = raw.likeness && typeof raw.likeness === 'object' ? raw.likeness as Record<string, unknown> : {};
	const refs = typeof section.reference === 'string' ? [section.reference] : Array.isArray(section.reference) ? section.reference.filter((r): r is string => typeof r === 'string') : [];
	const thresholds = { ...DEFAULT_LIKENESS_THRESHOLDS };
	if (section.thresholds && typeof section.thresholds === 'object') {
		for (const [key, value] of Object.entries(section.thresholds)) {
			if (key in thresholds && typeof value === 'number' && Number.isFinite(value) && value >= 0) {
				thresholds[key as keyof LikenessThresholds] = value;
			}
		}
	}
	return { reference: refs.map((r) => (isAbsolute(r) ? r : resolve(root, r))), thresholds };
}

export interface LikenessRun {
	cacheDir: string;
	/** A detector shared across runs (or a way to make one when needed); otherwise one is made from faceModelPath. */
	detector?: FaceDetector | (() => Promise<FaceDetector>);
	faceModelPath?: string;
	/** Training pictures read at once (each runs two models). */
	concurrency?: number;
	signal?: AbortSignal;
	onProgress?: (done: number, total: number) => void;
}

export interface FolderLikeness {
	identity: IdentityReport;
	pictures: PictureFaces[];
	/** Subset of each training picture, for grouping. */
	subsets: Map<string, string>;
	sampleDir?: string;
	epochs?: EpochReport;
	/** Pictures read from the cache, of all read. */
	cached: number;
	read: number;
}

const SAMPLE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** The pictures of a folder of samples (sd-scripts writes PNGs; generated images from elsewhere may be JPEG or WebP). */
export async function sampleFiles(dir: string): Promise<string[]> {
	let names: string[];
	try {
		names = await fs.readdir(dir);
	} catch (err) {
		throw new LikenessInputError(`The sample folder ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Pass the folder sd-scripts writes samples into (<output_dir>/sample).`);
	}
	return names.filter((n) => SAMPLE_EXTENSIONS.has(extname(n).toLowerCase())).sort().map((n) => join(dir, n));
}

/** Input the report cannot go on without (no sample folder, no epoch numbers): the message names the path. */
export class LikenessInputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LikenessInputError';
	}
}

/**
 * The whole likeness report of a training folder. `samples`: true for the folder's own <model>/sample, a path for
 * any folder of generated images; undefined for the dataset report alone. `outputName`: only that run's samples.
 */
export async function folderLikeness(rootOrFolder: string | TrainingFolder, run: LikenessRun, samples?: true | string, outputName?: string): Promise<FolderLikeness> {
	// Likeness reads neither captions nor sizes; the extension passes the folder its service has already scanned
	// (a scan of its own read 20,000 image headers each time the Coverage view asked: issue 22).
	const folder = typeof rootOrFolder === 'string' ? await scanTrainingFolder(rootOrFolder, { readCaptions: false, bucketPreview: false }) : rootOrFolder;
	const root = folder.root;
	const settings = likenessSettingsFromYaml(folder.settings.raw, root);
	let entries = folder.subsets.filter((s) => s.role !== 'reg').flatMap((s) => s.images.map((i) => ({ path: i.path, subset: s.name })));
	if (folder.subsets.length === 0) {
		// A plain folder of pictures (not yet a training folder): judge the pictures in it.
		entries = (await sampleFiles(root)).map((path) => ({ path, subset: '' }));
	}
	let sampleDir: string | undefined;
	let samplePaths: string[] = [];
	if (samples !== undefined) {
		sampleDir = samples === true ? join(folder.modelDir, 'sample') : resolve(samples);
		samplePaths = await sampleFiles(sampleDir);
		if (outputName !== undefined) {
			// One run's samples only (as the Compare Epochs grid shows them): another output name's epochs never mix in.
			samplePaths = samplePaths.filter((f) => {
				const name = parseSampleName(f)?.outputName;
				return name === undefined || name === outputName;
			});
		}
	}
	// Made on the first picture that is not in the cache, so a cached re-run loads neither model.
	let made: Promise<FaceDetector> | undefined;
	const detector = run.detector ?? (() => {
		if (!run.faceModelPath) {
			throw new LikenessInputError('No face model is set, so faces cannot be found. Run lora-workbench check --download-model once with network access (it downloads YuNet), or pass --face-model <yunet_n_dynamic.onnx>.');
		}
		made ??= createFaceDetector(run.faceModelPath);
		return made;
	});
	try {
		const source = new FaceSource({ cacheDir: run.cacheDir, detector });
		const all = [...settings.reference, ...entries.map((e) => e.path), ...samplePaths];
		let done = 0;
		const read = await mapLimit(all, run.concurrency ?? 2, async (file) => {
			const picture = await source.read(file);
			run.onProgress?.(++done, all.length);
			return picture;
		}, run.signal);
		const references = read.slice(0, settings.reference.length);
		const pictures = read.slice(settings.reference.length, settings.reference.length + entries.length);
		const sampled = read.slice(settings.reference.length + entries.length);
		const user = settings.reference.length > 0 ? userReference(references) : { reference: undefined, notes: [] };
		if (settings.reference.length > 0 && !user.reference) {
			user.notes.push('None of the likeness.reference pictures has a usable face, so the dataset\'s own faces are the reference.');
		}
		const identity = identityReport(pictures, { reference: user.reference, referenceNotes: user.notes, thresholds: settings.thresholds });
		let epochs: EpochReport | undefined;
		if (sampleDir !== undefined) {
			const { groups, unmatched } = groupSamples(samplePaths);
			if (groups.size === 0) {
				throw new LikenessInputError(samplePaths.length === 0
					? `There are no sample images in ${sampleDir}. Turn on sampling (training.sample in lora-workbench.yaml) or pass the folder of your generated images.`
					: `No file in ${sampleDir} has an epoch number in its name (e.g. ${samplePaths[0]}), so the samples cannot be matched to epochs. sd-scripts names them <output_name>_e000003_00_<timestamp>.png; rename yours that way (e000003 = epoch 3, 00 = prompt number).`);
			}
			epochs = epochReport(groups, new Map(sampled.map((p) => [p.file, p])), identity.reference, trainingFaces(pictures), settings.thresholds);
			epochs.notes.unshift(...unmatched.map((f) => `${f} has no epoch number in its name (sd-scripts writes <output_name>_e000003_00_<timestamp>.png), so it was left out.`));
		}
		return {
			identity, pictures, subsets: new Map(entries.map((e) => [e.path, e.subset])), sampleDir, epochs,
			cached: read.filter((p) => p?.cached).length, read: read.length,
		};
	} finally {
		await (await made?.catch(() => undefined))?.release();
	}
}
