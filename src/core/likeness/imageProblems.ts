import type { ImageProblem, ImageProblemCode } from '../images/types';
import type { IdentityReport } from './identity';

/**
 * The identity verdicts as image problems, for Check Images and Dataset Health: wrong-person and identity-unsure
 * join the image checks' problems (farthest first), and the checks' other-people problem of a picture takes the
 * likeness wording and details, which give each face's distance and mark the person's face. The likeness report's
 * own no-face, cut-off and greyscale notes are left out: the image checks already say those, per subset role.
 * The other-people message keeps the checks' wording and gains the distances, so it reads the same everywhere.
 */
export function mergeLikenessProblems(problems: readonly ImageProblem[], identity: IdentityReport, disabled: ReadonlySet<ImageProblemCode> = new Set()): ImageProblem[] {
	const otherPeople = new Map(identity.problems.filter((p) => p.code === 'other-people').map((p) => [p.file, p]));
	const merged = problems.map((p) => {
		const likeness = p.code === 'other-people' ? otherPeople.get(p.file) : undefined;
		if (!likeness) {
			return p;
		}
		const faces = likeness.details.faces as { x: number; y: number; distance?: number; person: boolean }[];
		const list = faces.map((f) => `${f.person ? 'the person' : 'a face'} at ${Math.round(f.x)},${Math.round(f.y)}: ${f.distance !== undefined ? f.distance.toFixed(2) : 'not judged'}`);
		return { ...p, message: `${p.message} Distance of each face to the person: ${list.join('; ')}.`, details: { ...p.details, faces } };
	});
	const identityProblems = identity.problems
		.filter((p): p is typeof p & { code: 'wrong-person' | 'identity-unsure' } => (p.code === 'wrong-person' || p.code === 'identity-unsure') && !disabled.has(p.code))
		.sort((a, b) => (b.distance ?? 0) - (a.distance ?? 0))
		.map((p): ImageProblem => ({ file: p.file, code: p.code, severity: p.severity, message: p.message, details: p.details }));
	return [...merged, ...identityProblems];
}
