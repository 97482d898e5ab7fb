import type { Point } from '../images/types';

/**
 * Head pose in degrees, estimated from the five YuNet landmarks (no 3D model: a frontal face's nose tip stands
 * about 0.55 eye distances in front of the eye plane, so its shift from the eye-mouth axis gives the turn).
 * yaw > 0: the face turns toward the picture's right; pitch > 0: the face looks up (seen from below);
 * roll > 0: the head tilts clockwise in the picture. Good to about 10 degrees: enough to sort pictures into
 * front, three-quarter, side, from above and from below, which is all Coverage asks of it.
 */
export interface HeadPose { yaw: number; pitch: number; roll: number }

const NOSE_DEPTH = 0.55;
/** Nose height between the eye line and the mouth line on a frontal face (dlib's mean face). */
const FRONTAL_NOSE_RATIO = 0.531;
/** Eye line to mouth line over eye distance on a frontal face (dlib's mean face). */
const FRONTAL_MOUTH_DROP = 1.066;

export function headPose(landmarks: readonly Point[]): HeadPose {
	const [rightEye, leftEye, nose, rightMouth, leftMouth] = landmarks;
	const roll = Math.atan2(leftEye.y - rightEye.y, leftEye.x - rightEye.x);
	// Undo the roll around the eye midpoint, so yaw and pitch are measured on an upright face.
	const cx = (rightEye.x + leftEye.x) / 2;
	const cy = (rightEye.y + leftEye.y) / 2;
	const cos = Math.cos(-roll);
	const sin = Math.sin(-roll);
	const upright = (p: Point): Point => ({ x: (p.x - cx) * cos - (p.y - cy) * sin, y: (p.x - cx) * sin + (p.y - cy) * cos });
	const re = upright(rightEye);
	const le = upright(leftEye);
	const n = upright(nose);
	const mouth = { x: (upright(rightMouth).x + upright(leftMouth).x) / 2, y: (upright(rightMouth).y + upright(leftMouth).y) / 2 };
	const eyeSpan = Math.max(1e-6, le.x - re.x);
	// The eye-mouth drop shrinks little with yaw, so it sizes the face even when the eyes overlap on a side view.
	const faceSize = Math.max(eyeSpan, mouth.y / FRONTAL_MOUTH_DROP, 1e-6);
	// The nose is compared with the eye-mouth midline, which tilts with the face less than the eyes do.
	const axisX = mouth.x / 2;
	const yaw = Math.atan(clampRatio((n.x - axisX) / (NOSE_DEPTH * faceSize)));
	const noseRatio = mouth.y > 1e-6 ? n.y / mouth.y : FRONTAL_NOSE_RATIO;
	const pitch = Math.atan(clampRatio(((FRONTAL_NOSE_RATIO - noseRatio) * mouth.y) / (NOSE_DEPTH * faceSize)));
	return { yaw: degrees(yaw), pitch: degrees(pitch), roll: degrees(roll) };
}

export type PoseBin = 'front' | 'three-quarter left' | 'three-quarter right' | 'side left' | 'side right';
export type TiltBin = 'level' | 'from above' | 'from below';

/** Sideways bins: "left"/"right" as seen in the picture (the way the face turns). */
export function yawBin(yaw: number): PoseBin {
	const side = yaw < 0 ? 'left' : 'right';
	const a = Math.abs(yaw);
	return a < 15 ? 'front' : a < 45 ? `three-quarter ${side}` : `side ${side}`;
}

/** From above: the face looks down (camera above); from below: it looks up. */
export function tiltBin(pitch: number): TiltBin {
	return pitch <= -12 ? 'from above' : pitch >= 12 ? 'from below' : 'level';
}

function clampRatio(v: number): number {
	return Math.max(-8, Math.min(8, v));
}

function degrees(rad: number): number {
	return Math.round((rad * 180) / Math.PI * 10) / 10;
}
