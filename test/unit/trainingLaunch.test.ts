import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { accelerateCommand, LaunchInput } from '../../src/core/training/launch';
import { checkSetup, findPython, findSdScripts, installCommands } from '../../src/core/training/setup';
import { guidePreset } from '../../src/core/training/settingsTable';
import { runCli } from '../../src/cli';

const standin = join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');
const nasty = join(tmpdir(), 'my "lora" $HOME `x` ü 日本 folder');

function launchInput(overrides: Partial<LaunchInput> = {}): LaunchInput {
	return {
		launcher: { kind: 'executable', path: join(nasty, 'venv', 'bin', 'accelerate') },
		sdScriptsDir: nasty,
		launch: guidePreset().launch,
		gpus: 1,
		mixedPrecision: 'bf16',
		configFile: join(nasty, 'config.toml'),
		datasetConfigFile: join(nasty, 'dataset.toml'),
		...overrides,
	};
}

test('paths with spaces, quotes, $ and non-ASCII stay single arguments', () => {
	const { command, args, errors } = accelerateCommand(launchInput());
	assert.deepEqual(errors, []);
	assert.equal(command, join(nasty, 'venv', 'bin', 'accelerate'));
	assert.deepEqual(args, ['launch', '--num_cpu_threads_per_process', '2', '--mixed_precision', 'bf16', '--num_processes', '1', '--num_machines', '1',
		join(nasty, 'train_network.py'), '--config_file', join(nasty, 'config.toml'), '--dataset_config', join(nasty, 'dataset.toml')]);
	// And a real process receives them unchanged (no shell in between).
	const echoed = execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args]).toString();
	assert.deepEqual(JSON.parse(echoed), args);
});

test('several GPUs use accelerate\'s multi-GPU flags', () => {
	const launch = { ...guidePreset().launch, gpuIds: '0,1' };
	const { args, errors } = accelerateCommand(launchInput({ launch, gpus: 2 }));
	assert.deepEqual(errors, []);
	assert.deepEqual(args.slice(0, 12), ['launch', '--num_cpu_threads_per_process', '2', '--mixed_precision', 'bf16', '--num_processes', '2', '--num_machines', '1', '--multi_gpu', '--gpu_ids', '0,1']);
	const mismatch = accelerateCommand(launchInput({ launch: { ...launch, gpuIds: '0,1,2' }, gpus: 2 }));
	assert.match(mismatch.errors.join(), /lists 3 GPU\(s\) but gpus is 2/);
});

test('several machines use accelerate\'s multi-node settings', () => {
	const launch = { ...guidePreset().launch, numMachines: 2, machineRank: 1, mainProcessIp: '10.0.0.5', mainProcessPort: 29501 };
	const { args, errors } = accelerateCommand(launchInput({ launch, gpus: 4 }));
	assert.deepEqual(errors, []);
	const at = args.indexOf('--machine_rank');
	assert.deepEqual(args.slice(at, at + 6), ['--machine_rank', '1', '--main_process_ip', '10.0.0.5', '--main_process_port', '29501']);
	assert.ok(args.includes('--multi_gpu'));
	assert.equal(args[args.indexOf('--num_processes') + 1], '4');
	const bad = accelerateCommand(launchInput({ launch: { ...launch, mainProcessIp: '', machineRank: 2 }, gpus: 1 }));
	assert.match(bad.errors.join('\n'), /mainProcessIp is empty/);
	assert.match(bad.errors.join('\n'), /machineRank 2 must be below/);
	assert.match(bad.errors.join('\n'), /cannot be below launch\.numMachines/);
});

test('python -m accelerate is used when the venv has no accelerate launcher', () => {
	const { command, args } = accelerateCommand(launchInput({ launcher: { kind: 'module', python: '/py/python' } }));
	assert.equal(command, '/py/python');
	assert.deepEqual(args.slice(0, 2), ['-m', 'accelerate.commands.launch']);
});

test('setup finds the stand-in sd-scripts, its venv, accelerate and the GPU through a real Python probe', async () => {
	const report = await checkSetup({ sdScriptsPath: standin, home: tmpdir() });
	assert.equal(report.ready, true, JSON.stringify(report.items));
	assert.equal(report.python, join(standin, 'venv', 'bin', 'python'));
	assert.deepEqual(report.launcher, { kind: 'executable', path: join(standin, 'venv', 'bin', 'accelerate') });
	assert.equal(report.probe?.torch, '2.6.0+standin');
	assert.equal(report.bf16, true);
	assert.equal(report.version, '0.10.1+standin');
});

