import { basename } from 'node:path';
import type { Subset, TrainingFolder } from '../core/dataset';
import { countOf } from '../core/plural';

/** The Dataset view's row texts that need no `vscode` (unit-tested in test/unit/datasetTreeText.test.ts). */

export function subsetDescription(subset: Pick<Subset, 'role' | 'images' | 'repeats'>): string {
	const count = subset.images.length;
	return `${subset.role} · ${countOf(count, 'image')} × ${subset.repeats} = ${count * subset.repeats}`;
}

/**
 * The folder row's description: the trigger and the training images. The guide names the folder after the
 * trigger (`<trigger>/`); then the label already says it, so the description leaves it out.
 */
export function folderDescription(folder: Pick<TrainingFolder, 'root' | 'trigger' | 'subsets'>): string {
	const images = folder.subsets.filter((s) => !s.isReg).reduce((n, s) => n + s.images.length, 0);
	const trigger = folder.trigger ?? 'no trigger';
	const sameAsName = folder.trigger !== undefined && folder.trigger.toLowerCase() === basename(folder.root).toLowerCase();
	return sameAsName ? countOf(images, 'image') : `${trigger} · ${countOf(images, 'image')}`;
}
