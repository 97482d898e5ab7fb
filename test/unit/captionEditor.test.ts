import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCaptionEditorMessage } from '../../src/core/protocol/captionEditor';
import { applyTagIntent, insertTag, moveTag, removeTagAt } from '../../src/providers/captionEditor/tagEdits';

const opts = { separator: ',', trigger: '3mm4w4ts0n' };
const line = (result: ReturnType<typeof applyTagIntent>) => {
	assert.ok('line' in result, `refused: ${'refused' in result ? result.refused : ''}`);
	return result.line;
};

test('caption editor: adding a tag appends in the line\'s style, or inserts at an index', () => {
	assert.equal(line(applyTagIntent('a, b', { type: 'addTag', tag: 'c' }, opts)), 'a, b, c');
	assert.equal(line(applyTagIntent('a, b', { type: 'addTag', tag: 'c', index: 1 }, opts)), 'a, c, b');
	assert.equal(line(applyTagIntent('', { type: 'addTag', tag: 'c' }, opts)), 'c');
	assert.equal(line(applyTagIntent('a', { type: 'addTag', tag: 'x, y' }, opts)), 'a, x, y');
});

test('caption editor: a duplicate (after normalising) is refused, not added twice', () => {
	const result = applyTagIntent('long hair, smile', { type: 'addTag', tag: 'Long_Hair' }, opts);
	assert.ok('refused' in result && /already/.test(result.refused));
});

test('caption editor: removing keeps a trailing comma and empty pieces elsewhere as written', () => {
	assert.equal(removeTagAt('a, b, c', 1, ','), 'a, c');
	assert.equal(removeTagAt('a, b, c', 2, ','), 'a, b');
	assert.equal(removeTagAt('a, b, c', 0, ','), 'b, c');
	assert.equal(removeTagAt('a,,b, c,', 2, ','), 'a,,b,');
	assert.equal(removeTagAt('solo', 0, ','), '');
});

test('caption editor: a stale index removes the tag by its text, never a different tag', () => {
	assert.equal(line(applyTagIntent('x, a, b', { type: 'removeTag', index: 0, tag: 'a' }, opts)), 'x, b');
	const gone = applyTagIntent('x, b', { type: 'removeTag', index: 0, tag: 'a' }, opts);
	assert.ok('refused' in gone);
});

test('caption editor: moving and pinning the trigger first', () => {
	assert.equal(moveTag('a, b, c', 0, 2, ','), 'b, c, a');
	assert.equal(moveTag('a, b, c', 2, 0, ','), 'c, a, b');
	assert.equal(moveTag('a, b, c', 1, 5, ','), 'a, c, b');
	assert.equal(line(applyTagIntent('smile, 3mm4w4ts0n, solo', { type: 'pinTrigger' }, opts)), '3mm4w4ts0n, smile, solo');
	assert.equal(line(applyTagIntent('smile', { type: 'pinTrigger' }, opts)), '3mm4w4ts0n, smile');
	assert.ok('refused' in applyTagIntent('smile', { type: 'pinTrigger' }, { separator: ',' }));
});

test('caption editor: editing in place, and editing to nothing removes the tag', () => {
	assert.equal(line(applyTagIntent('a,  b ,c', { type: 'editTag', index: 1, tag: 'b', newText: 'blue eyes' }, opts)), 'a,  blue eyes ,c');
	assert.equal(line(applyTagIntent('a, b, c', { type: 'editTag', index: 1, tag: 'b', newText: '  ' }, opts)), 'a, c');
	assert.equal(insertTag('a,b', 'z', 0, ','), 'z, a,b');
});

test('caption editor protocol: the host accepts well-formed intents only', () => {
	assert.deepEqual(parseCaptionEditorMessage({ type: 'removeTag', index: 2, tag: 'smile' }), { type: 'removeTag', index: 2, tag: 'smile' });
	assert.deepEqual(parseCaptionEditorMessage({ type: 'navigate', to: 'next' }), { type: 'navigate', to: 'next' });
	assert.equal(parseCaptionEditorMessage({ type: 'removeTag', index: -1, tag: 'x' }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'removeTag', index: 1.5, tag: 'x' }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'addTag', tag: 'a\nb' }), undefined, 'a tag cannot smuggle a second line');
	assert.equal(parseCaptionEditorMessage({ type: 'setFirstLine', text: 'x'.repeat(20_000) }), undefined);
	assert.equal(parseCaptionEditorMessage({ type: 'navigate', to: 'sideways' }), undefined);
	assert.deepEqual(parseCaptionEditorMessage({ type: 'applyFix', id: '12:3' }), { type: 'applyFix', id: '12:3' });
	assert.equal(parseCaptionEditorMessage({ type: 'applyFix', id: '__proto__' }), undefined, 'a fix is named by the id the host gave');
	assert.equal(parseCaptionEditorMessage({ type: 'eval', code: '1' }), undefined);
	assert.equal(parseCaptionEditorMessage('ready'), undefined);
	assert.equal(parseCaptionEditorMessage(null), undefined);
});