test('a kohya_ss install is searched for its sd-scripts folder and its venv beside it', () => {
	const kohya = mkdtempSync(join(tmpdir(), 'kohya_ss '));
	mkdirSync(join(kohya, 'sd-scripts'));
	writeFileSync(join(kohya, 'sd-scripts', 'train_network.py'), '');
	mkdirSync(join(kohya, 'venv', 'bin'), { recursive: true });
	writeFileSync(join(kohya, 'venv', 'bin', 'python'), '');
	assert.equal(findSdScripts({ sdScriptsPath: kohya, home: tmpdir() }).dir, join(kohya, 'sd-scripts'));
	assert.equal(findPython({ home: tmpdir(), platform: 'linux' }, join(kohya, 'sd-scripts')).python, join(kohya, 'venv', 'bin', 'python'));
});

test('missing pieces say how to fix them', async () => {
	const empty = mkdtempSync(join(tmpdir(), 'not sd-scripts '));
	const noScript = await checkSetup({ sdScriptsPath: empty, home: tmpdir() });
	assert.equal(noScript.ready, false);
	assert.match(noScript.items[0].fix!, /has no train_network\.py .*guided install/);
	writeFileSync(join(empty, 'train_network.py'), '');
	const noPython = await checkSetup({ sdScriptsPath: empty, home: tmpdir() });
	const python = noPython.items.find((i) => i.id === 'python')!;
	assert.equal(python.ok, false);
	assert.match(python.fix!, /python -m venv venv.*loraWorkbench\.pythonPath/);
	const brokenPython = await checkSetup({ sdScriptsPath: empty, pythonPath: join(empty, 'train_network.py'), home: tmpdir() });
	assert.match(brokenPython.items.find((i) => i.id === 'python')!.fix!, /could not be started|exited with code/);
	const noTorch = await checkSetup({ sdScriptsPath: empty, pythonPath: spawnSync('python3', ['-c', 'import sys; print(sys.executable)']).stdout.toString().trim(), home: tmpdir() });
	const torch = noTorch.items.find((i) => i.id === 'torch')!;
	assert.equal(torch.ok, false);
	assert.match(torch.fix!, /download\.pytorch\.org/);
	assert.ok(installCommands('linux').some((c) => c.startsWith('git clone https://github.com/kohya-ss/sd-scripts')));
	assert.ok(installCommands('linux').includes('venv/bin/python -m pip install --upgrade -r requirements.txt'));
});

test('lora-workbench config writes the run files and prints the command one argument per line', async () => {
	const parent = mkdtempSync(join(tmpdir(), 'cfg '));
	const root = join(parent, 'Ünïcode $trigger "folder"');
	const subset = join(root, 'images', '3_z4r4 woman');
	mkdirSync(subset, { recursive: true });
	mkdirSync(join(root, 'model'));
	// 1x1 PNG
	const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
	writeFileSync(join(subset, 'a.png'), png);
	writeFileSync(join(subset, 'a.txt'), 'z4r4, smile');
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: z4r4\nclass: woman\n');
	const out: string[] = [];
	const err: string[] = [];
	const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd: parent };
	const code = await runCli(['config', root, '--out', join(parent, 'run files'), '--sd-scripts', standin], io);
	assert.equal(code, 0, err.join('\n'));
	const lines = out.join('\n').split('\n');
	const commandAt = lines.indexOf('Command (one argument per line):');
	assert.deepEqual(lines.slice(commandAt + 1), [join(standin, 'venv', 'bin', 'accelerate'), 'launch', '--num_cpu_threads_per_process', '2', '--mixed_precision', 'bf16',
		'--num_processes', '1', '--num_machines', '1', join(standin, 'train_network.py'), '--config_file', join(parent, 'run files', 'config.toml'),
		'--dataset_config', join(parent, 'run files', 'dataset.toml')]);

	const kohyaOut: string[] = [];
	const kohyaErr: string[] = [];
	const kohya = join(repoRoot(), '..', 'shared', 'fixtures', 'kohya-presets', 'sd15 - EDG_LoraOptiSettings.json');
	const kohyaCode = await runCli(['config', root, '--out', join(parent, 'kohya'), '--kohya', kohya], { out: (t) => kohyaOut.push(t), err: (t) => kohyaErr.push(t), cwd: parent });
	assert.equal(kohyaCode, 0, kohyaErr.join('\n'));
	assert.match(kohyaErr.join('\n'), /kohya: kept without an sd-scripts meaning .*no_token_padding/);
	assert.match(kohyaErr.join('\n'), /kohya: migrated lora_network_weights → network_weights/);

	assert.equal(await runCli(['config', root], io), 2, '--out is required');
	assert.equal(await runCli(['config', join(parent, 'missing'), '--out', join(parent, 'x')], io), 1);
});
