import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { makeTrainingFolder } from '../support/fixtures';
import { buildMeanColourModel, selectedTagsCsv } from '../support/onnxBuilder';

function captureIo(cwd: string) {
	const out: string[] = [];
	const err: string[] = [];
	return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd }, out, err };
}

async function tinyModel(): Promise<string> {
	const dir = mkdtempSync(join(tmpdir(), 'tagger-cli-model-'));
	// solo and 1boy always; bright_image for a mean brightness above 100.
	await fs.writeFile(join(dir, 'model.onnx'), buildMeanColourModel({ tagCount: 7, weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0.1, 0.1, 0.1], [0, 0, 0]], bias: [0, 0, 0, 0, 5, -30, 5] }));
	await fs.writeFile(join(dir, 'selected_tags.csv'), selectedTagsCsv(['solo', 'bright_image', '1boy']));
	return dir;
}

test('tagger CLI: tag <training folder> writes trigger, class word and model tags into the training subsets only', async () => {
	const parent = mkdtempSync(join(tmpdir(), 'tagger-cli-'));
	const root = await makeTrainingFolder(parent, 'emma', {
		subsets: [{ repeats: 10, classTokens: '3mm4w4ts0n woman', images: 2, size: [320, 480], caption: (i) => (i === 0 ? 'kept, as is' : undefined) }],
		settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
	});
	const model = await tinyModel();
	const { io, out, err } = captureIo(parent);
	const code = await runCli(['tag', 'emma', '--model', model, '--add-class-word'], io);
	assert.equal(code, 0, err.join('\n'));
	const subset = join(root, 'images', '10_3mm4w4ts0n woman');
	assert.equal(await fs.readFile(join(subset, 'img_001.txt'), 'utf8'), 'kept, as is', 'skip is the default mode');
	assert.equal(await fs.readFile(join(subset, 'img_002.txt'), 'utf8'), '3mm4w4ts0n, woman, solo, bright image, 1boy\n');
	assert.match(out.join('\n'), /1 image tagged, 1 skipped/);
	assert.match(out.join('\n'), /Most frequent: 1boy \(1\), bright image \(1\), solo \(1\)/);
	assert.match(out.join('\n'), /caption linter now reports \d+ problems?[^]*class-conflict x1/, 'the summary names the linter\'s problems (1boy on a woman)');

	const again = captureIo(parent);
	assert.equal(await runCli(['tag', join(subset, 'img_001.jpg'), '--model', model, '--mode', 'append', '--no-trigger', '--json'], again.io), 0);
	const json = JSON.parse(again.out.join(''));
	assert.equal(json.inputName, 'input_1:0');
	assert.equal(json.captions[0].text, 'kept, as is, solo, bright image, 1boy\n');
});

test('tagger CLI: usage errors exit 2, a bad model folder exits 1 with the file named, --help lists the options', async () => {
	const parent = mkdtempSync(join(tmpdir(), 'tagger-cli-'));
	const { io, err } = captureIo(parent);
	assert.equal(await runCli(['tag', parent], io), 2);
	assert.match(err.join('\n'), /--model is required/);
	assert.equal(await runCli(['tag', parent, '--model', parent, '--mode', 'replace'], io), 2);
	assert.match(err.join('\n'), /--mode must be one of skip, overwrite, append/);

	const image = join(parent, 'a.png');
	await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(image);
	const emptyModel = mkdtempSync(join(tmpdir(), 'tagger-cli-empty-'));
	const bad = captureIo(parent);
	assert.equal(await runCli(['tag', image, '--model', emptyModel], bad.io), 1);
	assert.match(bad.err.join('\n'), /selected_tags\.csv is missing/);

	const help = captureIo(parent);
	assert.equal(await runCli(['tag', '--help'], help.io), 0);
	for (const option of ['--model', '--mode', '--general-threshold', '--character-threshold', '--rating', '--undesired-tags', '--always-first-tags', '--tag-replacement', '--batch-size', '--provider']) {
		assert.ok(help.out.join('\n').includes(option), `--help documents ${option}`);
	}
});
