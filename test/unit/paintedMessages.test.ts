import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCaptionEditorMessage } from '../../src/core/protocol/captionEditor';
import { isGalleryWebviewMessage } from '../../src/core/protocol/gallery';
import { isLossPanelWebviewMessage } from '../../src/core/protocol/lossPanel';

test('painted messages: the caption editor host accepts a well-formed paint acknowledgement only', () => {
	assert.deepEqual(parseCaptionEditorMessage({ type: 'painted', fileName: 'a.txt', image: 'shown', width: 1024, height: 1536, extra: 'dropped' }),
		{ type: 'painted', fileName: 'a.txt', image: 'shown', width: 1024, height: 1536 });
	assert.deepEqual(parseCaptionEditorMessage({ type: 'painted', fileName: 'a.txt', image: 'none', width: 0, height: 0 }), { type: 'painted', fileName: 'a.txt', image: 'none', width: 0, height: 0 });
	assert.equal(parseCaptionEditorMessage({ type: 'painted', image: 'none', width: 0, height: 0 }), undefined, 'which caption it painted is required');
	assert.equal(parseCaptionEditorMessage({ type: 'painted', image: 'half', width: 1, height: 1 }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'painted', image: 'shown', width: -1, height: 1 }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'painted', image: 'shown', width: 1.5, height: 1 }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'painted', image: 'shown', width: '1024', height: 1536 }), undefined);
});

test('painted messages: the loss panel and the gallery hosts check the counts and the stage', () => {
	assert.equal(isLossPanelWebviewMessage({ type: 'painted', points: 100_000 }), true);
	assert.equal(isLossPanelWebviewMessage({ type: 'painted', points: 0 }), true);
	assert.equal(isLossPanelWebviewMessage({ type: 'painted', points: -3 }), false);
	assert.equal(isLossPanelWebviewMessage({ type: 'painted' }), false);
	assert.equal(isGalleryWebviewMessage({ type: 'painted', stage: 'grid', cells: 40 }), true);
	assert.equal(isGalleryWebviewMessage({ type: 'painted', stage: 'thumbnails', cells: 40 }), true);
	assert.equal(isGalleryWebviewMessage({ type: 'painted', stage: 'everything', cells: 40 }), false);
	assert.equal(isGalleryWebviewMessage({ type: 'painted', stage: 'grid', cells: 'many' }), false);
});
