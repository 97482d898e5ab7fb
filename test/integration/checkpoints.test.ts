import * as assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import { epochFileName, sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { activateExtension, waitFor } from '../support/extension';
import { guideFolderSpec, makeTrainingFolder, writeImage } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { compareGrid } from '../support/webviews';

function writeCheckpoint(modelDir: string, name: string, epoch: number): void {
	writeFileSync(join(modelDir, name), encodeSafetensors(
		{ 'lora_unet_mid_block_attentions_0_proj_in.lora_down.weight': { dtype: 'F32', shape: [1, 2], data: new Uint8Array(8) } },
		{ ss_output_name: '3mm4w4ts0n', ss_epoch: String(epoch), ss_network_dim: '32', ss_network_alpha: '32.0', ss_base_model_version: 'sd_v1' },
	));
}

describe('checkpoints and compare epochs', () => {
	let root: string;

	before(async () => {
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		root = await makeTrainingFolder(workspace!, 'ckpt-folder', guideFolderSpec());
		const modelDir = join(root, 'model');
		writeCheckpoint(modelDir, epochFileName('3mm4w4ts0n', 1), 1);
		writeCheckpoint(modelDir, epochFileName('3mm4w4ts0n', 2), 2);
		// An hour old, so the final checkpoint written by a test is the newest whatever the clock's resolution.
		const anHourAgo = new Date(Date.now() - 3_600_000);
		for (const epoch of [1, 2]) { utimesSync(join(modelDir, epochFileName('3mm4w4ts0n', epoch)), anHourAgo, anHourAgo); }
		mkdirSync(join(modelDir, 'sample'), { recursive: true });
		for (const epoch of [1, 2, 3]) {
			for (const promptIndex of [0, 1]) {
				await writeImage(join(modelDir, 'sample', sampleFileName('3mm4w4ts0n', { epoch, promptIndex, timestamp: `2026111${epoch}120000`, seed: 42 })),
					{ width: 128, height: 128, color: [epoch * 60, promptIndex * 100, 90], format: 'png' });
			}
		}
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	it('lists the epoch files newest first and updates when the trainer writes another', async () => {
		const api = await activateExtension();
		const view = api.testing.checkpointsView;
		const names = async () => {
			const top = await view.getChildren();
			const folderNode = top.find((n) => n.kind === 'folder' && n.folder.root === root);
			const children = folderNode ? await view.getChildren(folderNode) : top;
			return children.filter((n) => n.kind === 'checkpoint' && n.folder.root === root).map((n) => (n.kind === 'checkpoint' ? n.file.fileName : ''));
		};
		assert.deepEqual((await names()).sort(), ['3mm4w4ts0n-000001.safetensors', '3mm4w4ts0n-000002.safetensors']);
		writeCheckpoint(join(root, 'model'), '3mm4w4ts0n.safetensors', 3);
		const after = await waitFor('the final checkpoint to be listed', async () => {
			const list = await names();
			return list.includes('3mm4w4ts0n.safetensors') ? list : undefined;
		});
		assert.equal(after[0], '3mm4w4ts0n.safetensors', 'newest first');
	});

	it('fills the compare grid from model/sample and records the chosen epoch', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const grid = await waitFor('the grid to be sent to the webview', () => compareGrid(api, root));
		assert.deepEqual(grid.columns.map((c) => c.label), ['epoch 1', 'epoch 2', 'epoch 3']);
		assert.deepEqual(grid.columns.map((c) => c.checkpoint), ['3mm4w4ts0n-000001.safetensors', '3mm4w4ts0n-000002.safetensors', '3mm4w4ts0n.safetensors']);
		assert.equal(grid.rows.length, 2);
		assert.match(grid.rows[1].cells.e3.src, /e000003_01_/);
		await vscode.commands.executeCommand('loraWorkbench.chooseCheckpoint', (await api.testing.checkpointsView.getChildren({ kind: 'folder', folder: api.services.trainingFolders.get(root)! }))
			.find((n) => n.kind === 'checkpoint' && n.file.epoch === 2));
		const yaml = (await vscode.workspace.fs.readFile(vscode.Uri.file(join(root, 'lora-workbench.yaml')))).toString();
		assert.match(yaml, /checkpoints:\s*\n\s+chosen: 3mm4w4ts0n-000002\.safetensors/);
		assert.match(yaml, /^# LoRA Workbench settings/m, 'the existing comment survives');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('checks a sample-prompt file as sd-scripts reads it', async () => {
		await vscode.commands.executeCommand('loraWorkbench.newSamplePrompts', root);
		const uri = vscode.Uri.file(join(root, 'sample_prompts.txt'));
		const document = await vscode.workspace.openTextDocument(uri);
		assert.match(document.getText(), /^3mm4w4ts0n woman, portrait/m, 'the starter file puts the trigger word in every prompt');
		await waitFor('a clean starter file', () => vscode.languages.getDiagnostics(uri).length === 0 || undefined, 5000).catch(() => undefined);
		assert.deepEqual(vscode.languages.getDiagnostics(uri).map((d) => d.code), []);
		const edit = new vscode.WorkspaceEdit();
		edit.insert(uri, new vscode.Position(document.lineCount, 0), 'a woman on a beach --w 500 --s many\n');
		await vscode.workspace.applyEdit(edit);
		const codes = await waitFor('problems on the new line', () => {
			const found = vscode.languages.getDiagnostics(uri).map((d) => String(d.code)).sort();
			return found.length >= 3 ? found : undefined;
		});
		assert.deepEqual(codes, ['bad-number', 'bad-size', 'missing-trigger']);
		await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
	});
});
