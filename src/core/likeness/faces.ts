/**
 * Every face of one picture with its identity embedding and head pose, cached on disk per content hash (like the
 * thumbnails): a re-run over an unchanged dataset reads JSON files instead of decoding and running two models.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import { decodeForAnalysis } from '../images/decode';
import { FaceDetector } from '../images/faceDetector';
import { measureImage, perceptualHash } from '../images/measure';
import { Box, Point } from '../images/types';
import { hashFile } from '../thumbnails';
import { alignFace } from './align';
import { IDENTITY_MODEL_ID, IdentityModel, loadIdentityModel } from './identityModel';
import { HeadPose, headPose } from './pose';
import { SceneSignature, sceneSignature } from './scene';

/** Bump when detection, alignment or what is stored changes, so old cache files are not reused (v3: the scene). */
const RECIPE = `v3-${IDENTITY_MODEL_ID}`;
/** YuNet score a detection needs (the image checks' default faceScore: 0.8 rejects a cat face seen at 0.6). */
const FACE_SCORE = 0.8;
/** Faces narrower than this (source pixels) carry too little detail for a trustworthy identity. */
export const MIN_FACE_PX = 40;
/** Share of the face box's height that may lie outside the picture before the face counts as cut off. */
const CUT_OFF_SHARE = 0.1;
/** Mean chroma below which a picture counts as greyscale (the image checks' grayscaleChroma). */
const GRAYSCALE_CHROMA = 4;

export interface FaceRecord extends Box {
	score: number;
	landmarks: Point[];
	pose: HeadPose;
	/** Why the face has no embedding: too small to judge, or an eye/mouth landmark outside the picture. */
	skipped?: 'tiny' | 'cut-off';
	/** The box reaches the border (the face is cut off) even though the landmarks are inside. */
	touchesBorder: boolean;
	/** 128 numbers; absent when skipped. */
	embedding?: number[];
}

export interface PictureFaces {
	file: string;
	/** SHA-1 of the file's bytes. */
	hash: string;
	width: number;
	height: number;
	/** Perceptual hash of the whole picture (64-bit hex), for "a sample copies a training picture". */
	phash: string;
	grayscale: boolean;
	/** Largest first. */
	faces: FaceRecord[];
	/** Background colour layout and light around the largest face, for same-shoot groups; absent without a face. */
	scene?: SceneSignature;
	/** Set when the picture could not be read: the message names the file and says what to do. */
	unreadable?: string;
	/** Whether it came from the cache. */
	cached?: boolean;
}

export interface FaceSourceOptions {
	cacheDir: string;
	/** The detector, or a way to make one on the first picture not in the cache (a cached re-run never loads it). */
	detector: FaceDetector | (() => Promise<FaceDetector>);
	/** For tests and the bench: a model already loaded. */
	model?: IdentityModel;
}

/** Reads pictures' faces, from the cache when it can; one instance per run (keeps path -> hash for unchanged files). */
export class FaceSource {
	private model: IdentityModel | undefined;
	private detector: Promise<FaceDetector> | undefined;
	private readonly known = new Map<string, { size: number; mtimeMs: number; hash: string }>();

	constructor(private readonly options: FaceSourceOptions) {
		this.model = options.model;
	}

	async read(file: string): Promise<PictureFaces> {
		let hash: string;
		try {
			hash = await this.hashOf(file);
		} catch (err) {
			return emptyPicture(file, '', `${file} cannot be read (${(err as Error).message.split('\n')[0]}). Check the file, or remove it from the folder.`);
		}
		const cacheFile = join(this.options.cacheDir, `${RECIPE}-${hash}.json`);
		try {
			const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as PictureFaces;
			return { ...cached, file, cached: true };
		} catch {
			// Not cached yet (or a damaged cache file): computed again below and rewritten.
		}
		const picture = await this.compute(file, hash);
		if (!picture.unreadable) {
			await fs.mkdir(this.options.cacheDir, { recursive: true });
			await writeFileAtomic(cacheFile, JSON.stringify({ ...picture, file: undefined }));
		}
		return { ...picture, cached: false };
	}

	private async hashOf(file: string): Promise<string> {
		const stat = await fs.stat(file);
		const known = this.known.get(file);
		if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) {
			return known.hash;
		}
		const hash = await hashFile(file);
		this.known.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, hash });
		return hash;
	}

	private async compute(file: string, hash: string): Promise<PictureFaces> {
		// A larger analysis scale than the image checks' 512: a face in a full-length picture needs the pixels.
		const decoded = await decodeForAnalysis(file, { maxPixels: 100e6, analysisShortSide: 1024, analysisMaxLongSide: 2048 });
		if (!decoded.ok) {
			return emptyPicture(file, hash, `${file}: ${decoded.problem.message}`);
		}
		const { image, info } = decoded;
		const given = this.options.detector;
		this.detector ??= typeof given === 'function' ? given() : Promise.resolve(given);
		const detected = await (await this.detector).detect(image, FACE_SCORE);
		detected.sort((a, b) => b.width * b.height - a.width * a.height);
		const faces: FaceRecord[] = detected.map((f) => {
			const landmarksInside = f.landmarks.every((p) => p.x >= 0 && p.y >= 0 && p.x < info.width && p.y < info.height);
			const touchesBorder = f.x < 1 || f.y < 1 || f.x + f.width > info.width - 1 || f.y + f.height > info.height - 1;
			// A box reaching well past the border means part of the face is missing (landmarks are then guesses).
			const overflow = Math.max(-f.x, -f.y, f.x + f.width - info.width, f.y + f.height - info.height, 0);
			const cutOff = !landmarksInside || overflow > CUT_OFF_SHARE * f.height;
			const skipped = f.width < MIN_FACE_PX ? 'tiny' as const : cutOff ? 'cut-off' as const : undefined;
			return { x: f.x, y: f.y, width: f.width, height: f.height, score: f.score, landmarks: f.landmarks, pose: headPose(f.landmarks), touchesBorder, ...(skipped ? { skipped } : {}) };
		});
		const toEmbed = faces.filter((f) => !f.skipped);
		if (toEmbed.length > 0) {
			this.model ??= await loadIdentityModel();
			const embeddings = await this.model.embed(toEmbed.map((f) => alignFace(image, f.landmarks)));
			toEmbed.forEach((f, i) => {
				// Four decimals: distances are read to two, and the cache file stays small.
				f.embedding = Array.from(embeddings[i], (v) => Math.round(v * 1e4) / 1e4);
			});
		}
		return {
			file, hash, width: info.width, height: info.height, phash: perceptualHash(image),
			grayscale: measureImage(image).chroma < GRAYSCALE_CHROMA, faces,
			...(faces.length > 0 ? { scene: sceneSignature(image, faces[0]) } : {}),
		};
	}
}

function emptyPicture(file: string, hash: string, unreadable: string): PictureFaces {
	return { file, hash, width: 0, height: 0, phash: '', grayscale: false, faces: [], unreadable };
}

/** Runs `work` over `items`, `concurrency` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length && !signal?.aborted) {
			const i = next++;
			out[i] = await work(items[i], i);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
	return out;
}

/** The OS cache folder for the CLI (the extension passes its globalStorageUri). */
export function defaultLikenessCacheDir(thumbnailCacheDir: string): string {
	return join(thumbnailCacheDir, '..', 'likeness');
}
