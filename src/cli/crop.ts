import { dirname, resolve } from 'node:path';
import { CliCommand, UsageError, stringFlag } from './args';
import { proposeCrop } from '../core/images/cropProposal';
import { sweepStaleTempFiles } from '../core/atomicWrite';
import { writeCrop } from '../core/images/cropOutput';
import { decodeForAnalysis } from '../core/images/decode';
import { createFaceDetector } from '../core/images/faceDetector';
import { faceModelFromFlags } from './faceModelFlag';
import { defaultThresholds } from '../core/images/options';
import { FaceBox, parseTargetSize, targetSizeProblem } from '../core/images/types';
import { countOf } from '../core/plural';

export const cropCommand: CliCommand = {
	name: 'crop',
	summary: 'write the proposed face (512x512) or body (512x768) crop of an image and print its box',
	usage: [
		'Usage: lora-workbench crop <image> --size 512x512|512x768 --out <file> [--face-model <onnx>]',
		'',
		'Proposes the crop the importer would: 512x512 from the top of the hair to the neck, centred on the face;',
		'512x768 from the head to the waist; the largest centred box when no face is found. Writes it with Lanczos',
		'resampling, EXIF orientation applied, in sRGB (format from the --out extension: .png, .jpg, .webp).',
		'The source is never modified. Prints the box in pixels of the upright source.',
		'  --size WxH         target size (512x512 for a face subset, 512x768 for a body subset)',
		'  --out FILE         where to write the crop',
		'  --face-model FILE  YuNet ONNX model; default: the cached download, if any',
	].join('\n'),
	flags: { size: { type: 'string' }, out: { type: 'string' }, 'face-model': { type: 'string' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give one image');
		}
		const sizeText = stringFlag(args, 'size');
		const target = sizeText ? parseTargetSize(sizeText) : undefined;
		if (!target) {
			throw new UsageError(sizeText ? targetSizeProblem(sizeText) : '--size is required (512x512 or 512x768)');
		}
		const outFlag = stringFlag(args, 'out');
		if (!outFlag) {
			throw new UsageError('--out is required');
		}
		const source = resolve(io.cwd, args.positionals[0]);
		const out = resolve(io.cwd, outFlag);
		if (out === source) {
			throw new UsageError('--out must differ from the image: sources are never overwritten');
		}
		const decoded = await decodeForAnalysis(source, { maxPixels: defaultThresholds.maxPixels });
		if (!decoded.ok) {
			io.err(`${source}: ${decoded.problem.message}`);
			return 1;
		}
		const modelPath = await faceModelFromFlags(args, io.cwd);
		let faces: FaceBox[] = [];
		if (modelPath) {
			const detector = await createFaceDetector(modelPath);
			try {
				faces = await detector.detect(decoded.image, defaultThresholds.faceScore);
			} finally {
				await detector.release();
			}
		} else {
			io.err('note: no face model (pass --face-model), so the crop is centred.');
		}
		const proposal = proposeCrop(decoded.info.width, decoded.info.height, target, faces);
		// A crop killed mid-write leaves its temp beside the output; the next crop into that folder removes it.
		const swept = await sweepStaleTempFiles([dirname(out)]);
		if (swept.length > 0) {
			io.err(`Removed ${countOf(swept.length, 'temp file')} left by interrupted writes.`);
		}
		await writeCrop({ source, box: proposal.box, target }, out);
		const { x, y, width, height } = proposal.box;
		const basis = proposal.face ? `centred on the face (score ${proposal.face.score})` : 'centred (no face found)';
		io.out(`box: x=${x} y=${y} width=${width} height=${height} (${basis}, ${countOf(faces.length, 'face')})`);
		if (proposal.upscale > 1) {
			io.err(`warning: the box is ${width}x${height}, so it was upscaled ${proposal.upscale.toFixed(2)}x to ${target.width}x${target.height}; a larger source keeps more detail.`);
		}
		io.out(`wrote ${out} (${target.width}x${target.height})`);
		return 0;
	},
};
