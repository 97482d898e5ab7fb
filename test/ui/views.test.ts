import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { guideFolderSpec, makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { galleryPanel } from '../support/webviews';
import { click, clickIfPresent, expandSideBarRow, pressKey, screenshot, sideBarRow, waitForElement } from '../support/screenshot';

describe('LoRA views (UI)', () => {
	it('shows the Dataset, Coverage and Checkpoints views for a training folder', async () => {
		const spec = guideFolderSpec();
		spec.subsets[0].images = 6;
		const root = await makeTrainingFolder(testWorkspace()!, 'views-ui', spec);
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		await vscode.commands.executeCommand('loraWorkbench.dataset.focus');
		// Expand this folder and its face subset the way a person would: by clicking the rows. Other suites' folders
		// have a subset of the same name, so they are collapsed first and this folder's row is opened by its name.
		await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.dataset.collapseAll');
		await expandSideBarRow('Dataset', '[aria-level="1"]:has-text("views-ui")');
		await expandSideBarRow('Dataset', '[aria-level="2"]:has-text("24_3mm4w4ts0n woman")');
		await waitForElement(sideBarRow('Dataset', '[aria-level="3"]:has-text("img_001.jpg")'));
		await vscode.commands.executeCommand('loraWorkbench.coverage.focus');
		// The tree draws only the rows in sight: with a dozen folders listed, fold the Tags view (the tallest) so this
		// folder's Coverage row is drawn at all.
		await clickIfPresent('[id="workbench.parts.sidebar"] .pane-header[aria-expanded="true"]:has-text("Tags")');
		// With several folders (the other suites' ones) Coverage lists them: collapse them all and open this one.
		await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.coverage.collapseAll');
		const images = spec.subsets.reduce((n, s) => n + s.images, 0);
		const severalFolders = api.services.trainingFolders.folders().length > 1;
		const folderRow = severalFolders ? '[aria-level="2"]' : '[aria-level="1"]';
		if (severalFolders) {
			// The list draws only the rows in sight, and another suite's folder row can open again after the collapse (its
			// head-pose measurement finishing refreshes it), pushing this folder's row out of sight: then fold them all again.
			for (let attempt = 1; ; attempt++) {
				try {
					await waitForElement(sideBarRow('Coverage', '[aria-level="1"]:has-text("views-ui")'), undefined, 15_000);
					break;
				} catch (err) {
					if (attempt >= 4) { throw err; }
					await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.coverage.collapseAll');
				}
			}
			await expandSideBarRow('Coverage', '[aria-level="1"]:has-text("views-ui")');
		}
		// The count is matched whole: another folder's "18 images" must not pass for "8 images".
		await expandSideBarRow('Coverage', `${folderRow}:has-text("all subsets"):has(:text-is("${images} images"))`);
		await waitForElement(sideBarRow('Coverage', ':has-text("framing")'));
		// A coverage group runs "Show Images": the folder's gallery opens, filtered to the group's tags. Rows move
		// while the views fill in, so a click that landed elsewhere is made again.
		for (let attempt = 1; ; attempt++) {
			await click(sideBarRow('Coverage', ':has-text("framing")'), undefined, 10_000).catch(() => undefined);
			try {
				await waitFor('the gallery of the framing group, filtered and painted', async () => {
					const panel = galleryPanel(api, root);
					const filtered = panel?.sent.get('filtered') as { expression: string } | undefined;
					return panel?.firstPaints.has('thumbnails') && filtered?.expression.includes('portrait');
				}, 15_000);
				break;
			} catch (err) {
				if (attempt >= 5) { throw err; }
			}
		}
		await pressKey('Escape');
		const file = await screenshot('views-dataset-coverage');
		assert.ok(existsSync(file));
	});
});
