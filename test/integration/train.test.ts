import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { TrainResult } from '../../src/trainer/trainCommand';
import type { TrainingRun } from '../../src/trainer/trainingRun';
import type { CheckpointNode, CheckpointsView } from '../../src/trainer/checkpointsView';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { repoRoot, testWorkspace } from '../support/paths';
import { compareGrid } from '../support/webviews';

const STANDIN = () => join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');

function readSafetensorsMetadata(path: string): Record<string, string> {
	const bytes = readFileSync(path);
	const length = Number(bytes.readBigUInt64LE(0));
	return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')).__metadata__;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function makeFolder(name: string): Promise<string> {
	return makeTrainingFolder(testWorkspace() ?? tmpdir(), name, {
		subsets: [{ repeats: 2, classTokens: `${name} woman`, images: 3, size: [128, 128], caption: (i) => `${name}, 1girl, ${i % 2 ? 'smile' : 'portrait'}` }],
		settingsYaml: `# trainer test\ntrigger: ${name}\nclass: woman\ntraining:\n  epochs: 2\n`,
	});
}

async function train(root: string, expectRun = true): Promise<TrainResult> {
	const result = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', root, { skipConfirm: true });
	assert.ok(result, 'the command answered');
	assert.ok(!expectRun || result.run, `a run was queued (errors: ${result.errors.join('; ') || 'none'})`);
	return result;
}

/** The Checkpoints view's rows for one training folder (under its folder row when the workspace has several). */
async function folderNodes(view: CheckpointsView, root: string): Promise<CheckpointNode[]> {
	const top = await view.getChildren();
	const folderNode = top.find((n) => n.kind === 'folder' && n.folder.root === root);
	return (folderNode ? await view.getChildren(folderNode) : top).filter((n) => n.kind !== 'folder' && n.folder.root === root);
}

/**
 * Makes stand-in trainers started from now on pause after their first step until `release()`: a test that needs a
 * run to still be running (to queue another behind it) holds it, rather than betting on the trainer's pace.
 */
function holdTrainers(): { release(): Promise<void>; dispose(): Promise<void> } {
	const releaseFile = join(mkdtempSync(join(tmpdir(), 'standin-hold-')), 'release');
	process.env.LORA_STANDIN_HOLD_AT_STEP = '1';
	process.env.LORA_STANDIN_RELEASE_FILE = releaseFile;
	return {
		release: () => fs.writeFile(releaseFile, ''),
		dispose: async () => {
			delete process.env.LORA_STANDIN_HOLD_AT_STEP;
			delete process.env.LORA_STANDIN_RELEASE_FILE;
			await fs.writeFile(releaseFile, '');
		},
	};
}

