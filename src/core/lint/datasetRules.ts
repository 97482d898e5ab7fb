import { tagKey } from './tagKey';
import { Subset, TrainingFolder } from '../dataset';
import { SETTINGS_FILE_NAME } from '../settings';
import { join } from 'node:path';
import { RuleSelection } from './context';
import { LintIssue } from './types';

/**
 * Rules about the dataset as a whole rather than one caption's text: images without captions, captions
 * without images, and costume tags that appear in too many images.
 */
export function missingCaptionRule(folder: TrainingFolder, rules: RuleSelection): LintIssue[] {
	const severity = rules.severity('missing-caption');
	if (!severity) {
		return [];
	}
	return folder.subsets.filter((s) => !s.isReg).flatMap((subset) => subset.images.filter((i) => !i.hasCaption).map((image) => ({
		file: image.path, line: 1, column: 1, endLine: 1, endColumn: 1, severity, code: 'missing-caption',
		message: `${image.name} has no caption: sd-scripts trains it on the class tokens "${subset.classTokens}" alone. Write ${image.captionPath.slice(subset.dir.length + 1)} (or tag the image).`,
	})));
}

export function orphanCaptionRule(folder: TrainingFolder, rules: RuleSelection): LintIssue[] {
	const severity = rules.severity('orphan-caption');
	if (!severity) {
		return [];
	}
	return folder.subsets.flatMap((subset: Subset) => subset.orphanCaptions.map((path) => ({
		file: path, line: 1, column: 1, endLine: 1, endColumn: 1, severity, code: 'orphan-caption',
		message: 'No image has this caption\'s name, so sd-scripts never reads it. Rename it to match its image, or delete it.',
	})));
}

/**
 * `shared-caption`: sd-scripts finds a caption by the image's name without its extension, so `a.jpg` and
 * `a.png` both train on `a.txt` (or both on the class tokens when it is missing, and one new caption captions both).
 */
export function sharedCaptionRule(folder: TrainingFolder, rules: RuleSelection): LintIssue[] {
	const severity = rules.severity('shared-caption');
	if (!severity) {
		return [];
	}
	const issues: LintIssue[] = [];
	for (const subset of folder.subsets) {
		// Each caption path's first image, and names only for the paths a second image shares: a list per image made
		// 20,000 arrays per lint, and the host lints the whole folder after every change (issue 22).
		const images = subset.images;
		const firstImage = new Map<string, number>();
		let sharedBy: Map<string, string[]> | undefined;
		for (let i = 0; i < images.length; i++) {
			const captionPath = images[i].captionPath;
			const first = firstImage.get(captionPath);
			if (first === undefined) {
				firstImage.set(captionPath, i);
				continue;
			}
			sharedBy ??= new Map();
			const names = sharedBy.get(captionPath);
			if (names) {
				names.push(images[i].name);
			} else {
				sharedBy.set(captionPath, [images[first].name, images[i].name]);
			}
		}
		for (const [captionPath, names] of sharedBy ?? []) {
			const shared = images[firstImage.get(captionPath)!];
			issues.push({
				file: shared.hasCaption ? captionPath : join(subset.dir, names[1]), line: 1, column: 1, endLine: 1, endColumn: 1, severity, code: 'shared-caption',
				message: `${names.join(' and ')} share the name ${captionPath.slice(subset.dir.length + 1)}: sd-scripts pairs captions by name without the extension, so they train on the same ${shared.hasCaption ? 'caption' : 'class tokens (and a caption written for one captions all)'}. Rename all but one image (each with its own caption), or remove the duplicate.`,
			});
		}
	}
	return issues;
}

/** Where a costume tag is written in lora-workbench.yaml (1-based), so the problem points at it. */
function findInSettings(settingsText: string, tag: string): { line: number; column: number; endColumn: number } {
	const lines = settingsText.split(/\r?\n/);
	const start = lines.findIndex((l) => /^\s*costumeTags\s*:/.test(l));
	for (let i = Math.max(0, start); i < lines.length; i++) {
		const at = lines[i].indexOf(tag);
		if (at !== -1) {
			return { line: i + 1, column: at + 1, endColumn: at + tag.length + 1 };
		}
	}
	return { line: 1, column: 1, endColumn: 1 };
}

/** `costume-ratio`: reported once per costume tag, on the settings file. */
export function costumeRatioRule(folder: TrainingFolder, rules: RuleSelection, captionTagKeys: ReadonlyMap<string, ReadonlySet<string>>, settingsText: string): LintIssue[] {
	const severity = rules.severity('costume-ratio');
	const lint = folder.settings.lint;
	if (!severity || lint.costumeTags.length === 0) {
		return [];
	}
	const images = folder.subsets.filter((s) => !s.isReg).flatMap((s) => s.images);
	if (images.length === 0) {
		return [];
	}
	const issues: LintIssue[] = [];
	for (const costume of lint.costumeTags) {
		const key = tagKey(costume);
		const count = images.filter((image) => captionTagKeys.get(image.captionPath)?.has(key)).length;
		const share = count / images.length;
		if (share > lint.costumeMaxShare) {
			const at = findInSettings(settingsText, costume);
			issues.push({
				file: join(folder.root, SETTINGS_FILE_NAME), line: at.line, column: at.column, endLine: at.line, endColumn: at.endColumn, severity, code: 'costume-ratio',
				message: `The costume tag "${costume}" is in ${count} of ${images.length} images (${Math.round(share * 100)}%); the guide keeps a costume to about ${Math.round(lint.costumeMaxShare * 100)}% so the person is not learned only in it.`,
			});
		}
	}
	return issues;
}
