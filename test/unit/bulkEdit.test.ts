import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyToCaption, BulkEditError, BulkOperation, compileUserRegex, describeOperation, describeTagDiff, planBulkEdit, spellingsOf, tagDiff, validateOperation } from '../../src/core/bulkEdit';

const context = { trigger: 'emw' };
const apply = (text: string, op: BulkOperation, frequency?: Map<string, number>) => applyToCaption(text, op, { ...context, frequency });

test('add a tag at the start, the end, or after the trigger; an existing tag is not added twice', () => {
	const caption = 'emw, 1girl, smile';
	assert.equal(apply(caption, { kind: 'add', tag: 'red dress', position: 'start' }), 'red dress, emw, 1girl, smile');
	assert.equal(apply(caption, { kind: 'add', tag: 'red dress', position: 'end' }), 'emw, 1girl, smile, red dress');
	assert.equal(apply('1girl, emw, smile', { kind: 'add', tag: 'red dress', position: 'afterTrigger' }), '1girl, emw, red dress, smile');
	assert.equal(apply('1girl, smile', { kind: 'add', tag: 'x', position: 'afterTrigger' }), 'x, 1girl, smile', 'no trigger: at the start');
	assert.equal(apply('emw,smile', { kind: 'add', tag: 'Smile', position: 'end' }), 'emw,smile', 'unchanged text comes back byte for byte');
});

test('remove a tag in every spelling, keeping further lines, BOM and line ending', () => {
	assert.equal(apply('\uFEFFemw, blonde_hair, smile, Blonde Hair\r\nnote\r\n', { kind: 'remove', tag: 'blonde hair' }), '\uFEFFemw, smile\r\nnote\r\n');
	assert.equal(apply('emw, smile', { kind: 'remove', tag: 'frown' }), 'emw, smile');
});

test('remove only one spelling: long_hair goes, long hair and Long Hair stay (issue 19.9)', () => {
	assert.equal(apply('emw, long_hair, smile', { kind: 'remove', tag: 'long_hair', exact: true }), 'emw, smile');
	assert.equal(apply('emw, long hair, Long Hair, smile', { kind: 'remove', tag: 'long_hair', exact: true }), 'emw, long hair, Long Hair, smile');
	assert.equal(apply('emw, long hair, long_hair', { kind: 'remove', tag: 'long_hair', exact: true }), 'emw, long hair');
	assert.equal(describeOperation({ kind: 'remove', tag: 'long_hair', exact: true }), 'Remove only the spelling "long_hair"');
	assert.deepEqual(spellingsOf(['emw, long hair', 'emw, long_hair, Long Hair', 'long hair, long hair', 'emw, smile'], 'long hair'),
		[{ spelling: 'long hair', images: 2 }, { spelling: 'Long Hair', images: 1 }, { spelling: 'long_hair', images: 1 }]);
});

test('the preview line of a caption names the tags removed and added, or says only the order changed', () => {
	const line = (before: string, after: string) => describeTagDiff(tagDiff(before, after), after);
	assert.equal(line('emw, long_hair, smile', 'emw, long hair, smile'), '− long_hair   + long hair');
	assert.equal(line('emw, smile', 'emw, smile, red hat'), '+ red hat');
	assert.equal(line('emw, smile, 1girl', 'emw, 1girl, smile'), 'order changed: emw, 1girl, smile');
	assert.equal(line('emw,smile', 'emw, smile'), 'only spacing or separators change');
	assert.deepEqual(tagDiff('a, a, b', 'a, b'), { removed: ['a'], added: [], reordered: false }, 'a duplicate removed is named once');
});

test('rename a whole tag, merging with an existing copy of the new name', () => {
	assert.equal(apply('emw, blonde hair, smile', { kind: 'rename', from: 'blonde_hair', to: 'yellow hair' }), 'emw, yellow hair, smile');
	assert.equal(apply('emw, blonde hair, yellow hair', { kind: 'rename', from: 'blonde hair', to: 'yellow hair' }), 'emw, yellow hair');
	assert.equal(apply('emw, blonde hair ornament', { kind: 'rename', from: 'blonde hair', to: 'x' }), 'emw, blonde hair ornament', 'only whole tags');
});

