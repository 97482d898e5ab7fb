import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WatchableRun } from '../../src/trainer/runHistory';
import { makeLikenessEpochsFolder } from '../support/likenessEpochs';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { WEBVIEW_FRAME, click, screenshot, waitForElement, waitForTheme } from '../support/screenshot';
import { lossPanel } from '../support/webviews';
import { runningTrainingBlock, tqdmFrame } from '../unit/fixtures/trainerTranscript';

/** A TrainingRun-shaped object fed with sd-scripts' console formats (see test/integration/trainingWatch.test.ts). */
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
	end(code: number): void { this.exit.fire({ code, signal: null }); }
}

describe('loss panel (UI)', () => {
	it('shows the live loss curve with epoch marks and the status bar mid-run', async () => {
		const api = await activateExtension();
		const watch = api.testing.trainingWatch;
		const root = await makeTrainingFolder(testWorkspace() ?? '/tmp', 'ui-3mm4w4ts0n', {
			subsets: [{ repeats: 24, classTokens: '3mm4w4ts0n woman', images: 1, size: [128, 128] }],
			settingsYaml: 'trigger: 3mm4w4ts0n\n',
		});
		const run = new ScriptedRun(root, '3mm4w4ts0n');
		const watched = watch.history.watch(run);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		await waitFor('the loss panel', () => lossPanel(api)?.lastInit);
		run.print(runningTrainingBlock({ images: 300, batchesPerEpoch: 150, epochs: 10, total: 1500 }));
		// a person LoRA's loss: noisy around a slowly falling level, scaled so avr_loss is 0.102 at step 540
		const raw = (step: number) => 0.09 + 0.05 * Math.exp(-step / 250) + 0.04 * Math.sin(step * 1.7) * Math.sin(step * 0.31);
		let total = 0;
		for (let step = 1; step <= 540; step++) { total += raw(step); }
		const scale = 0.102 / (total / 540);
		let sum = 0;
		let text = '';
		for (let step = 1; step <= 540; step++) {
			if ((step - 1) % 150 === 0) {
				text += `\nepoch ${Math.floor((step - 1) / 150) + 1}/10\n`;
			}
			sum += raw(step) * scale;
			text += `\r${tqdmFrame(step, 1500, 0.325, sum / step)}`;
			if (step % 150 === 0) {
				// a validation pass at each epoch's end (validation_split > 0): its own series on the chart
				text += `\n\r${tqdmFrame(4, 4, 0.1, undefined, 'validation steps', `, val_avg_loss=${(sum / step * 1.1).toFixed(4)}, timestep=500`)}\n`;
			}
			// Fed in chunks as a trainer prints them, with no pause between: the watcher parses each chunk as it
			// arrives and the panel batches the points on its own timer, so nothing here needs time to pass.
			if (step % 20 === 0) {
				run.print(text);
				text = '';
			}
		}
		assert.equal(watch.statusItem.visibleText, '$(sync~spin) 3mm4w4ts0n · epoch 4/10 · 540/1500 · loss 0.102 · 5:12 left');
		await waitFor('every point posted', () => (lossPanel(api)?.postedPoints.get(watched.id)?.length ?? 0) >= 540);
		// The chart writes how many steps it draws on its box after each redraw.
		await waitForElement('.chart[data-points="540"] .uplot', WEBVIEW_FRAME);
		const file = await screenshot('loss-panel-mid-run');
		assert.ok(existsSync(file) && statSync(file).size > 10_000, `screenshot ${file} was written`);
		run.end(0);
	});

	it('overlays the likeness curve at each epoch\'s end step once the toggle is on, and computes nothing before', async function () {
		this.timeout(300_000);
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		// Epoch 1 someone else, epoch 2 the person, epoch 3 half its samples a copy of a training picture.
		const { root } = await makeLikenessEpochsFolder(join(testWorkspace() ?? '/tmp', 'ui-loss-likeness'));
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		const watch = api.testing.trainingWatch;
		const run = new ScriptedRun(root, 'ohwx');
		const watched = watch.history.watch(run);
		await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
		await waitFor('the loss panel', () => lossPanel(api)?.lastInit);
		await watch.lossPanel()!.select([watched.id]);
		// Three epochs of 50 steps: epoch 2 begins after step 50, epoch 3 after step 100, the run ends at 150.
		run.print(runningTrainingBlock({ images: 100, batchesPerEpoch: 50, epochs: 3, total: 150 }));
		let text = '';
		for (let step = 1; step <= 150; step++) {
			if ((step - 1) % 50 === 0) {
				text += `\nepoch ${Math.floor((step - 1) / 50) + 1}/3\n`;
			}
			text += `\r${tqdmFrame(step, 150, 0.3, 0.12 - step * 0.0002)}`;
		}
		run.print(text);
		await waitFor('every point posted', () => (lossPanel(api)?.postedPoints.get(watched.id)?.length ?? 0) >= 150);
		await waitForElement('.chart[data-points="150"] .uplot', WEBVIEW_FRAME);
		assert.deepEqual(lossPanel(api)!.likenessOverlays, [], 'nothing is computed while the toggle is off');
		await click('.likeness-toggle input', WEBVIEW_FRAME);
		const overlay = await waitFor('the likeness overlay', () => lossPanel(api)!.likenessOverlays.find((o) => o.runId === watched.id && o.points.length > 0), 240_000);
		assert.equal(overlay.note, undefined, overlay.note);
		assert.deepEqual(overlay.points.map((p) => `${p.key}@${p.step}`), ['e1@50', 'e2@100', 'e3@150'], 'each epoch at the step it ended');
		assert.equal(overlay.recommended, 'e2');
		assert.ok(overlay.points[0].median > overlay.alikeBelow! && overlay.points[1].median < overlay.alikeBelow!, JSON.stringify(overlay.points));
		// The page drew what it was sent, on the likeness axis, with the recommended epoch marked.
		const drawn = overlay.points.map((p) => `${p.key}@${p.step}=${p.median.toFixed(2)}${p.key === 'e2' ? '*' : ''}`).join(' ');
		await waitForElement(`.chart[data-likeness="${drawn}"] .uplot`, WEBVIEW_FRAME);
		await waitForElement('.u-legend th:has-text("likeness")', WEBVIEW_FRAME);
		await waitForTheme('light', WEBVIEW_FRAME);
		await screenshot('loss-panel-likeness');
		// A run ticked while the toggle is on gets its overlay too; a folder without samples says why there is no curve.
		const bare = await makeTrainingFolder(testWorkspace() ?? '/tmp', 'ui-loss-likeness-bare', {
			subsets: [{ repeats: 10, classTokens: 'ohwx man', images: 1, size: [128, 128] }],
			settingsYaml: 'trigger: ohwx\n',
		});
		await api.services.trainingFolders.refresh(bare);
		const second = watch.history.watch(new ScriptedRun(bare, 'ohwx'));
		await watch.lossPanel()!.select([watched.id]); // a new run is ticked when it starts: untick it to tick it below
		await watch.lossPanel()!.select([watched.id, second.id]);
		const secondOverlay = await waitFor('the second run\'s overlay', () => lossPanel(api)!.likenessOverlays.find((o) => o.runId === second.id), 120_000);
		assert.deepEqual(secondOverlay.points, []);
		assert.ok(secondOverlay.note, 'says why there is no curve');
		await waitForElement(`.warnings div:has-text(${JSON.stringify(secondOverlay.note!.slice(0, 40))})`, WEBVIEW_FRAME);
		await watch.lossPanel()!.select([watched.id]);
		// Off again: the curve goes, and the host is told (a new epoch does not make a report).
		await click('.likeness-toggle input', WEBVIEW_FRAME);
		await waitForElement('.chart[data-likeness=""] .uplot', WEBVIEW_FRAME);
		run.end(0);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
