/**
 * A large folder's lint on two threads (lintShare.ts, lintThread.ts, issue 22) gives the problems one thread
 * gives, caption for caption: the dataset-wide facts (prevailing tag style, costume share) are merged before
 * either thread settles its problems, each caption is linted in its own subset's context, and an unsaved editor's
 * text is used.
 * A helper that fails leaves its captions to the caller instead of losing them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimatedTokenCounter } from '../../src/core/clipTokenizer';
import { scanTrainingFolder } from '../../src/core/dataset';
import { DatasetLinter, LintDatasetOptions } from '../../src/core/lint/lintDataset';
import { HELPER_MIN_CAPTIONS } from '../../src/core/captionReadThread';
import { LintThread } from '../../src/core/lint/lintThread';
import { PackedIssue, changedProblems, packIssues, packTexts, unpackIssue, unpackTexts } from '../../src/core/lint/lintThreadProtocol';
import type { LintIssue } from '../../src/core/lint/types';

const WOMAN = '10_zq7 woman';
const MAN = '5_zq7 man';
const PER_SUBSET = HELPER_MIN_CAPTIONS / 2 + 300;

function captionText(i: number): string {
	const tags = ['zq7', i % 11 === 0 ? '1boy' : 'solo', `tag ${i % 40}`, 'smile'];
	if (i % 3 === 0) {
		tags.push('long_hair'); // the minority style: a tag-style problem only once the whole dataset is counted
	}
	if (i % 10 < 3) {
		tags.push('red dress'); // 30% of the captions: over the 25% costume share
	}
	if (i % 17 === 0) {
		tags.push('smile');
	}
	return tags.join(', ');
}

function makeFolder(vocabulary?: string): { root: string; overridden: string } {
	const root = mkdtempSync(join(tmpdir(), 'lint-threads-'));
	let settings = 'trigger: zq7\nlint:\n  costumeTags: [red dress]\n';
	if (vocabulary) {
		writeFileSync(join(root, 'tags.csv'), vocabulary);
		settings += '  vocabulary: [tags.csv]\n';
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), settings);
	let n = 0;
	for (const subset of [WOMAN, MAN]) {
		const dir = join(root, 'images', subset);
		mkdirSync(dir, { recursive: true });
		for (let k = 0; k < PER_SUBSET; k++, n++) {
			const stem = join(dir, `img_${String(n).padStart(5, '0')}`);
			writeFileSync(`${stem}.png`, '');
			writeFileSync(`${stem}.txt`, n === 123 ? Buffer.from('caf\xe9', 'latin1') : captionText(n));
		}
	}
	return { root, overridden: join(root, 'images', MAN, `img_${String(PER_SUBSET + 5).padStart(5, '0')}.txt`) };
}

async function lintWith(root: string, overridden: string, threads: LintDatasetOptions['threads'], racyMs?: number) {
	const folder = await scanTrainingFolder(root, { readCaptions: false, bucketPreview: false });
	const linter = await DatasetLinter.create(folder, { tokenCounter: estimatedTokenCounter });
	return linter.lintAll({ threads, overrides: new Map([[overridden, 'zq7, unsaved, unsaved']]), racyMs });
}

test('two threads, or a helper alone, find exactly the problems one thread finds', async () => {
	const { root, overridden } = makeFolder();
	try {
		const one = await lintWith(root, overridden, 'one');
		const codes = new Set(one.issues.map((issue) => issue.code));
		for (const code of ['class-conflict', 'tag-style', 'costume-ratio', 'duplicate-tag', 'caption-encoding']) {
			assert.ok(codes.has(code), `the folder has ${code} problems (found ${[...codes].join(', ')})`);
		}
		// 1boy is a conflict in the woman subset only: each caption is linted with its own subset's class.
		const conflicts = one.issues.filter((issue) => issue.code === 'class-conflict');
		assert.ok(conflicts.every((issue) => issue.file.includes(WOMAN)), 'class conflicts only where the class is woman');
		assert.ok(one.issues.some((issue) => issue.file === overridden && issue.code === 'duplicate-tag'), 'the unsaved text is linted');
		assert.equal(one.helperCaptions, 0);
		const startedBefore = LintThread.started;
		for (const threads of ['share', 'helper', 'helper'] as const) {
			const result = await lintWith(root, overridden, threads);
			if (threads === 'helper') {
				// Every caption on disk but the overridden one; the not-UTF-8 one is counted apart.
				assert.equal(result.helperCaptions, one.captions - 1, 'the helper linted every caption on disk');
			}
			assert.deepEqual(result.issues, one.issues, `${threads}: the same problems in the same order`);
			assert.deepEqual([result.captions, result.notUtf8, result.unreadable], [one.captions, one.notUtf8, one.unreadable], `${threads}: the same counts`);
		}
		assert.equal(LintThread.started, startedBefore + 1, 'one helper thread, kept from one lint to the next');
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

test('a helper that fails leaves its captions to the caller, which lints them all', async () => {
	const vocabulary = ['zq7', 'solo', '1boy', 'smile', 'red_dress', 'long_hair'].map((tag) => `${tag},0,100,""`).join('\n');
	const { root, overridden } = makeFolder(vocabulary);
	try {
		const one = await lintWith(root, overridden, 'one');
		assert.ok(one.issues.some((issue) => issue.code === 'unknown-tag'), 'the folder has unknown-tag problems');
		const folder = await scanTrainingFolder(root, { readCaptions: false, bucketPreview: false });
		const linter = await DatasetLinter.create(folder, { tokenCounter: estimatedTokenCounter });
		// The caller has its tag list; the helper, which loads its own, finds the file gone and fails.
		rmSync(join(root, 'tags.csv'));
		const result = await linter.lintAll({ threads: 'helper', overrides: new Map([[overridden, 'zq7, unsaved, unsaved']]) });
		assert.deepEqual(result.issues, one.issues);
		assert.equal(result.captions, one.captions);
		assert.equal(result.helperCaptions, 0, 'none of them counted as the helper\'s');
		// The failed helper is not kept: the next lint starts a new one, which lints every caption.
		const startedBefore = LintThread.started;
		const again = await lintWith(root, overridden, 'helper');
		assert.equal(LintThread.started, startedBefore + 1);
		assert.equal(again.helperCaptions, one.captions - 1);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

test('a re-lint on the kept helper sends only the captions whose problems changed; the rest are the problems decoded before', async () => {
	const { root, overridden } = makeFolder();
	const caption = (n: number) => join(root, 'images', n < PER_SUBSET ? WOMAN : MAN, `img_${String(n).padStart(5, '0')}.txt`);
	const key = (issue: LintIssue) => `${issue.file}:${issue.line}:${issue.column}:${issue.code}`;
	try {
		const first = await lintWith(root, overridden, 'helper');
		assert.ok(first.helperCaptions > 0);
		// 34 loses its duplicate "smile", 1 gains one; neither changes the style or costume counts.
		assert.ok(first.issues.some((issue) => issue.file === caption(34) && issue.code === 'duplicate-tag'));
		writeFileSync(caption(34), readFileSync(caption(34), 'utf8').replace(/, smile$/, ''));
		writeFileSync(caption(1), `${readFileSync(caption(1), 'utf8')}, solo`);
		const second = await lintWith(root, overridden, 'helper');
		assert.deepEqual(second.issues, (await lintWith(root, overridden, 'one')).issues, 'the same problems as a lint on one thread');
		assert.ok(!second.issues.some((issue) => issue.file === caption(34) && issue.code === 'duplicate-tag'));
		assert.ok(second.issues.some((issue) => issue.file === caption(1) && issue.code === 'duplicate-tag'));
		// Unchanged captions' problems are the objects decoded by the first lint: they did not cross again.
		const before = new Map(first.issues.map((issue) => [key(issue), issue]));
		const unchangedCaptions = second.issues.filter((issue) => issue.file !== caption(1) && issue.file !== caption(34) && issue.file !== overridden && issue.code !== 'costume-ratio' && issue.code !== 'caption-encoding');
		assert.ok(unchangedCaptions.length > 1000, `${unchangedCaptions.length} problems on unchanged captions`);
		assert.ok(unchangedCaptions.every((issue) => before.get(key(issue)) === issue), 'taken over, not decoded again');
		assert.ok(second.issues.filter((issue) => issue.file === caption(1)).every((issue) => before.get(key(issue)) !== issue), 'a changed caption\'s problems are new');
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

test('a re-lint on the kept helper takes each caption whose file is unchanged as it was, and finds what one thread finds', async () => {
	const { root, overridden } = makeFolder();
	const caption = (n: number) => join(root, 'images', n < PER_SUBSET ? WOMAN : MAN, `img_${String(n).padStart(5, '0')}.txt`);
	// 0: the captions were written a moment ago; the default (2 s) would take none of them unread.
	const relint = async (why: string, remembered: (onDisk: number) => number) => {
		const helper = await lintWith(root, overridden, 'helper', 0);
		const one = await lintWith(root, overridden, 'one');
		assert.deepEqual(helper.issues, one.issues, `${why}: the problems one thread finds`);
		assert.deepEqual([helper.captions, helper.notUtf8, helper.unreadable], [one.captions, one.notUtf8, one.unreadable], `${why}: the same counts`);
		// On disk: every caption but the overridden one, less the one that is not UTF-8 (never remembered).
		const onDisk = one.captions - 1;
		assert.equal(helper.helperCaptions, onDisk, `${why}: the helper had every caption on disk`);
		assert.equal(helper.helperRemembered, remembered(onDisk), `${why}: captions taken unread`);
		return helper;
	};
	// A whole second, which the replacement below can be given exactly (a file's own time has nanoseconds).
	const replaced = caption(50);
	const then = new Date(2020, 0, 1);
	utimesSync(replaced, then, then);
	try {
		await lintWith(root, overridden, 'helper', 0); // a kept helper from another test remembers none of these
		// Another training folder's lint in between (a workspace of several) leaves this folder's memory as it was.
		const other = makeFolder();
		try {
			await lintWith(other.root, other.overridden, 'helper', 0);
		} finally {
			rmSync(other.root, { recursive: true, force: true });
		}
		await relint('nothing changed', (onDisk) => onDisk);
		// Edited in place (34 loses a duplicate, 1 gains one), one replaced by a file of the same size, time and
		// another inode (as an atomic save leaves it), one removed with its image, one added.
		writeFileSync(caption(34), readFileSync(caption(34), 'utf8').replace(/, smile$/, ''));
		writeFileSync(caption(1), `${readFileSync(caption(1), 'utf8')}, solo`);
		const size = statSync(replaced).size;
		writeFileSync(`${replaced}.tmp`, readFileSync(replaced, 'utf8').replace('solo', 'SOLO'));
		utimesSync(`${replaced}.tmp`, then, then);
		renameSync(`${replaced}.tmp`, replaced);
		assert.deepEqual([statSync(replaced).size, statSync(replaced).mtimeMs], [size, then.getTime()], 'the same size and modification time');
		rmSync(caption(60));
		rmSync(caption(60).replace(/\.txt$/, '.png'));
		writeFileSync(join(root, 'images', WOMAN, 'img_new.png'), '');
		writeFileSync(join(root, 'images', WOMAN, 'img_new.txt'), 'zq7, solo, solo');
		const changed = await relint('three captions changed, one added, one removed', (onDisk) => onDisk - 4);
		assert.ok(!changed.issues.some((issue) => issue.file === caption(34) && issue.code === 'duplicate-tag'));
		assert.ok(changed.issues.some((issue) => issue.file === caption(1) && issue.code === 'duplicate-tag'));
		assert.ok(changed.issues.some((issue) => issue.file.endsWith('img_new.txt') && issue.code === 'duplicate-tag'));
		assert.ok(!changed.issues.some((issue) => issue.file === caption(60)), 'the removed caption has no problems left');
		// The prevailing style flips to underscores: every remembered caption with a tag written the other way is
		// linted again with the new style, from the text the helper kept.
		let rewritten = 0;
		for (let n = 2; n < 2 * PER_SUBSET; n += 2) {
			if (n !== 60) {
				writeFileSync(caption(n), readFileSync(caption(n), 'utf8').replace(/ /g, '_').replace(/,_/g, ', '));
				rewritten += caption(n) === overridden ? 0 : 1;
			}
		}
		const flipped = await relint('half the captions rewritten with underscores', (onDisk) => onDisk - rewritten);
		assert.ok(flipped.issues.some((issue) => issue.code === 'tag-style' && issue.file === caption(3)), 'an unchanged caption written with spaces is now the minority');
		// Other settings: nothing is taken as it was.
		writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: zq7\nlint:\n  costumeTags: [red dress, smile]\n');
		await relint('other settings', () => 0);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});

test('a helper\'s problems are sorted into those of changed captions and the indices of unchanged ones', () => {
	const paths = ['/d/a.txt', '/d/b.txt', '/d/c.txt', '/d/d.txt'];
	const issue = (file: string, message: string): LintIssue => ({ file, line: 1, column: 1, endLine: 1, endColumn: 2, severity: 'warning', code: 'duplicate-tag', message });
	const first = changedProblems([issue(paths[0], 'x'), issue(paths[1], 'y'), issue(paths[1], 'z')], paths, [0, 1, 2], undefined);
	assert.deepEqual(first.unchanged, [], 'without a baseline, everything crosses');
	assert.equal(first.changed.length, 3);
	// b's second problem changes, c still has none, d was not read before.
	const second = changedProblems([issue(paths[0], 'x'), issue(paths[1], 'y'), issue(paths[1], 'w'), issue(paths[3], 'v')], paths, [0, 1, 2, 3], first.problems);
	assert.deepEqual(second.unchanged, [0, 2]);
	assert.deepEqual(second.changed.map((i) => [i.file, i.message]), [[paths[1], 'y'], [paths[1], 'w'], [paths[3], 'v']]);
	assert.equal(second.problems.get(paths[2]), '[]');
});

test('texts packed for a helper thread come back the same, whatever their characters and lengths', () => {
	const texts = ['', 'plain', 'a path/with spaces, "quotes", $HOME and \\back', 'café 日本語 🙂 \u0000 \uFEFF', 'x'.repeat(5000), ...Array.from({ length: 300 }, (_, i) => `🙂${'é'.repeat(i)}`)];
	const packed = packTexts(texts);
	assert.equal(packed.ends.length, texts.length);
	assert.deepEqual([...unpackTexts(packed)], texts);
	// All ASCII (the usual paths) takes the one-encode way: the same texts back, and a buffer of just their bytes.
	const ascii = ['', '/data/images/24_x woman/a.txt', 'a path/with spaces, "quotes", $HOME and \\back', '', 'x'.repeat(5000)];
	const packedAscii = packTexts(ascii);
	assert.deepEqual([...unpackTexts(packedAscii)], ascii);
	assert.equal(packedAscii.buffer.byteLength, ascii.join('').length);
});

test('problems cross with their file as an index into the lint\'s paths, and come back with the same paths', () => {
	const paths = ['/data/images/24_x woman/a.txt', '/data/images/24_x woman/b "c" $d.txt'];
	const issue = (file: string, line: number): LintIssue => ({ file, line, column: 1, endLine: line, endColumn: 2, severity: 'warning', code: 'duplicate-tag', message: `m${line}` });
	const issues = [issue(paths[1], 1), issue('/data/lora-workbench.yaml', 2), ...Array.from({ length: 1200 }, (_, i) => issue(paths[i % 2], i + 3))];
	const expected = issues.map((i) => ({ ...i }));
	const packed = packIssues(issues, paths);
	const texts = [...unpackTexts(packed)];
	assert.ok(!texts[0].includes('a.txt'), 'paths cross as indices');
	assert.ok(texts[0].includes('lora-workbench.yaml'), 'a file not among the paths crosses as itself');
	assert.deepEqual(texts.flatMap((text) => (JSON.parse(text) as PackedIssue[]).map((i) => unpackIssue(i, paths))), expected);
});