test('replace plain text or a regular expression inside tags', () => {
	assert.equal(apply('emw, blue eyes, blue shirt', { kind: 'replace', find: 'blue', replacement: 'green', regex: false }), 'emw, green eyes, green shirt');
	assert.equal(apply('emw, a.b', { kind: 'replace', find: '.', replacement: '$1', regex: false }), 'emw, a$1b', 'plain text is literal both ways');
	assert.equal(apply('emw, long hair, short hair', { kind: 'replace', find: '^(\\w+) hair$', replacement: 'hair $1', regex: true }), 'emw, hair long, hair short');
	assert.equal(apply('emw, Smile', { kind: 'replace', find: 'smile', replacement: '', regex: true, ignoreCase: true }), 'emw', 'an emptied tag is removed');
});

test('a regex that does not compile says why', () => {
	const result = compileUserRegex('(unclosed');
	assert.equal(result.ok, false);
	assert.match((result as { message: string }).message, /^The regular expression \/\(unclosed\/ does not compile: Unterminated group\.$/);
	assert.match(validateOperation({ kind: 'replace', find: '[a-', replacement: '', regex: true }) ?? '', /Unterminated character class/);
	assert.throws(() => apply('emw', { kind: 'replace', find: '*', replacement: '', regex: true }), BulkEditError);
	assert.equal(validateOperation({ kind: 'replace', find: '*', replacement: '', regex: false }), undefined, 'as plain text * is fine');
	assert.match(validateOperation({ kind: 'add', tag: 'a, b', position: 'end' }) ?? '', /comma/);
	assert.match(validateOperation({ kind: 'remove', tag: '  ' }) ?? '', /Type the tag/);
});

test('move a tag to the front, after the trigger when the trigger leads', () => {
	assert.equal(apply('emw, 1girl, smile, red dress', { kind: 'moveToFront', tag: 'red dress' }), 'emw, red dress, 1girl, smile');
	assert.equal(apply('1girl, emw, smile', { kind: 'moveToFront', tag: 'smile' }), 'smile, 1girl, emw');
	assert.equal(apply('1girl, smile, emw', { kind: 'moveToFront', tag: 'emw' }), 'emw, 1girl, smile');
	assert.equal(apply('emw, smile', { kind: 'moveToFront', tag: 'frown' }), 'emw, smile');
});

test('deduplicate keeps the first spelling', () => {
	assert.equal(apply('emw, smile, 1girl, Smile, smile', { kind: 'dedupe' }), 'emw, smile, 1girl');
});

test('normalise underscores and spaces, keeping short kaomoji like ^_^', () => {
	assert.equal(apply('emw, blonde_hair, ^_^, looking_at  viewer', { kind: 'normalize', to: 'spaces' }), 'emw, blonde hair, ^_^, looking at viewer');
	assert.equal(apply('emw, blonde hair, smile', { kind: 'normalize', to: 'underscores' }), 'emw, blonde_hair, smile');
});

test('sort by frequency keeps the trigger first and ties in their order', () => {
	const frequency = new Map([['smile', 3], ['1girl', 10], ['red dress', 1], ['emw', 10]]);
	assert.equal(apply('smile, red dress, emw, 1girl, unknown', { kind: 'sortByFrequency' }, frequency), 'emw, 1girl, smile, red dress, unknown');
	assert.equal(apply('a, b', { kind: 'sortByFrequency' }, new Map()), 'a, b');
});

test('the planner lists exactly the captions that change and says so', () => {
	const plan = planBulkEdit([
		{ path: 'a.txt', text: 'emw, blonde hair' },
		{ path: 'b.txt', text: 'emw, smile' },
		{ path: 'c.txt', text: 'emw, blonde_hair, smile\n' },
		{ path: 'd.txt', text: undefined },
	], { kind: 'rename', from: 'blonde hair', to: 'yellow hair' }, context);
	assert.deepEqual(plan.changes.map((c) => [c.path, c.after]), [['a.txt', 'emw, yellow hair'], ['c.txt', 'emw, yellow hair, smile\n']]);
	assert.equal(plan.unchanged, 1);
	assert.equal(plan.withoutCaption, 1);
	assert.equal(plan.summary, '2 captions will change; 1 unchanged; 1 image has no caption file and will be left alone');
	assert.equal(planBulkEdit([{ path: 'x', text: 'a' }], { kind: 'dedupe' }).summary, '0 captions will change; 1 unchanged');
	assert.equal(describeOperation({ kind: 'rename', from: 'a', to: 'b' }), 'Rename "a" to "b"');
});
