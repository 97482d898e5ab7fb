import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import { epochFileName, sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { activateExtension, waitFor } from '../support/extension';
import { PORTRAITS, guideFolderSpec, makeTrainingFolder, writeImage } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { WEBVIEW_FRAME, screenshot, waitForElement, waitForTheme } from '../support/screenshot';
import { compareGrid } from '../support/webviews';

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
});
