import { basename } from 'node:path';
import type { CropItemView, QuarterTurn } from '../protocol/cropper';
import { AnalysisImage, decodeForAnalysis, loadSharp } from './decode';
import { proposeCrop } from './cropProposal';
import { FaceDetector } from './faceDetector';
import { defaultThresholds } from './options';
import { TargetSize } from './types';

export type CropItemDraft = Omit<CropItemView, 'id' | 'status'>;

/**
 * Everything the cropper shows for one source: an upright preview, the detected faces and the proposed box,
 * all in pixels of the upright source after the user's rotation. Throws a readable Error for bad files.
 */
export async function prepareCropItem(source: string, target: TargetSize, rotate: QuarterTurn, detector: FaceDetector | undefined, minScore = defaultThresholds.faceScore): Promise<CropItemDraft> {
	const decoded = await decodeForAnalysis(source, { maxPixels: defaultThresholds.maxPixels, analysisShortSide: 768, analysisMaxLongSide: 1600 });
	if (!decoded.ok) {
		throw new Error(decoded.problem.message);
	}
	let image = decoded.image;
	let sourceWidth = decoded.info.width;
	let sourceHeight = decoded.info.height;
	if (rotate) {
		image = await rotateImage(image, rotate);
		if (rotate !== 180) {
			[sourceWidth, sourceHeight] = [sourceHeight, sourceWidth];
		}
	}
	const faces = detector ? await detector.detect(image, minScore) : [];
	const proposal = proposeCrop(sourceWidth, sourceHeight, target, faces);
	const notes = decoded.notes.map((n) => n.message);
	if (faces.length > 1) {
		notes.push(`${faces.length} faces: the box is on the largest; keep the others out.`);
	}
	if (!detector) {
		notes.push('Face detection is off, so the box is centred.');
	} else if (faces.length === 0) {
		notes.push('No face found: the box is centred. Move it onto the person.');
	}
	if (proposal.upscale > 1) {
		notes.push(`The box is ${proposal.box.width}x${proposal.box.height} px: it will be upscaled ${proposal.upscale.toFixed(1)}x (soft).`);
	}
	const preview = await loadSharp()(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
	return {
		name: basename(source),
		preview: `data:image/jpeg;base64,${preview.toString('base64')}`,
		sourceWidth,
		sourceHeight,
		rotate,
		box: proposal.box,
		faces: faces.map(({ x, y, width, height }) => ({ x, y, width, height })),
		basis: proposal.basis,
		notes,
	};
}

async function rotateImage(image: AnalysisImage, rotate: QuarterTurn): Promise<AnalysisImage> {
	const { data, info } = await loadSharp()(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
		.rotate(rotate)
		.raw()
		.toBuffer({ resolveWithObject: true });
	return { data, width: info.width, height: info.height, scale: image.scale };
}

/** A small JPEG thumbnail (data: URI) of the upright image for reports; undefined when it cannot be read. */
export async function thumbnailDataUri(file: string, size = 112): Promise<string | undefined> {
	try {
		const data = await loadSharp()(file, { limitInputPixels: defaultThresholds.maxPixels })
			.autoOrient()
			.resize(size, size, { fit: 'inside' })
			.flatten({ background: '#ffffff' })
			.toColourspace('srgb')
			.jpeg({ quality: 75 })
			.toBuffer();
		return `data:image/jpeg;base64,${data.toString('base64')}`;
	} catch {
		return undefined;
	}
}
