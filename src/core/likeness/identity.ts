/**
 * Is the dataset one person? The reference identity is a robust centre of the dataset's own faces (or the mean of
 * reference pictures the user names), and every face gets its distance to it.
 */
import { basename } from 'node:path';
import { countOf } from '../plural';
import { FaceRecord, PictureFaces } from './faces';
import { HeadPose } from './pose';

/**
 * Euclidean distances between face-api descriptors: the same person is usually below 0.5 (0.31-0.38 between
 * the fixture photos of one person), different people above 0.75; the model's own convention puts the line
 * at 0.6. Between `unsure` and `wrong` the picture is flagged for a look, not called wrong.
 */
export interface LikenessThresholds {
	unsure: number;
	wrong: number;
	/** A sample face this close to a training face, in a picture this close by hash, copies that picture. */
	copyFace: number;
	copyHash: number;
}

export const DEFAULT_LIKENESS_THRESHOLDS: LikenessThresholds = { unsure: 0.5, wrong: 0.6, copyFace: 0.3, copyHash: 10 };

export type Embedding = readonly number[];

export function distance(a: Embedding, b: Embedding): number {
	let sum = 0;
	for (let i = 0; i < a.length; i++) {
		const d = a[i] - b[i];
		sum += d * d;
	}
	return Math.sqrt(sum);
}

export interface Reference {
	centre: number[];
	/** How it was made: the dataset's own faces, or the user's reference pictures. */
	source: 'dataset' | 'user';
	/** How many faces made it. */
	faces: number;
}

/**
 * The dataset's centre: the medoid of the pictures' largest faces (the face with the smallest summed distance to
 * the others, which a few strays cannot move), then the mean of the faces within `wrong` of it, so the centre is
 * the person's average face and not one picture's. Undefined without any embedded face.
 */
export function datasetReference(faces: readonly Embedding[], t: LikenessThresholds = DEFAULT_LIKENESS_THRESHOLDS): Reference | undefined {
	if (faces.length === 0) {
		return undefined;
	}
	let medoid = faces[0];
	let best = Infinity;
	for (const a of faces) {
		let sum = 0;
		for (const b of faces) {
			// Capped, so a far-off stray counts no more than "different person": one outlier cannot pull the medoid.
			sum += Math.min(distance(a, b), t.wrong * 1.5);
		}
		if (sum < best) {
			best = sum;
			medoid = a;
		}
	}
	const near = faces.filter((f) => distance(f, medoid) < t.wrong);
	return { centre: meanOf(near), source: 'dataset', faces: near.length };
}

export function meanOf(faces: readonly Embedding[]): number[] {
	const out = new Array<number>(faces[0].length).fill(0);
	for (const f of faces) {
		for (let i = 0; i < f.length; i++) {
			out[i] += f[i] / faces.length;
		}
	}
	return out;
}

export type LikenessProblemCode = 'wrong-person' | 'identity-unsure' | 'other-people' | 'no-face' | 'face-too-small' | 'face-cut-off' | 'grayscale' | 'unreadable';

export interface LikenessProblem {
	file: string;
	code: LikenessProblemCode;
	severity: 'error' | 'warning' | 'info';
	message: string;
	/** Distance of the person's face (the nearest face) to the reference, when there is one. */
	distance?: number;
	details: Record<string, unknown>;
}

export interface FaceVerdict {
	box: { x: number; y: number; width: number; height: number };
	pose: HeadPose;
	/** Undefined when the face was not embedded (tiny, cut off). */
	distance?: number;
	skipped?: FaceRecord['skipped'];
}

export interface PictureVerdict {
	file: string;
	faces: FaceVerdict[];
	/** Index into faces of the face nearest to the reference: the person, if anyone is. */
	person?: number;
	distance?: number;
	verdict: 'same' | 'unsure' | 'wrong' | 'no-face' | 'unreadable';
}

export interface IdentityReport {
	reference?: Reference;
	pictures: PictureVerdict[];
	problems: LikenessProblem[];
	/** Messages about the reference itself (a reference picture without a face...), each naming its file. */
	referenceNotes: string[];
	thresholds: LikenessThresholds;
}

/** The person's face of a picture: the largest embedded face (the reference is not known yet). */
export function mainEmbedding(picture: PictureFaces): Embedding | undefined {
	return picture.faces.find((f) => f.embedding)?.embedding;
}

/**
 * The reference from the user's pictures: each must show exactly one usable face; the others are named in
 * `notes` and left out. Undefined (with notes) when none is usable.
 */
export function userReference(pictures: readonly PictureFaces[]): { reference?: Reference; notes: string[] } {
	const notes: string[] = [];
	const used: Embedding[] = [];
	for (const p of pictures) {
		if (p.unreadable) {
			notes.push(`Reference ${p.unreadable}`);
			continue;
		}
		const embedded = p.faces.filter((f) => f.embedding);
		if (p.faces.length === 0) {
			notes.push(`The reference picture ${p.file} has no face the detector can find, so it is not used. Name a picture where the face is clearly visible.`);
		} else if (embedded.length === 0) {
			notes.push(`The face in the reference picture ${p.file} is ${p.faces[0].skipped === 'tiny' ? 'too small to judge' : 'cut off at the border'}, so it is not used. Name a closer picture with the whole face.`);
		} else if (p.faces.length > 1) {
			notes.push(`The reference picture ${p.file} shows ${countOf(p.faces.length, 'face')}, so it is not clear who the person is; it is not used. Name a picture of the person alone.`);
		} else {
			used.push(embedded[0].embedding!);
		}
	}
	return { reference: used.length > 0 ? { centre: meanOf(used), source: 'user', faces: used.length } : undefined, notes };
}

