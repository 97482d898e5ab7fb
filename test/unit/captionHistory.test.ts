import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptionEditHistory } from '../../src/providers/captionEditor/captionHistory';

test('caption edit history: undo and redo per caption, in order', () => {
	const history = new CaptionEditHistory();
	history.record('a', 'x', 'x, smile');
	history.record('a', 'x, smile', 'x, smile, solo');
	history.record('b', '', 'red scarf');
	assert.deepEqual(history.undo('a', 'x, smile, solo'), { text: 'x, smile' });
	assert.deepEqual(history.undo('a', 'x, smile'), { text: 'x' });
	assert.equal(history.undo('a', 'x'), undefined, 'nothing left to undo');
	assert.deepEqual(history.redo('a', 'x'), { text: 'x, smile' });
	assert.deepEqual(history.undo('b', 'red scarf'), { text: '' }, 'b has its own history');
	history.record('a', 'x, smile', 'x, smile, hat');
	assert.equal(history.redo('a', 'x, smile, hat'), undefined, 'a new edit drops what could be redone');
});

test('caption edit history: refuses to undo over a change made elsewhere, and forgets that caption\'s history', () => {
	const history = new CaptionEditHistory();
	history.record('a', 'x', 'x, smile');
	const move = history.undo('a', 'x, smile, typed in a text editor');
	assert.ok(move && 'refused' in move && /changed outside the caption editor/.test(move.refused));
	assert.equal(history.canUndo('a'), false);
});
