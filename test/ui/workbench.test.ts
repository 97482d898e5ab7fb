import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension } from '../support/extension';
import { screenshot, waitForElement } from '../support/screenshot';

describe('workbench (UI)', () => {
	it('shows the LoRA view container', async () => {
		await activateExtension();
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		// The container's views are in the side bar, and their content (tree rows, or a welcome text) is drawn.
		await waitForElement('[id="workbench.parts.sidebar"] .pane-header:has-text("Dataset")');
		await waitForElement('[id="workbench.parts.sidebar"] .pane-body :is(.monaco-list-row, .welcome-view-content):visible');
		const file = await screenshot('workbench-lora-container');
		assert.ok(existsSync(file) && statSync(file).size > 10_000, `screenshot ${file} was written`);
	});
});