/**
 * Every picture's faces against the reference (the dataset's own when `reference` is undefined): wrong-person,
 * identity-unsure, other-people with each face's distance, and the bad input that stops a judgement.
 */
export function identityReport(pictures: readonly PictureFaces[], options: { reference?: Reference; referenceNotes?: string[]; thresholds?: LikenessThresholds } = {}): IdentityReport {
	const t = options.thresholds ?? DEFAULT_LIKENESS_THRESHOLDS;
	const reference = options.reference ?? datasetReference(pictures.filter((p) => !p.unreadable && p.faces.filter((f) => f.embedding).length === 1).map((p) => mainEmbedding(p)!), t)
		?? datasetReference(pictures.map(mainEmbedding).filter((e): e is Embedding => e !== undefined), t);
	const problems: LikenessProblem[] = [];
	const verdicts: PictureVerdict[] = [];
	for (const p of pictures) {
		const name = basename(p.file);
		if (p.unreadable) {
			verdicts.push({ file: p.file, faces: [], verdict: 'unreadable' });
			problems.push({ file: p.file, code: 'unreadable', severity: 'error', message: p.unreadable, details: {} });
			continue;
		}
		const faces: FaceVerdict[] = p.faces.map((f) => ({
			box: { x: f.x, y: f.y, width: f.width, height: f.height }, pose: f.pose,
			...(f.embedding && reference ? { distance: round2(distance(f.embedding, reference.centre)) } : {}),
			...(f.skipped ? { skipped: f.skipped } : {}),
		}));
		let person: number | undefined;
		faces.forEach((f, i) => {
			if (f.distance !== undefined && (person === undefined || f.distance < faces[person].distance!)) {
				person = i;
			}
		});
		const d = person !== undefined ? faces[person].distance : undefined;
		if (p.grayscale) {
			problems.push({ file: p.file, code: 'grayscale', severity: 'info', message: `${name} is black and white: identity distances are less reliable without colour, so read its verdict with care.`, details: {} });
		}
		if (p.faces.length === 0) {
			verdicts.push({ file: p.file, faces, verdict: 'no-face' });
			problems.push({ file: p.file, code: 'no-face', severity: 'info', message: `No face was found in ${name}, so it is not known who it shows. Fine for a body or costume picture; in a face subset replace it.`, details: {} });
			continue;
		}
		if (person === undefined) {
			const tiny = p.faces.every((f) => f.skipped === 'tiny');
			verdicts.push({ file: p.file, faces, verdict: 'no-face' });
			problems.push(tiny
				? { file: p.file, code: 'face-too-small', severity: 'info', message: `The face in ${name} is smaller than 40 pixels across, too small to tell who it is. Use a closer picture if it should count for the likeness.`, details: { width: Math.round(p.faces[0].width) } }
				: { file: p.file, code: 'face-cut-off', severity: 'info', message: `The face in ${name} is cut off at the border (an eye or the mouth is outside the picture), so it is not known who it is. Use a picture with the whole face.`, details: {} });
			continue;
		}
		const verdict = d! >= t.wrong ? 'wrong' : d! >= t.unsure ? 'unsure' : 'same';
		verdicts.push({ file: p.file, faces, person, distance: d, verdict });
		const who = reference?.source === 'user' ? 'your reference pictures' : 'the rest of the dataset';
		if (verdict === 'wrong') {
			problems.push({
				file: p.file, code: 'wrong-person', severity: 'warning', distance: d,
				message: `${name} looks like someone else: the face is ${d!.toFixed(2)} from ${who} (${t.wrong.toFixed(2)} or more is another person). Move it out of the training set if it is not the person.`,
				details: { distance: d, threshold: t.wrong },
			});
		} else if (verdict === 'unsure') {
			problems.push({
				file: p.file, code: 'identity-unsure', severity: 'info', distance: d,
				message: `${name} may not be the person: the face is ${d!.toFixed(2)} from ${who} (the same person is usually under ${t.unsure.toFixed(2)}, another over ${t.wrong.toFixed(2)}). Have a look.`,
				details: { distance: d, thresholds: [t.unsure, t.wrong] },
			});
		}
		if (p.faces.length > 1) {
			const list = faces.map((f, i) => `${i === person ? 'the person' : 'face'} at ${Math.round(f.box.x)},${Math.round(f.box.y)}: ${f.distance !== undefined ? f.distance.toFixed(2) : f.skipped === 'tiny' ? 'too small' : 'cut off'}`);
			problems.push({
				file: p.file, code: 'other-people', severity: 'warning', distance: d,
				message: `${name} shows ${countOf(p.faces.length, 'face')} (distances: ${list.join('; ')}). Crop the others out or drop the picture.`,
				details: { faces: faces.map((f, i) => ({ ...f.box, distance: f.distance, person: i === person })) },
			});
		}
	}
	return { reference, pictures: verdicts, problems, referenceNotes: options.referenceNotes ?? [], thresholds: t };
}

export function round2(v: number): number {
	return Math.round(v * 100) / 100;
}
