import * as assert from 'node:assert/strict';
import { existsSync, statSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { testWorkspace, sharedFixture } from '../support/paths';
import { WEBVIEW_FRAME, screenshot, waitForElement, waitForTheme } from '../support/screenshot';

describe('cropper (UI)', function () {
	this.timeout(120_000);
	it('shows the face crop proposal over a real photo', async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		const root = join(testWorkspace()!, 'cropper-ui');
		const faceDir = join(root, 'images', '10_3mm4w4ts0n woman');
		await fs.mkdir(faceDir, { recursive: true });
		await fs.writeFile(join(root, 'lora-workbench.yaml'), 'trigger: 3mm4w4ts0n\nclassWord: woman\nsubsets:\n  images/10_3mm4w4ts0n woman:\n    role: face\n');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('workbench.action.closePanel');
		const sources = ['obama3.jpg', 'two_people.jpg', 'biden.jpg'].map((n) => vscode.Uri.file(sharedFixture('photos', 'people', n)));
		await vscode.commands.executeCommand('loraWorkbench.importImages', faceDir, sources);
		const panel = await waitFor('the cropper', () => api.testing.images.cropper());
		assert.equal(panel.items.length, 3);
		// The picture has no set size: it is visible once loaded, and its load event places the box on it.
		await waitForElement('.stage img.picture', WEBVIEW_FRAME);
		await waitForElement('.stage .box', WEBVIEW_FRAME);
		await waitForElement('.status .state:has-text("Proposal")', WEBVIEW_FRAME);
		await waitForElement(`.strip .thumb img >> nth=${panel.items.length - 1}`, WEBVIEW_FRAME);
		await waitForTheme('light', WEBVIEW_FRAME);
		const file = await screenshot('cropper');
		assert.ok(existsSync(file) && statSync(file).size > 20_000, `screenshot ${file} was written`);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