describe('Train LoRA with the stand-in trainer', function () {
	this.timeout(300_000);
	let first: string;
	let second: string;
	let pidDir: string;

	before(async () => {
		await activateExtension();
		first = await makeFolder('tr41n3r');
		second = await makeFolder('s3c0nd');
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', STANDIN(), vscode.ConfigurationTarget.Global);
		process.env.LORA_STANDIN_STEP_SECONDS = '0.02';
	});

	beforeEach(() => {
		pidDir = mkdtempSync(join(tmpdir(), 'standin-pids-'));
		process.env.LORA_STANDIN_PID_DIR = pidDir;
	});

	after(async () => {
		const api = await activateExtension();
		await api.testing.trainer.runs.stopAll();
		delete process.env.LORA_STANDIN_PID_DIR;
		delete process.env.LORA_STANDIN_STEP_SECONDS;
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', undefined, vscode.ConfigurationTarget.Global);
	});

	it('Check Trainer Setup finds sd-scripts, its venv, accelerate, torch and the GPU', async () => {
		const api = await activateExtension();
		const report = await api.testing.trainer.setup.report(true);
		assert.deepEqual(report.items.filter((i) => !i.ok).map((i) => `${i.id}: ${i.fix}`), []);
		assert.equal(report.ready, true);
		assert.equal(report.sdScriptsDir, STANDIN());
		assert.match(report.items.find((i) => i.id === 'gpu')!.detail, /Stand-in GPU \(test double\), 24576 MiB/);
		assert.equal(report.version, '0.10.1+standin');
		assert.equal(report.launcher?.kind, 'executable');
	});

	it('runs the trainer through the lora train task and writes checkpoints', async () => {
		const api = await activateExtension();
		const started: vscode.TaskExecution[] = [];
		const listener = vscode.tasks.onDidStartTask((e) => started.push(e.execution));
		const result = await train(first);
		listener.dispose();
		assert.deepEqual(result.errors, []);
		assert.equal(result.started, true);
		const run = result.run!;
		const exit = await run.whenExited();
		assert.deepEqual(exit, { code: 0, signal: null });
		assert.equal(run.state, 'finished');
		const task = started.find((e) => e.task.definition.type === 'lora')?.task;
		assert.ok(task, 'a lora task was started');
		assert.equal(task.definition.action, 'train');
		assert.equal(task.source, 'LoRA');

		const console = readFileSync(run.logFile, 'utf8');
		assert.match(console, /running training \/ 学習開始\n {2}num train images \* repeats \/ 学習画像の数×繰り返し回数: 6\n/);
		assert.match(console, /total optimization steps \/ 学習ステップ数: 12/);
		assert.match(console, /\rsteps: 100%\|██████████\| 12\/12 \[.*avr_loss=/);
		assert.match(console, /saving checkpoint: .*tr41n3r-000001\.safetensors/);
		const model = join(first, 'model');
		assert.ok(existsSync(join(model, 'tr41n3r-000001.safetensors')));
		const metadata = readSafetensorsMetadata(join(model, 'tr41n3r.safetensors'));
		assert.equal(metadata.ss_output_name, 'tr41n3r');
		assert.equal(metadata.ss_epoch, '2');
		assert.equal(metadata.ss_network_dim, '32');
		const runFiles = readdirSync(join(model, 'runs'));
		assert.equal(runFiles.length, 1, 'one run-file folder per run');
		assert.ok(existsSync(join(model, 'runs', runFiles[0], 'config.toml')));
		assert.ok(api.testing.trainer.runs.all.includes(run));
	});

	it('blocks in the preflight when a caption has a lint error', async () => {
		const api = await activateExtension();
		const before = api.testing.trainer.runs.all.length;
		const collection = vscode.languages.createDiagnosticCollection('lora-test-preflight');
		try {
			const caption = vscode.Uri.file(join(first, 'images', '2_tr41n3r woman', 'img_001.txt'));
			const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 7), 'unbalanced parenthesis', vscode.DiagnosticSeverity.Error);
			diagnostic.source = 'lora';
			collection.set(caption, [diagnostic]);
			const result = await train(first, false);
			assert.equal(result.started, false);
			assert.match(result.errors.join('\n'), /1 caption error\(s\) in Problems, e\.g\. images\/2_tr41n3r woman\/img_001\.txt:1: unbalanced parenthesis/);
			assert.equal(api.testing.trainer.runs.all.length, before, 'nothing was queued');
			// The ▶ on the folder in the Dataset view passes its tree node: the same command, the same checks.
			const fromTree = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', { kind: 'folder', root: first }, { skipConfirm: true });
			assert.equal(fromTree?.started, false);
			assert.deepEqual(fromTree?.errors, result.errors);
			assert.equal(api.testing.trainer.runs.all.length, before, 'nothing was queued from the tree either');
		} finally {
			collection.dispose();
		}
	});

	it('the confirmed plan is the plan that runs: the command checks once and hands that plan to its task', async () => {
		const api = await activateExtension();
		const counts = api.testing.trainer.preflight.checkCounts;
		const before = counts.get(first) ?? 0;
		const result = await train(first);
		assert.ok(result.plan, 'the preflight made a plan');
		assert.equal(result.run!.plan, result.plan, 'the run trains the plan the preflight checked');
		assert.equal(counts.get(first), before + 1, 'the checks ran once, not again in the task terminal');
		await result.run!.whenExited();
		assert.equal(result.run!.state, 'finished');
		assert.ok(existsSync(result.plan.files.configFile), 'the run files of that plan were written');
	});

	it('the lora train task run from the Tasks menu runs the same preflight and stops on a caption error', async () => {
		const api = await activateExtension();
		const runs = api.testing.trainer.runs;
		const before = runs.all.length;
		const counts = api.testing.trainer.preflight.checkCounts;
		const checked = counts.get(first) ?? 0;
		const collection = vscode.languages.createDiagnosticCollection('lora-test-task-preflight');
		const ended: { name: string; exitCode?: number }[] = [];
		const listeners = [
			vscode.tasks.onDidEndTaskProcess((e) => ended.push({ name: e.execution.task.name, exitCode: e.exitCode })),
			vscode.tasks.onDidEndTask((e) => ended.push({ name: e.execution.task.name })),
		];
		try {
			const caption = vscode.Uri.file(join(first, 'images', '2_tr41n3r woman', 'img_001.txt'));
			const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 7), 'unbalanced parenthesis', vscode.DiagnosticSeverity.Error);
			diagnostic.source = 'lora';
			collection.set(caption, [diagnostic]);
			const task = (await vscode.tasks.fetchTasks({ type: 'lora' })).find((t) => t.definition.action === 'train' && t.name === 'train tr41n3r');
			assert.ok(task, 'the provider offers the train task of the folder');
			await vscode.tasks.executeTask(task);
			await waitFor('the task to end', () => ended.some((e) => e.name === task.name && e.exitCode === undefined));
			assert.equal(counts.get(first), checked + 1, 'the task ran the preflight');
			assert.equal(runs.all.length, before, 'nothing was queued');
			const exit = ended.find((e) => e.name === task.name && e.exitCode !== undefined);
			assert.ok(!exit || exit.exitCode === 1, `the task failed (exit ${exit?.exitCode})`);
		} finally {
			listeners.forEach((l) => l.dispose());
			collection.dispose();
		}
	});

	it('the lora train task from the Tasks menu trains a folder that passes the preflight', async () => {
		const api = await activateExtension();
		const root = await makeFolder('t4skp4th');
		const counts = api.testing.trainer.preflight.checkCounts;
		const task = await waitFor('the provider to offer the folder', async () => (await vscode.tasks.fetchTasks({ type: 'lora' })).find((t) => t.definition.action === 'train' && t.name === 'train t4skp4th'));
		const started = new Promise<TrainingRun>((resolve) => {
			const listener = api.testing.trainer.tasks.onDidStartTaskRun((run) => { if (run.folderRoot === root) { listener.dispose(); resolve(run); } });
		});
		await vscode.tasks.executeTask(task);
		const run = await started;
		assert.equal(counts.get(root), 1, 'checked once, in the task');
		assert.deepEqual(await run.whenExited(), { code: 0, signal: null });
		assert.ok(existsSync(join(root, 'model', 't4skp4th.safetensors')));
	});

	it('512x768 body shots with buckets off: the preflight gives the exact crop, and its offer turns buckets on and trains that plan', async () => {
		const api = await activateExtension();
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 'b0dycr0p', {
			subsets: [{ repeats: 1, classTokens: 'b0dycr0p woman', images: 2, size: [512, 768], caption: () => 'b0dycr0p, 1girl, full body' }],
			settingsYaml: '# bucket offer test\ntrigger: b0dycr0p\nclass: woman\ntraining:\n  epochs: 1\n',
		});
		await api.services.trainingFolders.refresh(root);
		const checked = await api.testing.trainer.preflight.check(root);
		assert.deepEqual(checked.offers, ['enable-buckets']);
		assert.ok(checked.warnings.some((w) => w.includes('(512x768) keeps rows 128-640 of 768, cutting 128 px off the top and 128 px off the bottom')), checked.warnings.join('\n'));
		const result = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', root, { applyOffers: ['enable-buckets'] });
		assert.ok(result?.run, `trained (errors: ${result?.errors.join('; ')})`);
		assert.match(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8'), /^ {2}enableBucket: true$/m, 'the offer wrote the setting');
		assert.ok(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8').startsWith('# bucket offer test'), 'comments kept');
		assert.equal(result.plan?.settings.enableBucket, true, 'the plan that runs is the one checked after the change');
		assert.ok(!result.warnings.some((w) => w.startsWith('buckets are off')));
		assert.equal(result.run.plan, result.plan);
		assert.equal((await result.run.whenExited()).code, 0);
		assert.match(readFileSync(result.plan!.files.datasetConfigFile, 'utf8'), /enable_bucket = true/, 'the run files are written when the run starts');
	});

	it('a LyCORIS network module without LyCORIS installed stops in the preflight, naming the install', async () => {
		const api = await activateExtension();
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 'lyc0r1s', {
			subsets: [{ repeats: 1, classTokens: 'lyc0r1s woman', images: 2, size: [128, 128], caption: () => 'lyc0r1s, 1girl' }],
			settingsYaml: 'trigger: lyc0r1s\nclass: woman\ntraining:\n  epochs: 1\n  networkModule: lycoris.kohya\n  networkArgs: ["algo=locon"]\n',
		});
		process.env.LORA_STANDIN_MISSING = 'lycoris';
		try {
			const report = await api.testing.trainer.setup.report(true);
			assert.equal(report.items.find((i) => i.id === 'lycoris')?.ok, false, 'Check Trainer Setup lists LyCORIS as missing');
			assert.equal(report.ready, true, 'not needed for every training');
			const result = await train(root, false);
			assert.equal(result.started, false);
			assert.ok(result.errors.includes('training.networkModule lycoris.kohya needs LyCORIS, which is not installed in sd-scripts\' environment: pip install lycoris_lora there, or use networks.lora'), result.errors.join('\n'));
		} finally {
			delete process.env.LORA_STANDIN_MISSING;
			await api.testing.trainer.setup.report(true);
		}
	});

	it('the guided install never targets a training folder and types one command line that stops at the first failed step', async () => {
		const api = await activateExtension();
		const setup = api.testing.trainer.setup;
		setup.lastInstall = undefined;
		assert.equal(await vscode.commands.executeCommand('loraWorkbench.installSdScripts', join(first, 'images')), false, 'inside a training folder: refused');
		assert.equal(await vscode.commands.executeCommand('loraWorkbench.installSdScripts', first), false, 'the training folder itself: refused');
		assert.equal(setup.lastInstall, undefined, 'no terminal, nothing typed');
		const elsewhere = mkdtempSync(join(tmpdir(), 'guided-install-'));
		const opened = new Promise<vscode.Terminal>((resolve) => {
			const listener = vscode.window.onDidOpenTerminal((t) => { if (t.name === 'LoRA: install sd-scripts') { listener.dispose(); resolve(t); } });
		});
		assert.equal(await vscode.commands.executeCommand('loraWorkbench.installSdScripts', elsewhere), true);
		const terminal = await opened;
		const installed = setup.lastInstall as { folder: string; commandLine: string } | undefined;
		assert.equal(installed?.folder, elsewhere);
		assert.match(installed!.commandLine, /^git clone https:\/\/github\.com\/kohya-ss\/sd-scripts\.git && cd sd-scripts && python3 -m venv venv && /);
		terminal.dispose();
	});

	it('saveState writes state folders that the Checkpoints view lists; Resume from This State continues the run from there', async () => {
		const api = await activateExtension();
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 'r3sume', {
			subsets: [{ repeats: 2, classTokens: 'r3sume woman', images: 3, size: [128, 128], caption: () => 'r3sume, 1girl' }],
			settingsYaml: 'trigger: r3sume\nclass: woman\ntraining:\n  epochs: 3\n  saveState: true\n',
		});
		await api.services.trainingFolders.refresh(root);
		const initial = await train(root);
		assert.equal((await initial.run!.whenExited()).code, 0);
		const model = join(root, 'model');
		assert.ok(['r3sume-000001-state', 'r3sume-000002-state', 'r3sume-state'].every((d) => existsSync(join(model, d, 'train_state.json'))));
		const view = api.testing.checkpointsView;
		const states = (await folderNodes(view, root)).filter((n) => n.kind === 'state');
		assert.deepEqual(states.map((n) => (n.kind === 'state' ? n.state.name : '')), ['r3sume-state', 'r3sume-000002-state', 'r3sume-000001-state']);
		assert.equal(view.getTreeItem(states[2]).contextValue, 'checkpointState');

		const resume = await vscode.commands.executeCommand<string>('loraWorkbench.resumeFromState', states[2]);
		assert.equal(resume, 'model/r3sume-000001-state');
		assert.match(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8'), /^ {2}resume: model\/r3sume-000001-state$/m);
		const second = await train(root);
		assert.equal(second.plan?.settings.resume, 'model/r3sume-000001-state');
		assert.equal((await second.run!.whenExited()).code, 0);
		const console = readFileSync(second.run!.logFile, 'utf8');
		assert.match(console, /resume training from local state: model\/r3sume-000001-state/);
		assert.ok(!console.includes('epoch 1/3') && console.includes('epoch 2/3'), 'epoch 1 was not trained again');
		assert.ok(existsSync(join(model, 'r3sume-000001-state')), 'the state it resumed from stayed where training.resume points');
		assert.ok(existsSync(join(initial.plan!.files.runFilesDir, 'r3sume-000002-state')), 'the first run\'s other states moved into its run folder');
	});

	it('stopping the task kills the whole process tree', async () => {
		// Held after its first step, so the run is certainly still going when the task is terminated.
		const hold = holdTrainers();
		const executions: vscode.TaskExecution[] = [];
		const listener = vscode.tasks.onDidStartTask((e) => executions.push(e.execution));
		try {
			const result = await train(second);
			const run = result.run!;
			await waitFor('the trainer to print its first epoch', () => existsSync(run.logFile) && readFileSync(run.logFile, 'utf8').includes('epoch 1/2'));
			const pids = readdirSync(pidDir).map((name) => Number(name.replace('.pid', '')));
			assert.equal(pids.length, 2, 'accelerate and train_network.py both run');
			assert.ok(pids.every(alive));
			const execution = executions.find((e) => e.task.definition.type === 'lora');
			assert.ok(execution);
			execution.terminate();
			await run.whenExited();
			assert.equal(run.state, 'stopped');
			await waitFor('every stand-in process to be gone', () => pids.every((pid) => !alive(pid)));
			assert.ok(!existsSync(join(second, 'model', 's3c0nd.safetensors')), 'no final checkpoint from a stopped run');
		} finally {
			listener.dispose();
			await hold.dispose();
		}
	});

	it('a second training waits in the queue until the first is done', async () => {
		const api = await activateExtension();
		const runs = api.testing.trainer.runs;
		const hold = holdTrainers();
		try {
			const a = (await train(first)).run!;
			await waitFor('the first run to start', () => a.state === 'running', 120_000);
			const b = (await train(second)).run!;
			assert.equal(b.state, 'queued');
			assert.equal(runs.positionOf(b), 1);
			assert.equal(runs.active, a);
			await hold.release();
			await a.stop();
			await waitFor('the second run to start', () => b.state !== 'queued', 120_000);
			assert.ok(runs.active === b || b.exit !== undefined);
			const exit = await b.whenExited();
			assert.equal(exit.code, 0);
			assert.equal(a.state, 'stopped');
		} finally {
			await hold.dispose();
		}
	});

	it('a second training of the same folder waits in the queue as its own task, and the running one is untouched', async () => {
		const api = await activateExtension();
		const runs = api.testing.trainer.runs;
		const hold = holdTrainers();
		try {
			const a = await train(first);
			await waitFor('the first run to start', () => a.run!.state === 'running', 120_000);
			const b = await train(first);
			assert.ok(b.warnings.some((w) => /waits in the queue behind 1 training \(this folder is among them/.test(w)), b.warnings.join('\n'));
			assert.equal(b.run!.state, 'queued');
			assert.equal(runs.positionOf(b.run!), 1);
			assert.equal(runs.active, a.run, 'the running training was not terminated');
			// Each training is a task of its own: VS Code sees no "already active" task, so it never offers to terminate one.
			const executions = vscode.tasks.taskExecutions.filter((e) => e.task.definition.type === 'lora' && e.task.definition.action === 'train');
			assert.equal(executions.length, 2, executions.map((e) => e.task.name).join(', '));
			assert.notEqual(executions[0].task.definition.run, executions[1].task.definition.run);
			await hold.release();
			assert.deepEqual(await a.run!.whenExited(), { code: 0, signal: null });
			assert.deepEqual(await b.run!.whenExited(), { code: 0, signal: null });
			assert.equal(a.run!.state, 'finished');
			assert.equal(b.run!.state, 'finished');
			assert.notEqual(a.plan!.files.runFilesDir, b.plan!.files.runFilesDir, 'each run keeps its own run files');
		} finally {
			await hold.dispose();
		}
	});

	it('runs stay apart: a second run moves the first run\'s files into its run folder; Checkpoints and Compare Epochs show one run each', async () => {
		const api = await activateExtension();
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 'r3runs', {
			subsets: [{ repeats: 2, classTokens: 'r3runs woman', images: 3, size: [128, 128], caption: () => 'r3runs, 1girl' }],
			settingsYaml: 'trigger: r3runs\nclass: woman\ntraining:\n  epochs: 3\n  sample:\n    enabled: true\n    prompts: ["{trigger} {class}, portrait"]\n',
		});
		await api.services.trainingFolders.refresh(root);
		const model = join(root, 'model');
		const firstRun = await train(root);
		assert.equal((await firstRun.run!.whenExited()).code, 0);
		const firstRunDir = firstRun.plan!.files.runFilesDir;
		const view = api.testing.checkpointsView;
		const folder = api.services.trainingFolders.get(root)!;
		const epoch2 = (await view.allCheckpoints(folder)).find((n) => n.file.fileName === 'r3runs-000002.safetensors');
		assert.ok(epoch2, 'the first run wrote epoch 2');
		await vscode.commands.executeCommand('loraWorkbench.chooseCheckpoint', epoch2);

		// The second run is stopped in epoch 2 (held after its 7th step: epoch 1 saved and sampled, 6 steps an epoch).
		const hold = holdTrainers();
		process.env.LORA_STANDIN_HOLD_AT_STEP = '7';
		try {
			const second = await train(root);
			assert.ok(second.notes.some((n) => /3 checkpoints or state folders and 3 samples of the previous run named r3runs in model\/ move into that run's folder/.test(n)), second.notes.join('\n'));
			const run = second.run!;
			await waitFor('the second run to hold in epoch 2', () => existsSync(run.logFile) && readFileSync(run.logFile, 'utf8').includes('epoch 2/3'), 120_000);
			await waitFor('epoch 1 of the second run', () => existsSync(join(model, 'r3runs-000001.safetensors')));
			await run.stop();
			assert.equal(run.state, 'stopped');
			assert.equal(run.archived?.dir, firstRunDir, 'the first run\'s files went into its own run folder');
		} finally {
			await hold.dispose();
		}
		assert.deepEqual(readdirSync(firstRunDir).filter((n) => n.endsWith('.safetensors')).sort(), ['r3runs-000001.safetensors', 'r3runs-000002.safetensors', 'r3runs.safetensors']);
		assert.equal(readdirSync(join(firstRunDir, 'sample')).length, 3);
		assert.deepEqual(readdirSync(model).filter((n) => n.endsWith('.safetensors')), ['r3runs-000001.safetensors'], 'model/ holds only the latest run');
		assert.equal(readdirSync(join(model, 'sample')).length, 1);
		const settings = readFileSync(join(root, 'lora-workbench.yaml'), 'utf8');
		assert.match(settings, new RegExp(`chosen: runs/${basename(firstRunDir)}/r3runs-000002\\.safetensors`), 'the chosen epoch follows its file');

		// Checkpoints view: one node per run, never mixed.
		await api.services.trainingFolders.refresh(root);
		const runNodes = (await folderNodes(view, root)).filter((n) => n.kind === 'run');
		assert.equal(runNodes.length, 2);
		const files = async (node: (typeof runNodes)[number]) => (await view.getChildren(node)).map((n) => (n.kind === 'checkpoint' ? n.file.path : ''));
		assert.deepEqual(await files(runNodes[0]), [join(model, 'r3runs-000001.safetensors')]);
		assert.deepEqual((await files(runNodes[1])).sort(), ['r3runs-000001.safetensors', 'r3runs-000002.safetensors', 'r3runs.safetensors'].map((n) => join(firstRunDir, n)));
		const chosen = (await view.getChildren(runNodes[1])).find((n) => n.kind === 'checkpoint' && n.file.fileName === 'r3runs-000002.safetensors')!;
		assert.match(String(view.getTreeItem(chosen).description), /★ chosen/);
		const latestOne = (await view.getChildren(runNodes[0]))[0];
		assert.doesNotMatch(String(view.getTreeItem(latestOne).description), /chosen/);

		// Compare Epochs: the latest run's grid has its one epoch only; the earlier run's grid is its own.
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const latestGrid = await waitFor('the latest run\'s grid', () => compareGrid(api, root));
		assert.deepEqual(latestGrid.columns.map((c) => [c.label, c.checkpoint]), [['epoch 1', 'r3runs-000001.safetensors']]);
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', runNodes[1]);
		const earlierKey = `${root}\n${runNodes[1].kind === 'run' ? runNodes[1].run.key : ''}`;
		const earlierGrid = await waitFor('the earlier run\'s grid', () => compareGrid(api, earlierKey));
		assert.deepEqual(earlierGrid.columns.map((c) => [c.label, c.checkpoint]), [['epoch 1', 'r3runs-000001.safetensors'], ['epoch 2', 'r3runs-000002.safetensors'], ['epoch 3', 'r3runs.safetensors']]);
		assert.equal(earlierGrid.rows[0].prompt, 'r3runs woman, portrait', 'its prompts come from its own sample-prompts.txt');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('a queued training leaves the queue without ever starting when stopped', async () => {
		const api = await activateExtension();
		const hold = holdTrainers();
		try {
			const a = (await train(first)).run!;
			const b = (await train(second)).run!;
			assert.equal(b.state, 'queued');
			await b.stop();
			assert.equal(b.state, 'cancelled');
			assert.ok(!api.testing.trainer.runs.queued.includes(b));
			await a.stop();
			assert.equal(b.pid, undefined, 'its process was never started');
		} finally {
			await hold.dispose();
			await fs.rm(pidDir, { recursive: true, force: true });
		}
	});
});
