import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCropperWebviewMessage } from '../../src/core/protocol/cropper';
import { isHealthWebviewMessage } from '../../src/core/protocol/health';

describe('cropper and health webview messages are validated', () => {
	it('accepts the well-formed cropper messages', () => {
		assert.ok(isCropperWebviewMessage({ type: 'ready' }));
		assert.ok(isCropperWebviewMessage({ type: 'accept', id: 'item0', box: { x: 1, y: 2, width: 3, height: 4 } }));
		assert.ok(isCropperWebviewMessage({ type: 'rotate', id: 'item0', rotate: 270 }));
		assert.ok(isCropperWebviewMessage({ type: 'acceptAll' }));
	});
	it('rejects anything else', () => {
		for (const bad of [null, 'accept', {}, { type: 'accept', id: 'item0' }, { type: 'accept', id: 'item0', box: { x: 0, y: 0, width: -5, height: 4 } },
			{ type: 'accept', id: 'item0', box: { x: Number.NaN, y: 0, width: 5, height: 4 } }, { type: 'rotate', id: 'item0', rotate: 45 }, { type: 'skip' }, { type: 'deleteEverything' }]) {
			assert.equal(isCropperWebviewMessage(bad), false, JSON.stringify(bad));
		}
	});
	it('health: open needs a file path', () => {
		assert.ok(isHealthWebviewMessage({ type: 'open', file: '/a/b.jpg' }));
		assert.equal(isHealthWebviewMessage({ type: 'open' }), false);
		assert.equal(isHealthWebviewMessage({ type: 'run', command: 'rm' }), false);
		assert.ok(isHealthWebviewMessage({ type: 'exclude', file: '/a/b.jpg' }));
		assert.ok(isHealthWebviewMessage({ type: 'keepOnly', code: 'near-duplicate', group: 0, keep: '/a/b.jpg' }));
		for (const bad of [{ type: 'exclude' }, { type: 'exclude', file: 7 }, { type: 'exclude', file: 'x'.repeat(5000) },
			{ type: 'keepOnly', code: 'blurry', group: 0, keep: '/a/b.jpg' }, { type: 'keepOnly', code: 'same-shoot', group: -1, keep: '/a/b.jpg' },
			{ type: 'keepOnly', code: 'same-shoot', group: 0.5, keep: '/a/b.jpg' }, { type: 'keepOnly', code: 'same-shoot', group: 0 }]) {
			assert.equal(isHealthWebviewMessage(bad), false, JSON.stringify(bad));
		}
	});
});
