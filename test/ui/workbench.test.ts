import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension } from '../support/extension';
import { screenshot, sleep } from '../support/screenshot';

describe('workbench (UI)', () => {
	it('shows the LoRA view container', async () => {
		await activateExtension();
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		await sleep(1500);
		const file = await screenshot('workbench-lora-container');
		assert.ok(existsSync(file) && statSync(file).size > 10_000, `screenshot ${file} was written`);
	});
});
