/** Shared shapes of the image checks: problems, measurements, face boxes and crop boxes. */

export type ImageProblemSeverity = 'error' | 'warning' | 'info';

/** Stable codes: the CLI's JSON, the Problems view and the health report all key on these. */
export type ImageProblemCode =
	// The file itself
	| 'unreadable'
	| 'too-many-pixels'
	| 'heic-unsupported'
	| 'animated'
	| 'cmyk'
	| '16-bit'
	// Size
	| 'low-resolution'
	| 'wrong-size'
	// Look
	| 'blurry'
	| 'dark'
	| 'overexposed'
	| 'colored-light'
	| 'grayscale'
	// Across images
	| 'near-duplicate'
	| 'same-shoot'
	// Faces
	| 'no-face'
	| 'other-people'
	| 'face-cut-off'
	| 'face-too-small'
	// Identity (src/core/likeness): the face against the person's reference
	| 'wrong-person'
	| 'identity-unsure';

export interface ImageProblem {
	file: string;
	code: ImageProblemCode;
	severity: ImageProblemSeverity;
	message: string;
	/** Measured values, face boxes, duplicate partners: whatever explains the verdict. */
	details: Record<string, unknown>;
}

/** An axis-aligned box in pixels of the EXIF-oriented image. */
export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface Point {
	x: number;
	y: number;
}

export interface FaceBox extends Box {
	score: number;
	/** Right eye, left eye, nose tip, right and left mouth corners (YuNet order). */
	landmarks: Point[];
}

/** What a subset expects of its images; 'unknown' roles get only the size-independent checks. */
export type SubsetRole = 'face' | 'body' | 'costume' | 'reg' | 'unknown';

export interface TargetSize {
	width: number;
	height: number;
}

/**
 * A subset's target size at a training side (the short side of the training resolution: 512 for SD1.5, 1024 for
 * SDXL and Flux.1): faces square, bodies 2:3 (512x512 / 512x768 at 512, 1024x1024 / 1024x1536 at 1024).
 */
export function targetSizeForRole(role: SubsetRole, side = 512): TargetSize | undefined {
	if (role === 'face') {
		return { width: side, height: side };
	}
	if (role === 'body' || role === 'costume') {
		return { width: side, height: Math.round((side * 1.5) / 8) * 8 };
	}
	return undefined;
}

/**
 * The largest crop side accepted: 4096 px. SD 1.5 trains at 512, SDXL at 1024, and sd-scripts' buckets rarely go
 * past 2048 (max_bucket_reso), so 4096 leaves room for any real use; a typo such as 99999x99999 would
 * otherwise make a 10-gigapixel canvas that runs for many minutes.
 */
export const MAX_TARGET_SIDE = 4096;

export function parseTargetSize(text: string): TargetSize | undefined {
	const match = /^(\d+)x(\d+)$/.exec(text.trim());
	if (!match) {
		return undefined;
	}
	const width = Number(match[1]);
	const height = Number(match[2]);
	return width > 0 && height > 0 && width <= MAX_TARGET_SIDE && height <= MAX_TARGET_SIDE ? { width, height } : undefined;
}

/** Why a --size text is refused, for the message. */
export function targetSizeProblem(text: string): string {
	const match = /^(\d+)x(\d+)$/.exec(text.trim());
	if (match && (Number(match[1]) > MAX_TARGET_SIDE || Number(match[2]) > MAX_TARGET_SIDE)) {
		return `--size ${text.trim()} is too large: each side can be at most ${MAX_TARGET_SIDE} px (training uses 512 to 1024). Use e.g. 512x512 for a face subset or 512x768 for a body subset.`;
	}
	return `--size must look like 512x512, each side 1 to ${MAX_TARGET_SIDE} px (got "${text}")`;
}
