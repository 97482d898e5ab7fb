import { scanTrainingFolder } from '../dataset';
import { CheckReport, CheckRun, checkImages } from './checkImages';
import { ImageEntry } from './imageChecks';
import { ImageCheckOptions, ImageCheckThresholds, imageCheckOptions } from './options';
import { ImageProblemCode } from './types';

/** Every image of every subset (train and reg) of a training folder, with its subset's role. */
export async function trainingFolderEntries(root: string): Promise<{ entries: ImageEntry[]; bucketsEnabled: boolean; raw: Record<string, unknown> }> {
	const folder = await scanTrainingFolder(root, { readCaptions: false });
	const entries = folder.subsets.flatMap((subset) => subset.images.map((image) => ({ path: image.path, role: subset.role, subset: subset.name })));
	return { entries, bucketsEnabled: folder.training.enableBucket, raw: folder.settings.raw };
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

export async function checkTrainingFolder(root: string, overrides: Partial<ImageCheckOptions> = {}, run: CheckRun = {}): Promise<CheckReport> {
	const { entries, bucketsEnabled, raw } = await trainingFolderEntries(root);
	const fromYaml = imageSettingsFromYaml(raw);
	const options = imageCheckOptions({
		bucketsEnabled,
		disabled: new Set([...fromYaml.disabled, ...(overrides.disabled ?? [])]),
		faceModelPath: overrides.faceModelPath,
		concurrency: overrides.concurrency,
		thresholds: { ...fromYaml.thresholds, ...overrides.thresholds },
	});
	return checkImages(entries, options, run);
}
