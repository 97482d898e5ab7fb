/**
 * Captions that contradict the measured head pose: an angle tag the face in the picture does not show ("from side"
 * on a frontal face). The LoRA learns the tag from what the picture shows, so a wrong angle tag teaches it a wrong
 * angle. Only clear contradictions are reported: the pose is an estimate, good to about 10 degrees.
 */
import type { HeadPose } from './pose';

export interface PoseContradiction {
	tag: string;
	/** Offsets of the tag in the caption's first line (the text sd-scripts trains on). */
	start: number;
	end: number;
	message: string;
}

interface AngleRule {
	tags: readonly string[];
	contradicts: (pose: HeadPose) => boolean;
	measured: (pose: HeadPose) => string;
}

const turn = (p: HeadPose) => `the face is turned ${Math.round(Math.abs(p.yaw))}°`;
const tilt = (p: HeadPose) => (p.pitch >= 0 ? `the face looks up ${Math.round(p.pitch)}°` : `the face looks down ${Math.round(-p.pitch)}°`);

const RULES: readonly AngleRule[] = [
	// A side view is at least a three-quarter turn; under 12° is plainly frontal.
	{ tags: ['from side', 'profile'], contradicts: (p) => Math.abs(p.yaw) < 12, measured: turn },
	// Seen from above the face looks down, from below it looks up; the opposite tilt beyond 12° contradicts the tag.
	{ tags: ['from above'], contradicts: (p) => p.pitch >= 12, measured: tilt },
	{ tags: ['from below'], contradicts: (p) => p.pitch <= -12, measured: tilt },
];

/** The angle tags of `caption` (its first line, comma-separated) that the pose contradicts. */
export function poseContradictions(caption: string, pose: HeadPose): PoseContradiction[] {
	const line = caption.split(/\r?\n/)[0];
	const out: PoseContradiction[] = [];
	let offset = 0;
	for (const part of line.split(',')) {
		const lead = part.length - part.trimStart().length;
		const tag = part.trim();
		const normal = tag.toLowerCase().replace(/_/g, ' ').replace(/\s+/g, ' ');
		const rule = RULES.find((r) => r.tags.includes(normal));
		if (rule?.contradicts(pose)) {
			out.push({
				tag, start: offset + lead, end: offset + lead + tag.length,
				message: `"${tag}" does not match the picture: ${rule.measured(pose)} (measured from the face landmarks). Remove the tag or pick a picture taken from that angle.`,
			});
		}
		offset += part.length + 1;
	}
	return out;
}

/** The caption's first line without the tag at [start, end) and its comma. */
export function removeTag(caption: string, start: number, end: number): string {
	const before = caption.slice(0, start).replace(/,\s*$/, '');
	const after = caption.slice(end).replace(/^\s*,\s*/, '');
	return before && after && !after.startsWith('\n') ? `${before}, ${after}` : `${before}${after}`;
}
