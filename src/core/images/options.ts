import { ImageProblemCode } from './types';

/**
 * Every threshold of the image checks, with defaults calibrated on the shared real photos and on
 * generated images of known blur, exposure and cast. Users override any of them in settings.
 */
export interface ImageCheckThresholds {
	/** Smallest side a source picked for import should have: smaller ones get upscaled into the crop. */
	sourceMinSide: number;
	/**
	 * Variance of the Laplacian of the contrast-stretched luma (measure.ts) at training scale (short side 512);
	 * below it the image is blurry. Calibrated on the ten shared photos (fixtures/photos/people): sharp, they
	 * measure 158-1838, darkened to 30% 148-1548 (the stretch makes dark but sharp pictures pass), blurred with a
	 * 1.5 px Gaussian 24-288. 80 is half the softest sharp portrait, so none is near it, and it flags the clearly
	 * soft half of the blurred copies.
	 */
	blurVariance: number;
	/** Mean luma (0-255) below which an image is dark. */
	darkMeanLuma: number;
	/** Share of pixels at luma <= 16 above which an image is dark even with a bright spot. */
	darkClippedShare: number;
	/** Mean luma (0-255) above which an image is overexposed. */
	overexposedMeanLuma: number;
	/**
	 * Share of blown pixels (luma >= 250) in the middle of the picture, where the person is, above which it is
	 * overexposed (a white background around does not count). The ten shared photos measure 0-4.3%; brightened
	 * 1.8x, 3.4-57% (nine of ten above 10%): 8% is about twice the highest well exposed photo.
	 */
	overexposedClippedShare: number;
	/**
	 * Distance of the mid-tones' average colour from neutral, in CbCr units (0-128), above which the light is
	 * coloured. Real photos measured up to 34 (a giraffe under a big blue sky); a warm stage light gives 40-60.
	 */
	colorCast: number;
	/** Mean per-pixel chroma (max channel difference, 0-255) below which an image counts as grayscale. */
	grayscaleChroma: number;
	/** Hamming distance (of 64 bits) of the perceptual hashes at or below which two images are near-duplicates. */
	nearDuplicateDistance: number;
	/** Hamming distance at or below which two images look like the same shoot (same place, light and clothes). */
	sameShootDistance: number;
	/** YuNet score (0-1) a detection needs to count as a face. 0.8 rejects the cat-face seen at 0.6. */
	faceScore: number;
	/**
	 * A lower score for a second face cut by the picture's edge (another person half in the frame), counted only
	 * when it touches the border and is at least 40% of the main face's height. two_people.jpg cut through the
	 * second face scores 0.69 there; the strays YuNet reports in the shared photos stay under 0.35.
	 */
	edgeFaceScore: number;
	/** In a face subset, the main face box height as a share of the image height below which it is too small. */
	faceMinShare: number;
	/** Pixels: a face box closer than this to the border (at analysis scale) counts as cut off. */
	faceBorderMargin: number;
	/** Decoding refuses images with more pixels than this (decompression bombs). */
	maxPixels: number;
}

export const defaultThresholds: ImageCheckThresholds = {
	sourceMinSide: 1000,
	blurVariance: 80,
	darkMeanLuma: 45,
	darkClippedShare: 0.65,
	overexposedMeanLuma: 215,
	overexposedClippedShare: 0.08,
	colorCast: 36,
	grayscaleChroma: 4,
	nearDuplicateDistance: 6,
	sameShootDistance: 14,
	faceScore: 0.8,
	edgeFaceScore: 0.6,
	faceMinShare: 0.25,
	faceBorderMargin: 2,
	maxPixels: 100_000_000,
};

export interface ImageCheckOptions {
	thresholds: ImageCheckThresholds;
	/** Codes the user switched off. */
	disabled: ReadonlySet<ImageProblemCode>;
	/** With buckets on, sd-scripts resizes into buckets itself, so a wrong size is only informative. */
	bucketsEnabled: boolean;
	/**
	 * The short side of the folder's training resolution (training.resolution; 512 for SD1.5, 1024 for the SDXL and
	 * Flux.1 presets): the subsets' target sizes scale with it.
	 */
	trainingSide: number;
	/** Path of the YuNet ONNX model; without it the face checks report that they could not run. */
	faceModelPath?: string;
	/** How many images are decoded and analysed at once. */
	concurrency: number;
}

export function imageCheckOptions(overrides: Partial<Omit<ImageCheckOptions, 'thresholds'>> & { thresholds?: Partial<ImageCheckThresholds> } = {}): ImageCheckOptions {
	return {
		disabled: overrides.disabled ?? new Set(),
		bucketsEnabled: overrides.bucketsEnabled ?? false,
		trainingSide: overrides.trainingSide ?? 512,
		faceModelPath: overrides.faceModelPath,
		concurrency: overrides.concurrency ?? 2,
		thresholds: { ...defaultThresholds, ...definedOnly(overrides.thresholds ?? {}) },
	};
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Partial<T>;
}
