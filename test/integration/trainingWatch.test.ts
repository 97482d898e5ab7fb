import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WatchableRun } from '../../src/trainer/runHistory';
import type { TrainResult } from '../../src/trainer/trainCommand';
import type { WorkbenchApi } from '../../src/extension';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { repoRoot, testWorkspace } from '../support/paths';
import { lossPanel } from '../support/webviews';
import { richRecord, runningTrainingBlock, tqdmFrame } from '../unit/fixtures/trainerTranscript';

/**
 * Closes the loss panel by its tab, as a user does; once VS Code has told the extension host of the tab, which can be
 * after the panel's state went out (the panel sends it before its page loads).
 */
async function closeLossPanelTab(api: WorkbenchApi): Promise<void> {
	const tab = await waitFor('the loss panel\'s tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Loss Curves'));
	await vscode.window.tabGroups.close(tab);
	await waitFor('the panel to close', () => api.testing.trainingWatch.lossPanel() === undefined);
}

/**
 * A TrainingRun-shaped object fed with sd-scripts' console formats: exact control over every line (the stand-in
 * trainer below covers the real process path through the trainer's run queue, `api.testing.trainer.runs`).
 */
class ScriptedRun implements WatchableRun {
	private readonly output = new vscode.EventEmitter<string>();
	private readonly exit = new vscode.EventEmitter<{ code: number | null; signal: string | null }>();
	readonly onDidOutput = this.output.event;
	readonly onDidExit = this.exit.event;
	readonly outputDir: string;
	readonly logDir: string;
	constructor(readonly folderRoot: string, readonly outputName: string) {
		this.outputDir = join(folderRoot, 'model');
		this.logDir = join(folderRoot, 'log');
	}
	print(text: string): void { this.output.fire(text); }
	end(code: number | null, signal: string | null = null): void { this.exit.fire({ code, signal }); }
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('watching a training', () => {
	let root: string;

	before(async () => {
		// A loss panel another suite left open keeps its runs selected; these tests start from a new one.
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		root = await makeTrainingFolder(testWorkspace() ?? '/tmp', 'watch-3mm4w4ts0n', {
			subsets: [{ repeats: 24, classTokens: '3mm4w4ts0n woman', images: 2, size: [256, 256], caption: () => '3mm4w4ts0n, 1girl' }],
			settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
		});
	});

	it('status bar follows the run, the loss panel receives every point, the history comes back from disk', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const run = new ScriptedRun(root, '3mm4w4ts0n');
		const watched = watch.history.watch(run);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		const panel = await waitFor('the loss panel to be ready', () => lossPanel(api)?.lastInit && lossPanel(api));
		assert.deepEqual(panel.selectedRuns, [watched.id], 'the live run is shown');
		assert.equal(watch.statusItem.visibleText, '$(sync~spin) 3mm4w4ts0n · starting…');

		run.print(runningTrainingBlock({ images: 96, batchesPerEpoch: 10, epochs: 3, total: 30 }));
		run.print(`\r${tqdmFrame(0, 30, 0.5)}`);
		for (let epoch = 1; epoch <= 3; epoch++) {
			run.print(`\nepoch ${epoch}/3\n`);
			for (let b = 1; b <= 10; b++) {
				const step = (epoch - 1) * 10 + b;
				run.print(`\r${tqdmFrame(step, 30, 0.5, 0.2 - step / 500)}`);
				await tick();
			}
			if (epoch === 2) {
				assert.equal(watch.statusItem.visibleText, '$(sync~spin) 3mm4w4ts0n · epoch 2/3 · 20/30 · loss 0.16 · 0:05 left');
				run.print(`\n\nsaving checkpoint: ${root}/model/3mm4w4ts0n-000002.safetensors\n`);
			}
		}
		run.print(`\n\nsaving checkpoint: ${root}/model/3mm4w4ts0n.safetensors\n`);
		run.print(richRecord('model saved.'));
		run.end(0);
		await watch.history.whenWritten(watched.id);
		assert.equal(watch.statusItem.visibleText, '$(check) 3mm4w4ts0n · finished · epoch 3/3 · 30/30 · loss 0.14');
		const posted = await waitFor('every point to reach the panel', () => {
			const steps = panel.postedPoints.get(watched.id) ?? [];
			return steps.length >= 31 && steps;
		});
		assert.deepEqual([...new Set(posted)], Array.from({ length: 31 }, (_, i) => i), 'steps 0..30, each posted');
		assert.ok(existsSync(watched.historyFile), `history written to ${watched.historyFile}`);

		// a reload: the panel closes, the run is no longer in memory, only its history file is left
		await closeLossPanelTab(api);
		watch.history.forget(watched.id);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		const reopened = await waitFor('the reopened panel', () => lossPanel(api)?.lastInit && lossPanel(api));
		const init = reopened.lastInit!;
		const stored = init.runs.find((r) => r.id === watched.id);
		assert.ok(stored, `the run is listed from disk: ${JSON.stringify(init.runs.map((r) => r.id))}`);
		assert.equal(stored.status, 'finished');
		assert.equal(stored.source, 'history');
		assert.deepEqual(init.selected, [watched.id]);
		const series = init.series[0];
		assert.deepEqual(series.steps, Array.from({ length: 31 }, (_, i) => i));
		assert.deepEqual(series.epochs.map((e) => [e.epoch, e.step]), [[1, 0], [2, 10], [3, 20]]);
		assert.ok(Math.abs((series.avrLoss[20] ?? 0) - 0.16) < 1e-9);
	});

	it('a new loss panel is sent its state before its page asks; a page VS Code reloads asks again and gets it', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await waitFor('no loss panel', () => api.testing.trainingWatch.lossPanel() === undefined);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		const panel = await waitFor('the new loss panel to paint its chart', () => lossPanel(api)?.firstPaint && lossPanel(api));
		assert.ok(panel.firstInitAt !== undefined && panel.readyAt !== undefined && panel.firstInitAt < panel.readyAt, 'the init went out before the page said ready');
		assert.equal(panel.initsPosted, 1, 'the page\'s first ready asked for nothing more');
		await panel.receive({ type: 'ready' });
		assert.equal(panel.initsPosted, 2, 'a page that says ready again (VS Code reloaded it) gets its state again');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('a crash wrapped by accelerate reports the real error in Problems and a notification', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const run = new ScriptedRun(root, '3mm4w4ts0n');
		const watched = watch.history.watch(run);
		run.print(`\nepoch 1/3\n\r${tqdmFrame(1, 30, 0.5, 0.2)}\r${tqdmFrame(2, 30, 0.5, 0.19)}\n`);
		run.print('Traceback (most recent call last):\n  File "/sd-scripts/train_network.py", line 1516, in train\n    accelerator.backward(loss)\n');
		run.print('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 8.00 GiB of which 1.10 GiB is free.\n');
		run.print('Traceback (most recent call last):\n  File "/venv/bin/accelerate", line 8, in <module>\n    sys.exit(main())\n');
		run.print("subprocess.CalledProcessError: Command '['/venv/bin/python', 'train_network.py']' returned non-zero exit status 1.\n");
		run.end(1);
		const settings = vscode.Uri.file(join(root, 'lora-workbench.yaml'));
		const diagnostics = await waitFor('the error in Problems', () => {
			const found = vscode.languages.getDiagnostics(settings).filter((d) => d.source === 'lora' && String(d.code).startsWith('training/'));
			return found.length > 0 && found;
		});
		assert.equal(diagnostics.length, 1, 'accelerate repeating the error adds no second entry');
		assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
		assert.match(diagnostics[0].message, /^torch\.OutOfMemoryError: CUDA out of memory/);
		assert.match(diagnostics[0].message, /train_batch_size/);
		assert.equal(diagnostics[0].code, 'training/cuda-oom');
		assert.match(watch.problems.notifications.at(-1) ?? '', /CUDA out of memory/);
		assert.equal(watch.statusItem.visibleText, '$(error) 3mm4w4ts0n · failed: CUDA out of memory · epoch 1/3 · 2/30 · loss 0.19');
		assert.equal(watched.status, 'failed');
	});

	it('validation loss is its own series; after a reload the panel serializer brings the run back from disk', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const run = new ScriptedRun(root, '3mm4w4ts0n');
		const watched = watch.history.watch(run);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		const panel = await waitFor('the loss panel', () => lossPanel(api)?.lastInit && lossPanel(api));
		await waitFor('the new run to be shown', () => panel.selectedRuns.includes(watched.id));
		run.print(runningTrainingBlock({ images: 16, batchesPerEpoch: 4, epochs: 2, total: 8 }));
		run.print('\nepoch 1/2\n');
		for (let step = 1; step <= 4; step++) {
			run.print(`\r${tqdmFrame(step, 8, 0.5, 0.2 - step / 100)}`);
		}
		// sd-scripts' validation bars (reference §6): the pass ends when n reaches the bar's total
		run.print(`\n\r${tqdmFrame(1, 2, 0.1, undefined, 'validation steps', ', val_avg_loss=0.3, timestep=500')}\r${tqdmFrame(2, 2, 0.1, undefined, 'validation steps', ', val_avg_loss=0.123, timestep=500')}\n`);
		run.print('\nepoch 2/2\n');
		for (let step = 5; step <= 8; step++) {
			run.print(`\r${tqdmFrame(step, 8, 0.5, 0.15 - step / 100)}`);
		}
		run.print(`\n\r${tqdmFrame(2, 2, 0.1, undefined, 'epoch validation steps', ', val_epoch_avg_loss=0.111, timestep=500')}\n`);
		run.print(richRecord('model saved.'));
		run.end(0);
		await watch.history.whenWritten(watched.id);
		const posted = await waitFor('the validation points in the panel', () => (panel.postedValLoss.get(watched.id)?.length ?? 0) >= 2 && panel.postedValLoss.get(watched.id));
		assert.deepEqual(posted, [[4, 0.123], [8, 0.111]]);

		// A window reload: the panel is gone, the run only on disk; VS Code hands the saved webview state to the serializer.
		await closeLossPanelTab(api);
		watch.history.forget(watched.id);
		const restored = vscode.window.createWebviewPanel('loraWorkbench.lossPanel', 'Loss Curves', vscode.ViewColumn.Beside, {});
		const revived = watch.revivePanel(restored, { selected: [watched.id], smoothing: 0.4, showLoss: true });
		const init = await waitFor('the revived panel to be initialised', () => lossPanel(api)?.lastInit);
		assert.equal(watch.lossPanel(), revived);
		assert.deepEqual(init.selected, [watched.id], 'the runs it showed before the reload');
		const series = init.series[0];
		assert.deepEqual(series.steps, [1, 2, 3, 4, 5, 6, 7, 8]);
		assert.deepEqual(series.valLoss, [null, null, null, 0.123, null, null, null, 0.111]);
		const manifest = JSON.parse(await fs.readFile(join(repoRoot(), 'package.json'), 'utf8')) as { activationEvents: string[] };
		assert.ok(manifest.activationEvents.includes('onWebviewPanel:loraWorkbench.lossPanel'), 'a reload activates the extension to revive the panel');
	});

