import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Subset, TrainingFolder } from '../../src/core/dataset';
import { folderDescription, subsetDescription } from '../../src/providers/datasetTreeText';

function subset(images: number, isReg = false): Subset {
	return { role: 'face', repeats: 24, isReg, images: Array.from({ length: images }, (_, i) => ({ name: `${i}.png` })) } as unknown as Subset;
}

function folder(root: string, trigger: string | undefined, subsets: Subset[]): Pick<TrainingFolder, 'root' | 'trigger' | 'subsets'> {
	return { root, trigger, subsets };
}

test('Dataset view folder row: the trigger is left out when the folder is named after it (the guide\'s <trigger>/)', () => {
	assert.equal(folderDescription(folder('/w/3mm4w4ts0n', '3mm4w4ts0n', [subset(20), subset(5)])), '25 images');
	assert.equal(folderDescription(folder('/w/3MM4W4TS0N', '3mm4w4ts0n', [subset(1)])), '1 image', 'case-insensitive');
});

test('Dataset view folder row: another folder name keeps the trigger; reg images are not counted', () => {
	assert.equal(folderDescription(folder('/w/emma-lora', '3mm4w4ts0n', [subset(1), subset(30, true)])), '3mm4w4ts0n · 1 image');
	assert.equal(folderDescription(folder('/w/emma-lora', undefined, [subset(2)])), 'no trigger · 2 images');
	assert.equal(folderDescription(folder('/w/no trigger', undefined, [])), 'no trigger · 0 images', 'no trigger is never "the same name"');
});

test('Dataset view subset row: one image is singular', () => {
	assert.equal(subsetDescription(subset(1)), 'face · 1 image × 24 = 24');
	assert.equal(subsetDescription(subset(2)), 'face · 2 images × 24 = 48');
});
