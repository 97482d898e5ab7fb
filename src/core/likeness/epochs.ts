/**
 * Which epoch? Each epoch's samples (sd-scripts' sample/ images, matched to epochs by name) against the reference:
 * the likeness distribution, copying of a training picture (memorisation), and the share of samples without a
 * face or with several; then a recommended epoch with its reason in one sentence. The choice stays the user's.
 */
import { parseSampleName } from '../checkpoints/checkpointNames';
import { countOf } from '../plural';
import { FaceRecord, PictureFaces } from './faces';
import { DEFAULT_LIKENESS_THRESHOLDS, LikenessThresholds, Reference, distance, round2 } from './identity';

export interface SampleVerdict {
	file: string;
	/** The face nearest to the reference, if any face was embedded. */
	distance?: number;
	faces: number;
	/** The training picture it copies (face and whole picture nearly identical). */
	copies?: string;
}

export interface EpochStats {
	/** 'e3' or 's500', as the Compare Epochs grid keys its columns. */
	key: string;
	label: string;
	epoch?: number;
	step?: number;
	samples: SampleVerdict[];
	/** Distances of the samples with a judged face: min, quartiles, max; undefined when none had one. */
	spread?: { min: number; q1: number; median: number; q3: number; max: number };
	/** Share (0-1) of samples within the same-person threshold. */
	alike: number;
	noFace: number;
	severalFaces: number;
	copying: number;
}

export interface EpochRecommendation {
	key: string;
	label: string;
	reason: string;
}

export interface EpochReport {
	epochs: EpochStats[];
	recommendation?: EpochRecommendation;
	/** Why there is no recommendation, or files that could not be matched to an epoch, each naming the file. */
	notes: string[];
}

export interface TrainingFace {
	file: string;
	phash: string;
	embedding: readonly number[];
}

/** The training pictures' faces, as copying is judged against them. */
export function trainingFaces(pictures: readonly PictureFaces[]): TrainingFace[] {
	return pictures.flatMap((p) => p.faces.filter((f): f is FaceRecord & { embedding: number[] } => f.embedding !== undefined)
		.map((f) => ({ file: p.file, phash: p.phash, embedding: f.embedding })));
}

/** Sample files of a folder grouped by epoch (or step); files whose names carry no epoch are named in `unmatched`. */
export function groupSamples(files: readonly string[]): { groups: Map<string, { label: string; epoch?: number; step?: number; files: string[] }>; unmatched: string[] } {
	const groups = new Map<string, { label: string; epoch?: number; step?: number; files: string[] }>();
	const unmatched: string[] = [];
	for (const file of files) {
		const sample = parseSampleName(file);
		if (!sample) {
			unmatched.push(file);
			continue;
		}
		const key = sample.epoch !== undefined ? `e${sample.epoch}` : `s${sample.step}`;
		let group = groups.get(key);
		if (!group) {
			group = sample.epoch !== undefined
				? { label: sample.epoch === 0 ? 'before training' : `epoch ${sample.epoch}`, epoch: sample.epoch, files: [] }
				: { label: `step ${sample.step}`, step: sample.step, files: [] };
			groups.set(key, group);
		}
		group.files.push(file);
	}
	return { groups, unmatched };
}

export function epochReport(
	grouped: ReturnType<typeof groupSamples>['groups'],
	samples: ReadonlyMap<string, PictureFaces>,
	reference: Reference | undefined,
	training: readonly TrainingFace[],
	t: LikenessThresholds = DEFAULT_LIKENESS_THRESHOLDS,
): EpochReport {
	const notes: string[] = [];
	const epochs: EpochStats[] = [];
	const order = (g: { epoch?: number; step?: number }) => (g.epoch !== undefined ? g.epoch * 1e9 : g.step ?? 0);
	for (const [key, group] of [...grouped.entries()].sort((a, b) => order(a[1]) - order(b[1]))) {
		const verdicts: SampleVerdict[] = [];
		for (const file of group.files) {
			const picture = samples.get(file);
			if (!picture || picture.unreadable) {
				notes.push(picture?.unreadable ?? `${file} was not read.`);
				continue;
			}
			const embedded = picture.faces.filter((f) => f.embedding);
			let best: FaceRecord | undefined;
			let bestDistance: number | undefined;
			for (const f of embedded) {
				const d = reference ? distance(f.embedding!, reference.centre) : undefined;
				if (d !== undefined && (bestDistance === undefined || d < bestDistance)) {
					best = f;
					bestDistance = d;
				}
			}
			const copies = best ? copiedPicture(best.embedding!, picture.phash, training, t) : undefined;
			verdicts.push({ file, faces: picture.faces.length, ...(bestDistance !== undefined ? { distance: round2(bestDistance) } : {}), ...(copies ? { copies } : {}) });
		}
		const distances = verdicts.map((v) => v.distance).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
		const n = Math.max(1, verdicts.length);
		epochs.push({
			key, label: group.label, epoch: group.epoch, step: group.step, samples: verdicts,
			spread: distances.length > 0 ? { min: distances[0], q1: quantile(distances, 0.25), median: quantile(distances, 0.5), q3: quantile(distances, 0.75), max: distances[distances.length - 1] } : undefined,
			alike: round2(distances.filter((d) => d < t.unsure).length / n),
			noFace: round2(verdicts.filter((v) => v.faces === 0).length / n),
			severalFaces: round2(verdicts.filter((v) => v.faces > 1).length / n),
			copying: round2(verdicts.filter((v) => v.copies).length / n),
		});
	}
	if (!reference) {
		notes.push('There is no reference face (no face found in the training pictures or the reference pictures), so the samples cannot be scored.');
	}
	return { epochs, recommendation: reference ? recommend(epochs, t.unsure) : undefined, notes };
}