	it('No data found with exit code 0 is a failure; a new run clears the old problems', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const run = new ScriptedRun(root, '3mm4w4ts0n');
		const watched = watch.history.watch(run);
		const settings = vscode.Uri.file(join(root, 'lora-workbench.yaml'));
		assert.equal(vscode.languages.getDiagnostics(settings).filter((d) => String(d.code).startsWith('training/')).length, 0, 'the previous run\'s problems are gone');
		run.print(richRecord('No data found. Please verify arguments (train_data_dir must be the parent of folders with images) / 画像がありません', { level: 'ERROR' }));
		run.end(0);
		await watch.history.whenWritten(watched.id);
		await waitFor('no-data in Problems', () => vscode.languages.getDiagnostics(settings).some((d) => d.code === 'training/no-data'));
		assert.equal(watched.status, 'failed');
		assert.match(watch.statusItem.visibleText ?? '', /^\$\(error\) 3mm4w4ts0n · failed: no data found/);
		const history = await fs.readFile(watched.historyFile, 'utf8');
		assert.match(history, /"code":"no-data"/);
	});
});

describe('watching a training with the stand-in trainer', function () {
	this.timeout(300_000);
	const standin = () => join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');
	let root: string;

	before(async () => {
		await activateExtension();
		root = await makeTrainingFolder(testWorkspace() ?? '/tmp', 'w4tch', {
			subsets: [{ repeats: 2, classTokens: 'w4tch woman', images: 3, size: [128, 128], caption: () => 'w4tch, 1girl' }],
			settingsYaml: 'trigger: w4tch\nclass: woman\ntraining:\n  epochs: 2\n',
		});
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', standin(), vscode.ConfigurationTarget.Global);
		process.env.LORA_STANDIN_STEP_SECONDS = '0.05';
	});

	after(async () => {
		delete process.env.LORA_STANDIN_STEP_SECONDS;
		delete process.env.LORA_STANDIN_FAIL;
		await vscode.workspace.getConfiguration('loraWorkbench').update('sdScriptsPath', undefined, vscode.ConfigurationTarget.Global);
	});

	it('follows a real run: status bar, every step to the loss panel, history on disk', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		const panel = await waitFor('the loss panel', () => lossPanel(api)?.lastInit && lossPanel(api));
		const seen: string[] = [];
		const listener = watch.history.onDidUpdate(() => { if (watch.statusItem.visibleText) { seen.push(watch.statusItem.visibleText); } });
		const result = await vscode.commands.executeCommand<{ run?: { whenExited(): Promise<unknown>; logFile: string } }>('loraWorkbench.trainLora', root, { skipConfirm: true });
		assert.ok(result?.run, 'the training started');
		await result.run.whenExited();
		listener.dispose();
		const watched = watch.history.all.find((r) => r.run === (result.run as unknown));
		assert.ok(watched, 'the run is watched through services.trainingRuns');
		await watch.history.whenWritten(watched.id);
		assert.ok(seen.some((t) => /^\$\(sync~spin\) w4tch · epoch 2\/2 · \d+\/12 · loss [\d.]+ · \d+:\d\d left$/.test(t)), `status texts seen: ${seen.slice(-3).join(' | ')}`);
		assert.match(watch.statusItem.visibleText ?? '', /^\$\(check\) w4tch · finished · epoch 2\/2 · 12\/12 · loss /);
		const posted = await waitFor('the points', () => (panel.postedPoints.get(watched.id)?.length ?? 0) >= 12 && panel.postedPoints.get(watched.id));
		assert.deepEqual([...new Set(posted)].filter((s) => s > 0), Array.from({ length: 12 }, (_, i) => i + 1));
		assert.equal(watched.progress.checkpoints.length, 2);
	});

	it('the learning rate arrives live from the run\'s TensorBoard file, and comes back after a reload', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		// The stand-in pauses after step 6 until the test releases it: "live" is checked while the run is
		// held mid-way, not by racing a fast trainer.
		const releaseFile = join(root, 'release-the-trainer');
		process.env.LORA_STANDIN_HOLD_AT_STEP = '6';
		process.env.LORA_STANDIN_RELEASE_FILE = releaseFile;
		try {
			await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
			const panel = await waitFor('the loss panel', () => lossPanel(api)?.lastInit && lossPanel(api));
			const whileHeld: number[] = [];
			const listener = watch.history.onDidUpdate(({ run, points, source }) => {
				if (source === 'tensorboard' && run.status === 'running' && !existsSync(releaseFile)) {
					whileHeld.push(...points.filter((p) => typeof p.lr === 'number').map((p) => p.step));
				}
			});
			const result = await vscode.commands.executeCommand<{ run?: { whenExited(): Promise<unknown> } }>('loraWorkbench.trainLora', root, { skipConfirm: true });
			assert.ok(result?.run, 'the training started');
			await waitFor('lr points from the TensorBoard file while the run is held at step 6', () => whileHeld.length > 0, 120_000);
			await fs.writeFile(releaseFile, '');
			await result.run.whenExited();
			listener.dispose();
			const watched = watch.history.all.find((r) => r.run === (result.run as unknown));
			assert.ok(watched);
			await watch.history.whenWritten(watched.id);
			assert.ok(whileHeld.every((step) => step >= 1 && step <= 6), `lr points arrived while training (steps ${whileHeld.join(', ')}), before the run went past step 6`);
			const lr = await waitFor('every lr point in the panel', () => (panel.postedLr.get(watched.id)?.length ?? 0) >= 12 && panel.postedLr.get(watched.id));
			assert.deepEqual(lr.map(([step]) => step), Array.from({ length: 12 }, (_, i) => i + 1));
			assert.ok(lr.every(([, value]) => Math.abs(value - 1e-4) < 1e-9), `the guide's constant 1e-4 (float32 in the file): ${lr[0][1]}`);
			assert.equal(watched.series.lrTag, 'lr/unet');
			const history = await fs.readFile(watched.historyFile, 'utf8');
			assert.match(history, /"type":"tensorboard","dir":"[^"]*w4tch-\d{14}"/);

			await closeLossPanelTab(api);
			watch.history.forget(watched.id);
			watch.revivePanel(vscode.window.createWebviewPanel('loraWorkbench.lossPanel', 'Loss Curves', vscode.ViewColumn.Beside, {}), { selected: [watched.id] });
			const init = await waitFor('the revived panel', () => lossPanel(api)?.lastInit);
			const series = init.series.find((s) => s.id === watched.id);
			assert.ok(series, 'the run is shown again');
			assert.equal(series.lr.filter((v) => v !== null).length, 12, 'lr read back through the TensorBoard folder the history names');
			assert.equal(series.loss.filter((v) => v !== null).length, 12, 'and the step loss (loss/current)');
			assert.ok(!init.runs.some((r) => r.source === 'tensorboard' && r.location.includes(`${join(root, 'log')}/w4tch-`)), 'its TensorBoard folder is part of the run, not listed as another run');
		} finally {
			delete process.env.LORA_STANDIN_HOLD_AT_STEP;
			delete process.env.LORA_STANDIN_RELEASE_FILE;
			await fs.rm(releaseFile, { force: true });
		}
	});

	it('a stand-in OOM crash shows the real error in Problems, on the console log', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		process.env.LORA_STANDIN_FAIL = 'oom';
		try {
			const result = await vscode.commands.executeCommand<{ run?: { whenExited(): Promise<unknown>; logFile: string } }>('loraWorkbench.trainLora', root, { skipConfirm: true });
			assert.ok(result?.run);
			await result.run.whenExited();
			const logUri = vscode.Uri.file(result.run.logFile);
			const diagnostics = await waitFor('the OOM in Problems', () => {
				const found = vscode.languages.getDiagnostics(logUri).filter((d) => d.code === 'training/cuda-oom');
				return found.length > 0 && found;
			});
			assert.match(diagnostics[0].message, /^torch\.OutOfMemoryError: CUDA out of memory/);
			assert.ok(diagnostics[0].range.start.line > 0, 'placed on the line of the console log that says it');
			assert.match(watch.statusItem.visibleText ?? '', /^\$\(error\) w4tch · failed: CUDA out of memory/);
		} finally {
			delete process.env.LORA_STANDIN_FAIL;
		}
	});

	it('"No data found" (sd-scripts exits 0) is a failure in the terminal, the task and the status bar alike', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const ended: { exitCode: number | undefined }[] = [];
		const listener = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution.task.definition.type === 'lora') { ended.push({ exitCode: e.exitCode }); } });
		process.env.LORA_STANDIN_FAIL = 'nodata';
		try {
			const result = await vscode.commands.executeCommand<TrainResult>('loraWorkbench.trainLora', root, { skipConfirm: true });
			assert.ok(result?.run);
			const run = result.run;
			const exit = await run.whenExited();
			assert.equal(exit.code, 0, 'the trainer itself exits 0');
			assert.equal(run.state, 'failed', 'the run is failed');
			assert.equal(run.failure?.code, 'no-data');
			const code = await waitFor('the task to end with its exit code', () => ended[0]);
			assert.equal(code.exitCode, 1, 'the task ends with exit code 1 (a cross, not a tick)');
			assert.match(watch.statusItem.visibleText ?? '', /^\$\(error\) w4tch · failed: no data found/);
			const terminal = api.testing.trainer.tasks.terminalNotices(run);
			assert.match(terminal ?? '', /LoRA Workbench: training failed \(exit code 0\): No data found/, 'the terminal says failed, not finished');
			assert.doesNotMatch(terminal ?? '', /training finished/);
		} finally {
			listener.dispose();
			delete process.env.LORA_STANDIN_FAIL;
		}
	});
});
