import { ImageProblem } from './types';

export interface HashedImage {
	file: string;
	/** 64-bit perceptual hash as 16 hex digits. */
	hash: string;
	/** The hash of the mirrored picture, when known: a flipped copy counts as the same picture. */
	mirrorHash?: string;
}

export interface SimilarGroup {
	kind: 'near-duplicate' | 'same-shoot';
	files: string[];
	/**
	 * Every pair within the threshold, with its Hamming distance; `scene` on a same-shoot pair found by the person,
	 * background and light (sameShoot below) rather than by the hash.
	 */
	pairs: Array<{ a: string; b: string; distance: number; scene?: boolean }>;
}

/**
 * Pairs within each Hamming distance, joined into clusters (A~B and B~C put A, B and C in one group).
 * Near-duplicate groups come first; in same-shoot groups each near-duplicate group stands as its first picture.
 * `sameShoot`, when given, also calls a pair beyond the shoot distance the same shoot (the same person before the
 * same background in the same light, framed differently: the hash of a close-up and a half-body shot differ).
 */
export function findSimilarGroups(images: readonly HashedImage[], nearDistance: number, shootDistance: number, sameShoot?: (a: string, b: string) => boolean): SimilarGroup[] {
	const words = images.map((image) => splitHash(image.hash));
	const mirrored = images.map((image) => (image.mirrorHash ? splitHash(image.mirrorHash) : undefined));
	const distance = (a: readonly number[], b: readonly number[]) => popcount(a[0] ^ b[0]) + popcount(a[1] ^ b[1]);
	const near: Array<[number, number, number]> = [];
	const shoot: Array<[number, number, number, boolean?]> = [];
	for (let i = 0; i < images.length; i++) {
		for (let j = i + 1; j < images.length; j++) {
			const flipped = mirrored[j];
			const d = Math.min(distance(words[i], words[j]), flipped ? distance(words[i], flipped) : 64);
			if (d <= nearDistance) {
				near.push([i, j, d]);
			} else if (d <= shootDistance) {
				shoot.push([i, j, d]);
			} else if (sameShoot?.(images[i].file, images[j].file)) {
				shoot.push([i, j, d, true]);
			}
		}
	}
	const nearGroups = clusters(images, near, 'near-duplicate');
	// A near-duplicate group takes part in same-shoot as one picture, its first: the copies are handled in their own
	// group and are not listed again under "same shoot" (A~B near, A~C and B~C shoot gave the group A, B, C).
	const representative = images.map((_, i) => i);
	for (const group of nearGroups) {
		const members = group.files.map((file) => images.findIndex((image) => image.file === file));
		members.forEach((m) => { representative[m] = members[0]; });
	}
	const closest = new Map<string, [number, number, number, boolean?]>();
	for (const [i, j, d, scene] of shoot) {
		const [a, b] = [representative[i], representative[j]].sort((x, y) => x - y);
		const key = `${a}:${b}`;
		const known = closest.get(key);
		if (a !== b && (!known || d < known[2])) {
			closest.set(key, [a, b, d, scene]);
		}
	}
	const shootGroups = clusters(images, [...closest.values()], 'same-shoot');
	return [...nearGroups, ...shootGroups];
}

export function similarityProblems(groups: readonly SimilarGroup[], fileName: (file: string) => string): ImageProblem[] {
	const problems: ImageProblem[] = [];
	groups.forEach((group, index) => {
		for (const file of group.files) {
			const partners = group.pairs
				.filter((p) => p.a === file || p.b === file)
				.map((p) => ({ file: p.a === file ? p.b : p.a, distance: p.distance, ...(p.scene ? { scene: true } : {}) }))
				// A pair the hash found first: its distance is what the message can give.
				.sort((x, y) => Number(x.scene ?? false) - Number(y.scene ?? false) || x.distance - y.distance);
			const closest = partners[0];
			const others = group.files.length - 1;
			const message = group.kind === 'near-duplicate'
				? `Near-duplicate of ${fileName(closest.file)} (hash distance ${closest.distance} of 64)${others > 1 ? ` and ${others - 1} more` : ''}: the same picture twice teaches the LoRA that one image. Keep the best one of the group.`
				: `Looks like the same shoot as ${fileName(closest.file)} (${closest.scene ? 'the same person before the same background in the same light' : `hash distance ${closest.distance} of 64`})${others > 1 ? ` and ${others - 1} more` : ''}: too many pictures with the same light, place and clothes bind them to the person. Keep a few and add variety.`;
			problems.push({
				file,
				code: group.kind,
				severity: group.kind === 'near-duplicate' ? 'warning' : 'info',
				message,
				details: { group: `${group.kind}-${index + 1}`, members: group.files, partners },
			});
		}
	});
	return problems;
}

function clusters(images: readonly HashedImage[], pairs: Array<[number, number, number, boolean?]>, kind: SimilarGroup['kind']): SimilarGroup[] {
	const parent = images.map((_, i) => i);
	const find = (i: number): number => {
		while (parent[i] !== i) {
			parent[i] = parent[parent[i]];
			i = parent[i];
		}
		return i;
	};
	for (const [i, j] of pairs) {
		parent[find(i)] = find(j);
	}
	const byRoot = new Map<number, SimilarGroup>();
	for (const [i, j, distance, scene] of pairs) {
		const root = find(i);
		let group = byRoot.get(root);
		if (!group) {
			group = { kind, files: [], pairs: [] };
			byRoot.set(root, group);
		}
		group.pairs.push({ a: images[i].file, b: images[j].file, distance, ...(scene ? { scene: true } : {}) });
	}
	for (const group of byRoot.values()) {
		group.files = [...new Set(group.pairs.flatMap((p) => [p.a, p.b]))].sort();
	}
	return [...byRoot.values()].sort((a, b) => a.files[0].localeCompare(b.files[0]));
}

function splitHash(hex: string): [number, number] {
	const padded = hex.padStart(16, '0');
	return [parseInt(padded.slice(0, 8), 16) >>> 0, parseInt(padded.slice(8), 16) >>> 0];
}

function popcount(v: number): number {
	v = v - ((v >>> 1) & 0x55555555);
	v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
	return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Hamming distance of two 64-bit perceptual hashes (16 hex digits each). */
export function hashDistance(a: string, b: string): number {
	const [a0, a1] = splitHash(a);
	const [b0, b1] = splitHash(b);
	return popcount(a0 ^ b0) + popcount(a1 ^ b1);
}