/** Within this share of the best median distance counts as "as alike as it gets". */
const NEAR_BEST = 0.05;

/**
 * The earliest epoch whose median likeness is within 5% of the best and that copies no training picture:
 * underfitting is "the likeness is not there yet", overfitting shows as samples copying the training set (whose
 * closeness is memorisation, not likeness, so copying epochs only compete when every epoch copies).
 * "before training" (epoch 0) is never recommended.
 */
export function recommend(epochs: readonly EpochStats[], alikeBelow = DEFAULT_LIKENESS_THRESHOLDS.unsure): EpochRecommendation | undefined {
	const scored = epochs.filter((e) => e.spread && e.epoch !== 0);
	if (scored.length === 0) {
		return undefined;
	}
	const alike = scored.filter((e) => e.spread!.median < alikeBelow);
	if (alike.length === 0) {
		const best = scored.reduce((a, b) => (b.spread!.median < a.spread!.median ? b : a));
		return { key: best.key, label: best.label, reason: `${capitalise(best.label)} comes closest, but no epoch looks like the person yet (median face distance ${best.spread!.median.toFixed(2)}; the same person is usually under ${alikeBelow.toFixed(2)}): train longer, or check the trigger word in the sample prompts.` };
	}
	const clean = alike.filter((e) => e.copying === 0);
	const pool = clean.length > 0 ? clean : alike;
	const best = pool.reduce((a, b) => (b.spread!.median < a.spread!.median ? b : a));
	const limit = best.spread!.median * (1 + NEAR_BEST);
	const near = pool.filter((e) => e.spread!.median <= limit);
	const pick = clean.length > 0 ? near[0] : near.reduce((a, b) => (b.copying < a.copying ? b : a));
	const firstCopying = scored.find((e) => e.copying > 0);
	const median = pick.spread!.median.toFixed(2);
	const bestPart = pick === best ? `the best of ${clean.length > 0 && firstCopying ? 'the epochs that copy nothing' : 'all epochs'}` : `within 5% of the best, ${best.spread!.median.toFixed(2)} at ${best.label}`;
	let tail: string;
	if (pick.copying > 0) {
		tail = `but ${Math.round(pick.copying * 100)}% of its samples copy a training picture, as in every epoch that looks like the person; consider more varied training pictures or fewer repeats`;
	} else if (firstCopying && order(firstCopying) > order(pick)) {
		tail = `before copying starts at ${firstCopying.label}`;
	} else if (firstCopying) {
		tail = 'and none of its samples copies a training picture';
	} else {
		tail = 'and no sample of any epoch copies a training picture';
	}
	return { key: pick.key, label: pick.label, reason: `${capitalise(pick.label)}: median face distance ${median} (lower is more alike; ${bestPart}) ${tail}.` };
}

function order(e: EpochStats): number {
	return e.epoch !== undefined ? e.epoch * 1e9 : e.step ?? 0;
}

function copiedPicture(face: readonly number[], phash: string, training: readonly TrainingFace[], t: LikenessThresholds): string | undefined {
	for (const tf of training) {
		if (distance(face, tf.embedding) <= t.copyFace && hamming(phash, tf.phash) <= t.copyHash) {
			return tf.file;
		}
	}
	return undefined;
}

/** Bits that differ between two 64-bit hex hashes. */
export function hamming(a: string, b: string): number {
	if (a.length !== b.length || a.length === 0) {
		return 64;
	}
	let bits = 0;
	for (let i = 0; i < a.length; i++) {
		let x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
		while (x) {
			bits += x & 1;
			x >>= 1;
		}
	}
	return bits;
}

function quantile(sorted: readonly number[], q: number): number {
	const pos = (sorted.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return round2(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo));
}

function capitalise(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One line per epoch for the CLI and the hover: "epoch 3: median 0.42 (0.38-0.47), 4 samples, 1 without a face". */
export function epochLine(e: EpochStats): string {
	const parts = [e.spread ? `median ${e.spread.median.toFixed(2)} (${e.spread.q1.toFixed(2)}-${e.spread.q3.toFixed(2)})` : 'no face judged', countOf(e.samples.length, 'sample')];
	if (e.noFace > 0) { parts.push(`${Math.round(e.noFace * 100)}% without a face`); }
	if (e.severalFaces > 0) { parts.push(`${Math.round(e.severalFaces * 100)}% with several faces`); }
	if (e.copying > 0) { parts.push(`${Math.round(e.copying * 100)}% copy a training picture`); }
	return `${e.label}: ${parts.join(', ')}`;
}

