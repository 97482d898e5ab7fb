/**
 * The spread of measured head poses over a dataset, for Coverage and the CLI: how many faces look in each
 * direction, and which directions the guide asks for ("left facing, from top, from below, right facing, front")
 * have no picture at all, whatever the captions say.
 */
import { countOf } from '../plural';
import { PictureFaces } from './faces';
import { HeadPose, PoseBin, TiltBin, tiltBin, yawBin } from './pose';

export interface PoseSpread {
	/** One pose per picture with a face: its largest face (the person's, in a clean dataset). */
	poses: { file: string; pose: HeadPose }[];
	turn: Record<PoseBin, number>;
	tilt: Record<TiltBin, number>;
	/** What the guide asks for and no picture shows, e.g. "no face looking up (from below)". */
	missing: string[];
}

/** The directions the guide asks for, each with how it is said when missing. */
const WANTED: { test: (turn: PoseBin, tilt: TiltBin) => boolean; missing: string }[] = [
	{ test: (turn) => turn === 'front', missing: 'no frontal face' },
	{ test: (turn) => turn.endsWith('left'), missing: 'no face turned to the left' },
	{ test: (turn) => turn.endsWith('right'), missing: 'no face turned to the right' },
	{ test: (turn) => turn.startsWith('side'), missing: 'no side view (profile or near it)' },
	{ test: (_turn, tilt) => tilt === 'from above', missing: 'no face looking down (from above)' },
	{ test: (_turn, tilt) => tilt === 'from below', missing: 'no face looking up (from below)' },
];

export function poseSpread(pictures: readonly PictureFaces[], personFace?: (picture: PictureFaces) => number | undefined): PoseSpread {
	const poses: PoseSpread['poses'] = [];
	for (const p of pictures) {
		const index = personFace?.(p) ?? (p.faces.length > 0 ? 0 : undefined);
		if (index !== undefined && p.faces[index]) {
			poses.push({ file: p.file, pose: p.faces[index].pose });
		}
	}
	const turn: Record<PoseBin, number> = { 'front': 0, 'three-quarter left': 0, 'three-quarter right': 0, 'side left': 0, 'side right': 0 };
	const tilt: Record<TiltBin, number> = { 'level': 0, 'from above': 0, 'from below': 0 };
	const bins = poses.map(({ pose }) => [yawBin(pose.yaw), tiltBin(pose.pitch)] as const);
	for (const [t, l] of bins) {
		turn[t]++;
		tilt[l]++;
	}
	const missing = poses.length === 0 ? [] : WANTED.filter((w) => !bins.some(([t, l]) => w.test(t, l))).map((w) => w.missing);
	return { poses, turn, tilt, missing };
}

/** "12 front, 4 three-quarter left, ...; 2 from above, 0 from below", counts only where non-zero except the wanted ones. */
export function poseSpreadLine(spread: PoseSpread): string {
	const turns = (Object.entries(spread.turn) as [PoseBin, number][]).filter(([, n]) => n > 0).map(([bin, n]) => `${n} ${bin}`);
	return `${countOf(spread.poses.length, 'face')}: ${turns.join(', ') || 'none'}; ${spread.tilt['from above']} from above, ${spread.tilt['from below']} from below, ${spread.tilt.level} level`;
}
