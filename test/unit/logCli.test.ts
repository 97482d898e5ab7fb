import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { richRecord, successfulRun, tqdmFrame } from './fixtures/trainerTranscript';

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string[]; err: string[] }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await runCli(args, { out: (t) => out.push(...t.split('\n')), err: (t) => err.push(t), cwd });
	return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'lora-log-cli-'));

test('log --json prints one JSON object per event with step, total, epoch, epochs, loss', async () => {
	writeFileSync(join(dir, 'train.log'), successfulRun({ batchesPerEpoch: 5, epochs: 2, saveEveryEpochs: 1 }));
	const { code, out } = await cli(['log', 'train.log', '--json'], dir);
	assert.equal(code, 0);
	const events = out.map((line) => JSON.parse(line));
	assert.deepEqual([...new Set(events.map((e) => e.type))], ['summary', 'step', 'epoch', 'checkpoint', 'finished']);
	const step = events.find((e) => e.type === 'step' && e.step === 7);
	assert.equal(step.total, 10);
	assert.equal(step.epoch, 2);
	assert.equal(step.epochs, 2);
	assert.equal(typeof step.loss, 'number');
	assert.equal(step.loss, step.avrLoss);
	assert.deepEqual(events.filter((e) => e.type === 'checkpoint').map((e) => e.path.split('/').pop()), ['3mm4w4ts0n-000001.safetensors', '3mm4w4ts0n.safetensors']);
});

test('log without --json summarises; a No data found log exits 1 although sd-scripts exits 0', async () => {
	writeFileSync(join(dir, 'nodata.log'), richRecord('No data found. Please verify arguments (train_data_dir must be the parent of folders with images) / 画像がありません', { level: 'ERROR' }));
	const { code, out } = await cli(['log', join(dir, 'nodata.log')], dir);
	assert.equal(code, 1);
	assert.match(out[0], /^error: No data found/);
	assert.match(out.join('\n'), /failed: No data found/);
});

test('log on a missing file names it; no file is a usage error', async () => {
	const missing = await cli(['log', 'nope.log'], dir);
	assert.equal(missing.code, 1);
	assert.match(missing.err[0], /nope\.log does not exist/);
	assert.equal((await cli(['log'], dir)).code, 2);
});

test('log --follow reads what is appended and stops at model saved.', async () => {
	const file = join(dir, 'live.log');
	writeFileSync(file, 'epoch 1/1\n');
	const running = cli(['log', file, '--json', '--follow'], dir);
	for (let n = 1; n <= 3; n++) {
		await new Promise((r) => setTimeout(r, 300));
		await fs.appendFile(file, `\r${tqdmFrame(n, 3, 0.5, 0.1 * n)}`);
	}
	await fs.appendFile(file, `\n${richRecord('model saved.')}`);
	const { code, out } = await running;
	assert.equal(code, 0);
	const events = out.map((line) => JSON.parse(line));
	assert.deepEqual(events.filter((e) => e.type === 'step').map((e) => e.step), [1, 2, 3]);
	assert.equal(events.at(-1).type, 'finished');
});
