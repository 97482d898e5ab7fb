/**
 * Same-photoshoot groups with the likeness data: two pictures are the same shoot when they show the same person
 * (identity distance) before a close background (colour layout outside the face) in close light (colour of the
 * face), even when their perceptual hashes are far apart. Used where the embeddings are at hand (after Check
 * Images compared the faces); without them the groups stay the hash's.
 */
import { findSimilarGroups, similarityProblems } from '../images/duplicates';
import type { CheckReport } from '../images/checkImages';
import { shortName } from '../images/imageChecks';
import type { ImageProblem, ImageProblemCode } from '../images/types';
import type { PictureFaces } from './faces';
import { distance } from './identity';
import { sceneDistance } from './scene';

/**
 * Calibrated on /work/shared/fixtures/photos/people (the seven portraits of Obama, Biden and one woman): each
 * picture against a 70% crop of itself moved off-centre and 5% brighter (the same shoot framed again: pHash
 * distance 24-34, far past the same-shoot 14) and against the other pictures of the same person (other shoots).
 * Same shoot: background 0.08-0.15, light 0.03-0.05; other shoots of one person: background 0.13-0.42 with light
 * 0.02-0.19, and the two with a background under 0.16 (0.13, 0.15) have light 0.09-0.12. Both must hold.
 */
export const SAME_SHOOT_SCENE = { background: 0.16, lighting: 0.07 };

/** Whether two pictures' largest faces are the same person in the same scene (false when either lacks the data). */
export function sameScene(a: PictureFaces | undefined, b: PictureFaces | undefined, samePersonBelow: number): boolean {
	const ea = a?.faces[0]?.embedding;
	const eb = b?.faces[0]?.embedding;
	if (!a?.scene || !b?.scene || !ea || !eb || distance(ea, eb) >= samePersonBelow) {
		return false;
	}
	const scene = sceneDistance(a.scene, b.scene);
	return scene !== undefined && scene.background <= SAME_SHOOT_SCENE.background && scene.lighting <= SAME_SHOOT_SCENE.lighting;
}

/**
 * The report's near-duplicate and same-shoot groups again, with the scene test beside the hash; its problems of
 * those codes are replaced (the other problems are kept as they are). `samePersonBelow`: the identity distance
 * under which two faces are one person (the likeness 'unsure' threshold).
 */
export function regroupWithScenes(report: CheckReport, pictures: readonly PictureFaces[], nearDistance: number, shootDistance: number,
	samePersonBelow: number, disabled: ReadonlySet<ImageProblemCode> = new Set()): { groups: CheckReport['groups']; problems: ImageProblem[] } {
	const byFile = new Map(pictures.map((p) => [p.file, p]));
	const hashed = report.analyses.filter((a) => a.hash !== undefined).map((a) => ({ file: a.entry.path, hash: a.hash!, mirrorHash: a.mirrorHash }));
	const groups = findSimilarGroups(hashed, nearDistance, shootDistance, (a, b) => sameScene(byFile.get(a), byFile.get(b), samePersonBelow))
		.filter((g) => !disabled.has(g.kind));
	const kept = report.problems.filter((p) => p.code !== 'near-duplicate' && p.code !== 'same-shoot');
	return { groups, problems: [...kept, ...similarityProblems(groups, shortName)] };
}
