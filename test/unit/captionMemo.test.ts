/**
 * What the lint helper remembers between the extension host's re-lints (captionMemo.ts): a caption comes back only
 * while its file's stat, its subset's context and the lint's setup are what they were; a caption changed just before
 * it was read is not kept (its stat could hide a second write); captions no lint saw again are let go.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CaptionMemo, CaptionMemos, FileStamp } from '../../src/core/lint/captionMemo';
import type { LintedText } from '../../src/core/lint/lintShare';

function linted(text: string): LintedText {
	return { text, issues: [], flags: 0, underscore: 0, space: text.split(',').length, costumes: undefined };
}

function memoWith(stamps: Map<string, FileStamp>, clock: { now: number }): CaptionMemo {
	return new CaptionMemo((path) => stamps.get(path), () => clock.now);
}

const OLD: FileStamp = { size: 10, mtimeMs: 1_000, ctimeMs: 1_000, ino: 7 };

test('a caption comes back while its stamp and context are the same, and not once either changes', () => {
	const stamps = new Map([['/a.txt', OLD], ['/b.txt', OLD]]);
	const clock = { now: 60_000 };
	const memo = memoWith(stamps, clock);
	memo.begin(['setup']);
	memo.remember('/a.txt', 'woman', stamps.get('/a.txt'), linted('a, b'));
	memo.remember('/b.txt', 'woman', stamps.get('/b.txt'), linted('c'));
	memo.end();
	memo.begin(['setup']);
	assert.equal(memo.recall('/a.txt', 'woman')?.text, 'a, b');
	assert.equal(memo.recall('/a.txt', 'man'), undefined, 'another subset context');
	for (const change of [{ size: 11 }, { mtimeMs: 1_001 }, { ctimeMs: 2_000 }, { ino: 8 }]) {
		stamps.set('/b.txt', { ...OLD, ...change });
		assert.equal(memo.recall('/b.txt', 'woman'), undefined, `changed: ${JSON.stringify(change)}`);
	}
	stamps.delete('/a.txt');
	assert.equal(memo.recall('/a.txt', 'woman'), undefined, 'the file is gone');
});

test('a caption changed within racyMs of its read is read again next time', () => {
	const stamps = new Map([['/a.txt', { ...OLD, ctimeMs: 59_500 }]]);
	const clock = { now: 60_000 };
	const memo = memoWith(stamps, clock);
	memo.begin(['setup']);
	memo.remember('/a.txt', 'woman', stamps.get('/a.txt'), linted('a'), 2_000);
	assert.equal(memo.size, 0, 'changed 0.5 s before: not kept');
	memo.remember('/a.txt', 'woman', stamps.get('/a.txt'), linted('a'), 0);
	assert.equal(memo.size, 1, 'kept when every change shows in the stamp');
	memo.remember('/a.txt', 'woman', undefined, linted('a'));
	memo.remember('/b.txt', 'woman', OLD, undefined);
	assert.equal(memo.size, 0, 'without a stamp, or without a linted text (not UTF-8), nothing is kept');
});

test('another setup forgets everything; captions a lint did not see are let go when it ends', () => {
	const stamps = new Map([['/a.txt', OLD], ['/b.txt', OLD]]);
	const memo = memoWith(stamps, { now: 60_000 });
	const counter = {};
	memo.begin(['setup', counter]);
	memo.remember('/a.txt', 'woman', OLD, linted('a'));
	memo.remember('/b.txt', 'woman', OLD, linted('b'));
	memo.end();
	memo.begin(['setup', counter]);
	assert.ok(memo.recall('/a.txt', 'woman'));
	memo.end();
	assert.equal(memo.size, 1, '/b.txt was not seen by the second lint');
	memo.begin(['setup', {}]);
	assert.equal(memo.size, 0, 'another token counter: nothing remembered is used');
});

test('each training folder has its own memory; the least recently linted goes past the limit', () => {
	const memos = new CaptionMemos(2);
	const a = memos.of('/folders/a');
	a.begin(['setup']);
	a.remember('/folders/a/x.txt', 'woman', OLD, linted('x'));
	assert.equal(memos.of('/folders/b').size, 0, 'another folder starts empty');
	assert.equal(memos.of('/folders/a'), a, 'a folder linted again finds its memory, after another folder\'s lint');
	memos.of('/folders/c'); // now b is the least recently linted
	assert.equal(memos.of('/folders/a').size, 1, 'kept');
	assert.equal(memos.of('/folders/b').size, 0);
});
