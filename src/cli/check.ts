import { promises as fs } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { CliCommand, UsageError, booleanFlag } from './args';
import { isDirectory } from '../core/dataset';
import { defaultModelCacheDir } from '../core/images/modelCache';
import { checkImages } from '../core/images/checkImages';
import { imageSettingsFromYaml, trainingFolderEntries } from '../core/images/checkFolder';
import { ImageEntry } from '../core/images/imageChecks';
import { faceModelFromFlags } from './faceModelFlag';
import { imageCheckOptions } from '../core/images/options';
import { countOf } from '../core/plural';

const LOOSE_IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff', '.heic', '.heif', '.avif']);

export const checkCommand: CliCommand = {
	name: 'check',
	summary: 'check the images: size, blur, exposure, colour cast, duplicates and faces',
	usage: [
		'Usage: lora-workbench check <folder> [--json] [--face-model <onnx>] [--download-model]',
		'',
		'Checks every image of a training folder against its subset (512x512 face, 512x768 body), or every image',
		'in a plain folder: low-resolution, wrong-size, blurry, dark, overexposed, colored-light, grayscale,',
		'near-duplicate, same-shoot, and with a face model no-face, other-people, face-cut-off, face-too-small.',
		'Unreadable, CMYK, 16-bit, animated, HEIC and oversized files are reported too.',
		'Thresholds: the `images: thresholds:` section of lora-workbench.yaml; `images: disabled:` lists codes to skip.',
		'  --json             print [{file, code, severity, message, details}]',
		'  --face-model FILE  YuNet ONNX model (yunet_n_dynamic.onnx); default: the cached download, if any',
		`  --download-model   download the pinned model into ${defaultModelCacheDir()} first (checked by SHA-256)`,
		'Exit code 1 when an error or warning was found.',
	].join('\n'),
	flags: { json: { type: 'boolean' }, 'face-model': { type: 'string' }, 'download-model': { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give one folder');
		}
		const folder = resolve(io.cwd, args.positionals[0]);
		if (!(await isDirectory(folder))) {
			throw new UsageError(`${folder} is not a folder`);
		}
		const faceModelPath = await faceModelFromFlags(args, io.cwd);
		const training = await trainingFolderEntries(folder);
		const entries: ImageEntry[] = training.entries.length > 0 ? training.entries : await looseImages(folder);
		const yaml = imageSettingsFromYaml(training.raw);
		const options = imageCheckOptions({ faceModelPath, bucketsEnabled: training.bucketsEnabled, trainingSide: training.trainingSide, thresholds: yaml.thresholds, disabled: new Set(yaml.disabled) });
		const report = await checkImages(entries, options);
		const problems = [...training.notChecked, ...report.problems].map((p) => ({ ...p, file: relative(folder, p.file) || p.file }));
		if (booleanFlag(args, 'json')) {
			io.out(JSON.stringify(problems, null, 2));
		} else {
			const lines = problems.map((p) => `${p.file}: ${p.severity} ${p.code}: ${p.message}`);
			lines.push(`${countOf(entries.length, 'image')} checked, ${countOf(problems.length, 'problem')}.`);
			io.out(lines.join('\n'));
		}
		if (report.faceDetectorError) {
			io.err(`note: face checks skipped: ${report.faceDetectorError}${faceModelPath ? '' : ' Pass --face-model <yunet_n_dynamic.onnx> or --download-model.'}`);
		}
		return problems.some((p) => p.severity !== 'info') ? 1 : 0;
	},
};

async function looseImages(folder: string): Promise<ImageEntry[]> {
	const names = (await fs.readdir(folder)).filter((n) => LOOSE_IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
	return names.map((n) => ({ path: join(folder, n), role: 'unknown' as const }));
}
