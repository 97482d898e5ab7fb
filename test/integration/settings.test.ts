import * as assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';

describe('lora-workbench.yaml training settings in the editor', function () {
	this.timeout(120_000);
	let settings: vscode.Uri;

	before(async () => {
		await activateExtension();
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 's3tt1ngs', {
			subsets: [{ repeats: 2, classTokens: 's3tt1ngs woman', images: 1, size: [128, 128], caption: () => 's3tt1ngs, 1girl' }],
			settingsYaml: 'trigger: s3tt1ngs\nclass: woman\ntraining:\n  epoch: 3\n  batchSize: two\n  \n',
		});
		settings = vscode.Uri.file(join(root, 'lora-workbench.yaml'));
	});

	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('bad values are in Problems on their lines, and kohya\'s epoch: has a quick fix to epochs:', async () => {
		// Before the file is opened: read from disk for the training folder.
		const onDisk = await waitFor('the settings problems of the closed file', () => {
			const found = vscode.languages.getDiagnostics(settings).filter((d) => d.code === 'settings/unknown-key');
			return found.length > 0 && found;
		});
		assert.deepEqual([onDisk[0].range.start.line, onDisk[0].range.start.character, onDisk[0].range.end.character], [3, 2, 7]);
		const document = await vscode.workspace.openTextDocument(settings);
		await vscode.window.showTextDocument(document);
		const diagnostics = await waitFor('the settings problems', () => {
			const found = vscode.languages.getDiagnostics(settings).filter((d) => String(d.code).startsWith('settings/'));
			return found.length >= 2 && found;
		});
		const epoch = diagnostics.find((d) => d.code === 'settings/unknown-key');
		assert.ok(epoch);
		assert.equal(document.getText(epoch.range), 'epoch');
		assert.equal(epoch.range.start.line, 3);
		assert.equal(epoch.source, 'lora');
		const batch = diagnostics.find((d) => d.code === 'settings/bad-value');
		assert.equal(batch && document.getText(batch.range), 'two');

		const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', settings, epoch.range);
		const rename = actions.find((a) => a.title === 'Rename to epochs');
		assert.ok(rename?.edit, `actions: ${actions.map((a) => a.title).join(', ')}`);
		assert.ok(await vscode.workspace.applyEdit(rename.edit));
		assert.match(document.getText(), /^ {2}epochs: 3$/m);
		await waitFor('the unknown key to leave Problems', () => !vscode.languages.getDiagnostics(settings).some((d) => d.code === 'settings/unknown-key'));
		await document.save();
	});

	it('completes the training keys with their sd-scripts help, without a YAML extension', async () => {
		const document = await vscode.workspace.openTextDocument(settings);
		const line = document.getText().split('\n').findIndex((l) => l === '  ');
		assert.ok(line > 0, 'the empty line under training:');
		const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', settings, new vscode.Position(line, 2));
		const networkDim = list.items.find((i) => i.label === 'networkDim');
		assert.ok(networkDim, 'networkDim is offered');
		assert.match(String((networkDim.documentation as vscode.MarkdownString).value), /network_dim/);
		assert.ok(!list.items.some((i) => i.label === 'epochs'), 'a key already there is not offered again');
	});
});
