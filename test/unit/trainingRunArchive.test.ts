import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archivePreviousRun, isRunFolderOf, leftFiles, stateFolderOutputName } from '../../src/core/training/runArchive';
import { epochFileName, sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { chosenName, listCheckpointRuns, runLabel } from '../../src/core/checkpoints/checkpointRuns';

function modelDir(): string {
	const dir = join(mkdtempSync(join(tmpdir(), 'archive-')), 'model');
	mkdirSync(join(dir, 'sample'), { recursive: true });
	return dir;
}

function touch(path: string, at?: Date): void {
	writeFileSync(path, 'x');
	if (at) {
		utimesSync(path, at, at);
	}
}

test('sd-scripts\' state folder names and the run folders the workbench makes are recognised', () => {
	assert.equal(stateFolderOutputName('m1a-000002-state'), 'm1a');
	assert.equal(stateFolderOutputName('m1a-step00000500-state'), 'm1a');
	assert.equal(stateFolderOutputName('m1a-state'), 'm1a');
	assert.equal(stateFolderOutputName('m1a'), undefined);
	assert.ok(isRunFolderOf('m1a-20261130-063000', 'm1a'));
	assert.ok(isRunFolderOf('m1a-20261130-063000-2', 'm1a'));
	assert.ok(!isRunFolderOf('m1a-v2-20261130-063000', 'm1a'), 'another output name that starts alike');
});

test('the previous run\'s checkpoints, states and samples move into its own run folder; other names and the resume state stay', async () => {
	const model = modelDir();
	const older = join(model, 'runs', 'm1a-20261129-100000');
	const previous = join(model, 'runs', 'm1a-20261130-063000');
	const next = join(model, 'runs', 'm1a-20261130-070000');
	for (const dir of [older, previous, join(model, 'runs', 'm1a-v2-20261130-064000')]) {
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'config.toml'), '');
	}
	touch(join(older, epochFileName('m1a', 1)), new Date(2026, 10, 29));
	for (const epoch of [1, 2, 3]) {
		touch(join(model, epochFileName('m1a', epoch)));
		touch(join(model, 'sample', sampleFileName('m1a', { epoch, promptIndex: 0, timestamp: '20261130063500' })));
	}
	touch(join(model, 'm1a.safetensors'));
	mkdirSync(join(model, 'm1a-000002-state'));
	mkdirSync(join(model, 'm1a-000003-state'));
	touch(join(model, epochFileName('m1a-v2', 1)));
	touch(join(model, 'sample', sampleFileName('m1a-v2', { epoch: 1, promptIndex: 0, timestamp: '20261130063500' })));

	const resume = join(model, 'm1a-000003-state');
	const left = await leftFiles(model, 'm1a', [resume]);
	assert.equal(left.outputs.length, 5);
	assert.equal(left.samples.length, 3);

	const archived = await archivePreviousRun(model, 'm1a', next, [resume]);
	assert.ok(archived);
	assert.equal(archived.dir, previous, 'the newest run folder of that name (not the new run\'s, not one that is already archived)');
	assert.deepEqual(readdirSync(previous).sort(), ['config.toml', 'm1a-000001.safetensors', 'm1a-000002-state', 'm1a-000002.safetensors', 'm1a-000003.safetensors', 'm1a.safetensors', 'sample']);
	assert.equal(readdirSync(join(previous, 'sample')).length, 3);
	assert.deepEqual(readdirSync(model).sort(), ['m1a-000003-state', 'm1a-v2-000001.safetensors', 'runs', 'sample'], 'the resume state and another output name stay');
	assert.deepEqual(readdirSync(join(model, 'sample')), [sampleFileName('m1a-v2', { epoch: 1, promptIndex: 0, timestamp: '20261130063500' })]);
	assert.equal(await archivePreviousRun(model, 'm1a', next, [resume]), undefined, 'nothing left: nothing to do');
});

test('files with no run folder of their own (a kohya_ss GUI run) go to a folder named after the newest file', async () => {
	const model = modelDir();
	const at = new Date(2026, 10, 28, 9, 15, 0);
	touch(join(model, epochFileName('gui', 1)), at);
	touch(join(model, 'gui.safetensors'), at);
	const archived = await archivePreviousRun(model, 'gui', join(model, 'runs', 'gui-20261130-070000'));
	assert.ok(archived);
	assert.equal(archived.dir, join(model, 'runs', 'gui-20261128-091500-earlier'));
	assert.equal(archived.moved.length, 2);
	assert.ok(existsSync(join(archived.dir, 'gui.safetensors')));
	assert.ok(isRunFolderOf('gui-20261128-091500-earlier', 'gui'));
});

test('checkpoints group by run: the latest per output name in model/, each earlier run from its run folder, newest first', async () => {
	const model = modelDir();
	const older = join(model, 'runs', 'm1a-20261129-100000');
	const newer = join(model, 'runs', 'm1a-20261130-063000-2');
	for (const dir of [older, newer, join(model, 'runs', 'm1a-20261130-070000')]) {
		mkdirSync(dir, { recursive: true });
	}
	touch(join(older, epochFileName('m1a', 1)));
	touch(join(newer, epochFileName('m1a', 1)));
	touch(join(newer, 'm1a.safetensors'));
	touch(join(model, epochFileName('m1a', 1)));
	touch(join(model, epochFileName('other', 4)), new Date(2026, 10, 1));
	const runs = await listCheckpointRuns(model);
	assert.deepEqual(runs.map((r) => [r.key, r.checkpoints.length, runLabel(r)]), [
		['.:m1a', 1, 'm1a · latest run'],
		['.:other', 1, 'other · latest run'],
		['runs/m1a-20261130-063000-2:m1a', 2, 'm1a · 2026-11-30 06:30:00 (#2)'],
		['runs/m1a-20261129-100000:m1a', 1, 'm1a · 2026-11-29 10:00:00'],
	]);
	assert.equal(runs[2].sampleDir, join(newer, 'sample'));
	assert.equal(chosenName(model, join(model, 'm1a-000001.safetensors')), 'm1a-000001.safetensors', 'the latest run: the file name, as before');
	assert.equal(chosenName(model, join(newer, 'm1a.safetensors')), 'runs/m1a-20261130-063000-2/m1a.safetensors');
});
