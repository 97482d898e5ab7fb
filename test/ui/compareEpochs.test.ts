import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import { epochFileName, sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { makeLikenessEpochsFolder } from '../support/likenessEpochs';
import { activateExtension, waitFor } from '../support/extension';
import { PORTRAITS, guideFolderSpec, makeTrainingFolder, writeImage } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { WEBVIEW_FRAME, countElements, elementRect, screenshot, waitForElement, waitForTheme } from '../support/screenshot';
import { compareGrid, compareLikeness } from '../support/webviews';

describe('compare epochs (UI)', () => {
	it('shows prompts by epochs with the chosen epoch marked', async () => {
		const root = await makeTrainingFolder(testWorkspace()!, 'compare-ui', guideFolderSpec());
		const modelDir = join(root, 'model');
		mkdirSync(join(modelDir, 'sample'), { recursive: true });
		for (let epoch = 1; epoch <= 4; epoch++) {
			writeFileSync(join(modelDir, epochFileName('3mm4w4ts0n', epoch)), encodeSafetensors({}, { ss_epoch: String(epoch) }));
			for (let promptIndex = 0; promptIndex < 3; promptIndex++) {
				await writeImage(join(modelDir, 'sample', sampleFileName('3mm4w4ts0n', { epoch, promptIndex, timestamp: '20261124120000', seed: 42 })),
					{ width: 256, height: promptIndex ? 384 : 256, photo: `people/${PORTRAITS[(epoch + promptIndex) % PORTRAITS.length]}`, format: 'png' });
			}
		}
		writeFileSync(join(root, 'lora-workbench.yaml'), [
			'trigger: 3mm4w4ts0n', 'class: woman', 'checkpoints:', '  chosen: 3mm4w4ts0n-000003.safetensors', 'training:', '  sample:', '    prompts:',
			'      - "3mm4w4ts0n woman, portrait, looking at viewer --w 512 --h 512 --d 1234"',
			'      - "3mm4w4ts0n woman, upper body, smiling, outdoors --w 512 --h 768 --d 5678"',
			'      - "3mm4w4ts0n woman, full body, standing, city street --w 512 --h 768 --d 42"', '',
		].join('\n'));
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const grid = await waitFor('the grid', () => compareGrid(api, root));
		assert.equal(grid.columns.length, 4);
		// Each sample is an <img> without a set size: it takes room on the page (visible) only once it has loaded.
		const samples = grid.rows.reduce((n, row) => n + Object.keys(row.cells).length, 0);
		for (let i = 0; i < samples; i++) {
			await waitForElement(`table.grid td img:not(.diff) >> nth=${i}`, WEBVIEW_FRAME);
		}
		await waitForElement('td.chosen', WEBVIEW_FRAME);
		await waitForTheme('light', WEBVIEW_FRAME);
		await screenshot('compare-epochs');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('draws the likeness and copying curves above the grid, the recommended epoch marked on both', async function () {
		this.timeout(300_000);
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		// Epoch 1 someone else, epoch 2 the person, epoch 3 half its samples a copy of a training picture.
		const { root } = await makeLikenessEpochsFolder(join(testWorkspace()!, 'compare-curves-ui'));
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const sent = await waitFor('the likeness scores', () => compareLikeness(api, root), 240_000);
		assert.equal(sent.reason, undefined);
		assert.equal(sent.likeness?.recommendation?.key, 'e2');
		assert.deepEqual(sent.likeness.columns.map((c) => c.copying), [0, 0, 0.5]);
		// The page drew what it was sent: copying per epoch in the curve's label, one dot where copying is, the mark on epoch 2.
		await waitForElement('svg.copying-curve[aria-label="Copying per epoch: epoch 1 0%, epoch 2 0%, epoch 3 50%"]', WEBVIEW_FRAME);
		assert.equal(await countElements('svg.copying-curve .copying-point', WEBVIEW_FRAME), 1);
		await waitForElement('svg.likeness-curve .recommended-mark circle', WEBVIEW_FRAME);
		const copyMark = await elementRect('svg.copying-curve .recommended-mark circle', WEBVIEW_FRAME);
		const copyPoint = await elementRect('svg.copying-curve .copying-point', WEBVIEW_FRAME);
		const likenessMark = await elementRect('svg.likeness-curve .recommended-mark circle', WEBVIEW_FRAME);
		assert.ok(copyPoint.x > copyMark.x, 'copying is after the recommended epoch');
		assert.ok(copyPoint.y < copyMark.y, 'the copying epoch is drawn higher than the recommended one, which copies nothing');
		assert.ok(likenessMark.x < copyMark.x, 'the likeness curve is the left one');
		// Both curves sit above the grid.
		const grid = await elementRect('table.grid', WEBVIEW_FRAME);
		assert.ok(copyMark.y < grid.y, `the curves (${copyMark.y}) are above the grid (${grid.y})`);
		await waitForTheme('light', WEBVIEW_FRAME);
		await screenshot('compare-epochs-curves');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
