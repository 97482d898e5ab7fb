import { scanTrainingFolder } from '../dataset';
import { CheckReport, CheckRun, checkImages } from './checkImages';
import { ImageEntry } from './imageChecks';
import { ImageCheckOptions, ImageCheckThresholds, imageCheckOptions } from './options';
import { ImageProblem, ImageProblemCode } from './types';

/** A file or folder of a training folder that is not checked, said as a problem (its code is the scan's). */
export type NotChecked = Omit<ImageProblem, 'code'> & { code: 'unreadable' | 'not-trained-format' };

/**
 * Every image of every subset (train and reg) of a training folder, with its subset's role; `notChecked`: folders
 * that could not be listed and pictures sd-scripts does not read (GIF, TIFF, HEIC), which are not among the entries.
 */
export async function trainingFolderEntries(root: string): Promise<{ entries: ImageEntry[]; bucketsEnabled: boolean; trainingSide: number; raw: Record<string, unknown>; notChecked: NotChecked[] }> {
	const folder = await scanTrainingFolder(root, { readCaptions: false });
	const entries = folder.subsets.flatMap((subset) => subset.images.map((image) => ({ path: image.path, role: subset.role, subset: subset.name })));
	const notChecked = folder.warnings.flatMap((p): NotChecked[] => (p.code === 'unreadable' || p.code === 'not-trained-format'
		? [{ file: p.path ?? root, code: p.code, severity: p.code === 'unreadable' ? 'error' : 'warning', message: p.code === 'unreadable' ? `${p.message} Its images were not checked.` : p.message, details: {} }]
		: []));
	return { entries, bucketsEnabled: folder.training.enableBucket, trainingSide: trainingSideOf(folder.training.resolution), raw: folder.settings.raw, notChecked };
}

/**
 * The `images:` section of lora-workbench.yaml: `thresholds:` (any key of ImageCheckThresholds) and
 * `disabled:` (a list of problem codes). Unknown keys and non-numbers are ignored.
 */
export function imageSettingsFromYaml(raw: Record<string, unknown>): { thresholds: Partial<ImageCheckThresholds>; disabled: ImageProblemCode[] } {
	const section = raw.images;
	if (!section || typeof section !== 'object') {
		return { thresholds: {}, disabled: [] };
	}
	const { thresholds, disabled } = section as { thresholds?: unknown; disabled?: unknown };
	return {
		thresholds: thresholds && typeof thresholds === 'object' ? (thresholds as Partial<ImageCheckThresholds>) : {},
		disabled: Array.isArray(disabled) ? disabled.filter((c): c is ImageProblemCode => typeof c === 'string') : [],
	};
}

/** The short side of a training resolution: the side the subsets' target sizes are made from (512, 1024). */
export function trainingSideOf(resolution: readonly [number, number]): number {
	return Math.min(resolution[0], resolution[1]);
}

export async function checkTrainingFolder(root: string, overrides: Partial<ImageCheckOptions> = {}, run: CheckRun = {}): Promise<CheckReport> {
	const { entries, bucketsEnabled, trainingSide, raw } = await trainingFolderEntries(root);
	const fromYaml = imageSettingsFromYaml(raw);
	const options = imageCheckOptions({
		bucketsEnabled,
		trainingSide,
		disabled: new Set([...fromYaml.disabled, ...(overrides.disabled ?? [])]),
		faceModelPath: overrides.faceModelPath,
		concurrency: overrides.concurrency,
		thresholds: { ...fromYaml.thresholds, ...overrides.thresholds },
	});
	return checkImages(entries, options, run);
}
