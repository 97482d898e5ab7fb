import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension } from '../support/extension';
import { guideFolderSpec, makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { click, pressKey, screenshot, sleep } from '../support/screenshot';

describe('LoRA views (UI)', () => {
	it('shows the Dataset, Coverage and Checkpoints views for a training folder', async () => {
		const spec = guideFolderSpec();
		spec.subsets[0].images = 6;
		const root = await makeTrainingFolder(testWorkspace()!, '3mm4w4ts0n', spec);
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		await vscode.commands.executeCommand('loraWorkbench.dataset.focus');
		await sleep(1500);
		// Expand the face subset and the coverage groups the way a person would: by clicking the rows.
		await click('.monaco-list-row:has-text("24_3mm4w4ts0n woman")').catch(() => undefined);
		await sleep(500);
		await vscode.commands.executeCommand('loraWorkbench.coverage.focus');
		await sleep(800);
		await click('[id="workbench.parts.sidebar"] .monaco-list-row:has-text("all subsets")').catch(() => undefined);
		await sleep(500);
		await click('[id="workbench.parts.sidebar"] .monaco-list-row:has-text("framing")').catch(() => undefined);
		await sleep(800);
		await pressKey('Escape');
		await sleep(300);
		const file = await screenshot('views-dataset-coverage');
		assert.ok(existsSync(file));
	});
});
