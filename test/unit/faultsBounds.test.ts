/**
 * Fault suite (issue 20), bounds and paths: sizes and lengths from the user or from a file are bounded before
 * any work or allocation, and settings cannot send sd-scripts' output outside the training folder.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { captureIo } from '../support/cliIo';
import { MAX_HEADER_BYTES, readSafetensorsHeader } from '../../src/core/checkpoints/safetensors';
import { scanTrainingFolder } from '../../src/core/dataset';
import { MAX_TARGET_SIDE, parseTargetSize } from '../../src/core/images/types';
import { outputDirWarning, outputNameProblem } from '../../src/core/training/outputPaths';
import { pngHeader } from '../support/imageHeaders';

test('faults (issue 21.8): crop --size refuses sides over 4096 px with a message, before reading the image', async () => {
	assert.equal(MAX_TARGET_SIDE, 4096);
	assert.deepEqual(parseTargetSize('4096x4096'), { width: 4096, height: 4096 });
	assert.equal(parseTargetSize('99999x99999'), undefined);
	const dir = mkdtempSync(join(tmpdir(), 'faults-crop-'));
	const { io, text } = captureIo(dir);
	// The image does not even exist: the size is refused first.
	assert.equal(await runCli(['crop', 'missing.jpg', '--size', '99999x99999', '--out', 'x.jpg'], io), 2);
	assert.match(text(), /--size 99999x99999 is too large: each side can be at most 4096 px/);
});

test('faults (issue 21.8): a safetensors header over 8 MiB is refused by its length, without reading it', async () => {
	assert.equal(MAX_HEADER_BYTES, 8 * 1024 * 1024);
	const dir = mkdtempSync(join(tmpdir(), 'faults-safetensors-'));
	const file = join(dir, 'big.safetensors');
	// A header that is really there (a sparse 9 MiB of spaces would be read and parsed under the old 100 MB limit).
	const length = Buffer.alloc(8);
	length.writeBigUInt64LE(BigInt(9 * 1024 * 1024));
	const fd = openSync(file, 'w');
	writeSync(fd, length);
	ftruncateSync(fd, 8 + 9 * 1024 * 1024 + 16);
	closeSync(fd);
	await assert.rejects(readSafetensorsHeader(file), /big\.safetensors: header length 9437184 bytes is larger than the 8388608-byte limit/);
	const { io, text } = captureIo(dir);
	assert.equal(await runCli(['inspect', file], io), 1);
	assert.match(text(), /larger than the 8388608-byte limit/);
	assert.doesNotMatch(text(), /\n\s+at /, 'no stack trace');
});

test('faults (issue 21.8): scan --buckets flags images over Pillow\'s pixel limits (warning over 89,478,485, error over twice that)', async () => {
	const root = mkdtempSync(join(tmpdir(), 'faults-pixels-'));
	const dir = join(root, 'images', '10_x woman');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'fine.png'), pngHeader(1024, 1024));
	writeFileSync(join(dir, 'warn.png'), pngHeader(10000, 9000)); // 90,000,000
	writeFileSync(join(dir, 'bomb.png'), pngHeader(30000, 30000)); // 900,000,000
	writeFileSync(join(dir, 'edge.png'), pngHeader(89_478_485, 1)); // exactly the limit: no warning, as Pillow
	const folder = await scanTrainingFolder(root, { training: { enableBucket: true } });
	const flagged = folder.warnings.filter((w) => w.code === 'pillow-pixel-limit').map((w) => [w.path?.slice(dir.length + 1), w.severity]);
	assert.deepEqual(flagged.sort(), [['bomb.png', 'error'], ['warn.png', 'warning']]);
	const { io, out } = captureIo(root);
	assert.equal(await runCli(['scan', root, '--buckets'], io), 1);
	assert.match(out.join('\n'), /bomb\.png is 30000x30000 \(900\.0 megapixels\): Pillow refuses to open images over 178956970 pixels \(DecompressionBombError\)/);
	assert.ok(folder.steps, 'the step numbers still come out');
});

test('faults (issue 21.9): training.outputName with a path is refused; outputDir outside the folder is a warning', async () => {
	for (const bad of ['../../../x', 'sub/x', 'a\\b', '..', 'x..y']) {
		assert.match(outputNameProblem(bad) ?? '', /is not a plain file name: sd-scripts would save the checkpoints outside the output folder/, bad);
	}
	assert.equal(outputNameProblem('mylora-v2.1'), undefined);
	assert.equal(outputNameProblem(''), undefined);
	assert.equal(outputDirWarning('/data/emma', 'model'), undefined);
	assert.match(outputDirWarning('/data/emma', '../shared-models') ?? '', /is outside the training folder: checkpoints and run files go to \/data\/shared-models/);
	assert.match(outputDirWarning('/data/emma', '/mnt/loras') ?? '', /outside the training folder/);

	const root = mkdtempSync(join(tmpdir(), 'faults-output-'));
	mkdirSync(join(root, 'images', '10_x woman'), { recursive: true });
	writeFileSync(join(root, 'images', '10_x woman', 'a.png'), pngHeader(512, 512));
	writeFileSync(join(root, 'images', '10_x woman', 'a.txt'), 'x, smile');
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: x\ntraining:\n  outputName: "../../../x"\n  outputDir: "../elsewhere"\n');
	const { io, err } = captureIo(root);
	assert.equal(await runCli(['config', root, '--out', join(root, 'run')], io), 1);
	const messages = err.join('\n');
	assert.match(messages, /error: training\.outputName "\.\.\/\.\.\/\.\.\/x" is not a plain file name/);
	assert.match(messages, /warning: lora-workbench\.yaml: training\.outputDir "\.\.\/elsewhere" is outside the training folder/);
	assert.match(messages, /Nothing was written/);
});
