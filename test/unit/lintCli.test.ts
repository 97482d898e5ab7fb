import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintDataset } from '../../src/core/lint';
import { repoRoot, sharedFixture } from '../support/paths';

const CLIP = sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz');

/** A training folder with one problem of most kinds, in a subset whose name has a space (paths must survive it). */
function makeFolder(): { parent: string; root: string } {
	const parent = mkdtempSync(join(tmpdir(), 'lint-cli-'));
	const root = join(parent, 'my folder');
	const subset = join(root, 'images', '24_3mm4w4ts0n woman');
	mkdirSync(subset, { recursive: true });
	const captions: Record<string, string | undefined> = {
		img_001: '3mm4w4ts0n, 1girl, smile, smile, red dress',
		img_002: '1girl, 3mm4w4ts0n, long hair, short_hair, 1boy',
		img_003: '',
		img_004: undefined,
		img_005: `3mm4w4ts0n, ${Array.from({ length: 45 }, (_, i) => `tag${i}`).join(', ')}`,
		img_006: '3mm4w4ts0n, red dress, blue eyes\nsecond line, lmao',
	};
	for (const [stem, caption] of Object.entries(captions)) {
		copyFileSync(sharedFixture('photos', 'people', 'obama.jpg'), join(subset, `${stem}.jpg`));
		if (caption !== undefined) {
			writeFileSync(join(subset, `${stem}.txt`), caption);
		}
	}
	writeFileSync(join(subset, 'stray.txt'), 'orphan');
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: 3mm4w4ts0n\nclass: woman\nlint:\n  bakedTraits: [blue eyes]\n  costumeTags: [red dress]\n  vocabulary: ' + sharedFixture('tags', 'danbooru.csv') + '\n');
	return { parent, root };
}

function runCli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'lora-workbench.js'), ...args], {
		cwd, encoding: 'utf8', env: { ...process.env, LORA_WORKBENCH_CLIP_VOCAB: CLIP },
	});
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('lint CLI: every printed line matches the problem matcher\'s regexp from package.json', () => {
	const { parent } = makeFolder();
	const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
	const pattern = manifest.contributes.problemPatterns.find((p: { name: string }) => p.name === 'lora-lint');
	const matcher = manifest.contributes.problemMatchers.find((m: { name: string }) => m.name === 'lora-lint');
	assert.equal(matcher.pattern, '$lora-lint');
	assert.equal(matcher.source, 'lora');
	// Not autoDetect: that asks the file system about each line in turn, and VS Code stops taking lines in shortly
	// after the task ends, so the last problems of a big folder were lost.
	assert.deepEqual(matcher.fileLocation, ['relative', '${workspaceFolder}']);
	const regexp = new RegExp(pattern.regexp);
	const text = runCli(['lint', 'my folder'], parent);
	assert.equal(text.status, 1, `exit 1 because of the empty caption; stderr: ${text.stderr}`);
	const lines = text.stdout.trimEnd().split('\n');
	const json = runCli(['lint', 'my folder', '--json'], parent);
	const issues = JSON.parse(json.stdout) as Array<{ file: string; line: number; column: number; severity: string; code: string; message: string }>;
	assert.equal(lines.length, issues.length);
	lines.forEach((line, index) => {
		const match = regexp.exec(line);
		assert.ok(match, `line does not match the problem pattern: ${line}`);
		const issue = issues[index];
		assert.deepEqual(
			[match[pattern.file], Number(match[pattern.line]), Number(match[pattern.column]), match[pattern.severity], match[pattern.message], match[pattern.code]],
			[issue.file, issue.line, issue.column, issue.severity, issue.message, issue.code],
		);
		assert.ok(issue.file.startsWith(join('my folder', 'images')) || issue.file === join('my folder', 'lora-workbench.yaml'), `relative path: ${issue.file}`);
	});
	const codes = new Set(issues.map((i) => i.code));
	for (const code of ['duplicate-tag', 'trigger-not-first', 'conflicting-tags', 'class-conflict', 'empty-caption', 'missing-caption', 'orphan-caption',
		'token-overflow', 'multi-line-caption', 'baked-trait', 'costume-ratio', 'tag-style', 'unknown-tag']) {
		assert.ok(codes.has(code), `the fixture folder shows ${code}`);
	}
	assert.doesNotMatch(text.stderr, /estimate/, 'the CLIP vocabulary was used');
});

test('lint CLI: --rules narrows, exit 0 without errors, bad usage exits 2', async () => {
	const { parent, root } = makeFolder();
	const only = runCli(['lint', 'my folder', '--rules', 'duplicate-tag'], parent);
	assert.equal(only.status, 0);
	assert.equal(only.stdout, `${join('my folder', 'images', '24_3mm4w4ts0n woman', 'img_001.txt')}:1:27: warning: "smile" appears twice. [duplicate-tag]\n`);
	assert.equal(runCli(['lint', 'my folder', '--rules', 'no-such-rule'], parent).status, 2);
	assert.equal(runCli(['lint'], parent).status, 2);
	const missing = runCli(['lint', 'nowhere'], parent);
	assert.equal(missing.status, 2);
	assert.match(missing.stderr, /nowhere is not a folder/);
	// The library function other features call gives the same problems as the CLI.
	const result = await lintDataset(root, { clipVocabulary: { path: CLIP } });
	assert.equal(result.issues.length, JSON.parse(runCli(['lint', 'my folder', '--json'], parent).stdout).length);
});
