import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCheckpointRuns, parseStateFolder } from '../../src/core/checkpoints/checkpointRuns';
import { importKohyaConfig } from '../../src/core/training/kohya';
import { accelerateCommand } from '../../src/core/training/launch';
import { buildRunFiles } from '../../src/core/training/runFiles';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import { guidePreset } from '../../src/core/training/settingsTable';

test('saveState and resume are first-class settings written as sd-scripts\' save_state and resume', () => {
	const { settings, problems } = readTrainingSection({ saveState: true, resume: 'model/r3sume-000002-state' });
	assert.deepEqual(problems, []);
	const files = buildRunFiles({
		root: '/t', trigger: 'r3sume', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/t/run',
		subsets: [{ dir: '/t/images/10_r3sume woman', repeats: 10, classTokens: 'r3sume woman', isReg: false }],
	});
	assert.deepEqual(files.errors, []);
	const saving = files.trainingConfig.saving as Record<string, unknown>;
	assert.equal(saving.save_state, true);
	assert.equal(saving.resume, 'model/r3sume-000002-state');
	assert.equal(guidePreset().launch.numCpuThreadsPerProcess, 2, 'the kohya_ss GUI\'s default');
});

test('accelerate\'s dynamo options and extra launch arguments go before the script, as the kohya_ss GUI puts them', () => {
	const launch = { ...guidePreset().launch, dynamoBackend: 'inductor', dynamoMode: 'max-autotune', dynamoUseFullgraph: true, extraArgs: ['--rdzv_backend', 'c10d'] };
	const { args, errors } = accelerateCommand({ launcher: { kind: 'executable', path: 'accelerate' }, sdScriptsDir: '/sd', launch, gpus: 1, mixedPrecision: 'bf16', configFile: '/c.toml', datasetConfigFile: '/d.toml' });
	assert.deepEqual(errors, []);
	const script = args.indexOf('/sd/train_network.py');
	assert.deepEqual(args.slice(script - 7, script), ['--dynamo_backend', 'inductor', '--dynamo_mode', 'max-autotune', '--dynamo_use_fullgraph', '--rdzv_backend', 'c10d']);
	const off = accelerateCommand({ launcher: { kind: 'executable', path: 'accelerate' }, sdScriptsDir: '/sd', launch: guidePreset().launch, gpus: 1, mixedPrecision: 'bf16', configFile: '/c.toml', datasetConfigFile: '/d.toml' });
	assert.ok(!off.args.some((a) => a.startsWith('--dynamo')), 'backend "no": no dynamo flags');
});

test('kohya_ss configs bring their accelerate panel and save_state/resume along', () => {
	const { settings } = importKohyaConfig({ dynamo_backend: 'inductor', dynamo_mode: 'default', dynamo_use_dynamic: true, extra_accelerate_launch_args: '"--rdzv_backend" c10d', num_cpu_threads_per_process: 4, save_state: true, resume: '' });
	assert.equal(settings.launch.dynamoBackend, 'inductor');
	assert.equal(settings.launch.dynamoUseDynamic, true);
	assert.deepEqual(settings.launch.extraArgs, ['--rdzv_backend', 'c10d']);
	assert.equal(settings.launch.numCpuThreadsPerProcess, 4);
	assert.equal(settings.saveState, true);
	assert.equal(settings.resume, '');
});

test('state folders are listed with their run, latest first: <name>-<epoch>-state, -step-, and the final <name>-state', async () => {
	assert.deepEqual(parseStateFolder('r3sume-000002-state'), { outputName: 'r3sume', epoch: 2, step: undefined });
	assert.deepEqual(parseStateFolder('r3sume-step00000500-state'), { outputName: 'r3sume', epoch: undefined, step: 500 });
	assert.deepEqual(parseStateFolder('r3sume-state'), { outputName: 'r3sume', epoch: undefined, step: undefined });
	const model = join(mkdtempSync(join(tmpdir(), 'states-')), 'model');
	for (const dir of ['r3sume-000001-state', 'r3sume-000002-state', 'r3sume-state']) {
		mkdirSync(join(model, dir), { recursive: true });
	}
	writeFileSync(join(model, 'r3sume-000001.safetensors'), '');
	const [run] = await listCheckpointRuns(model);
	assert.deepEqual(run.states.map((s) => s.name), ['r3sume-state', 'r3sume-000002-state', 'r3sume-000001-state']);
	assert.equal(run.checkpoints.length, 1);
});
