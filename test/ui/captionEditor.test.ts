import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NeighboursChanged } from '../../src/core/protocol/captionEditor';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { captionEditor } from '../support/webviews';
import { WEBVIEW_FRAME, click, pressKey, screenshot, typeText, waitForElement, waitForTheme } from '../support/screenshot';

describe('caption editor (UI)', function () {
	this.timeout(180_000);

	after(async () => {
		await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('shows the photo beside its tag chips, the caption line and the filmstrip in dark, light and high-contrast themes', async () => {
		const root = await makeTrainingFolder(testWorkspace()!, 'caption-editor-ui', {
			subsets: [{
				repeats: 24, classTokens: '3mm4w4ts0n woman', images: 7, size: [512, 768], photos: true,
				caption: (i) => (i === 5 ? undefined : [
					'3mm4w4ts0n, 1girl, solo, smile, looking at viewer, short hair, suit, portrait, 1boy',
					'1girl, 3mm4w4ts0n, solo, long hair, smile',
					'3mm4w4ts0n, solo, looking at viewer',
					'3mm4w4ts0n, 1girl, solo, smile, short hair',
					'3mm4w4ts0n, solo, portrait',
					'',
					'3mm4w4ts0n, solo, looking at viewer, outdoors',
				][i]),
			}],
			settingsYaml: `trigger: 3mm4w4ts0n\nclass: woman\nlint:\n  vocabulary: ${JSON.stringify(sharedFixture('tags', 'selected_tags.csv'))}\n`,
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('workbench.action.closePanel');
		const uri = vscode.Uri.file(join(root, 'images', '24_3mm4w4ts0n woman', 'img_001.txt'));
		await vscode.commands.executeCommand('vscode.open', uri);
		const session = await waitFor('the caption editor', () => {
			const s = captionEditor(api, uri);
			return s?.lastRendered ? s : undefined;
		});
		await waitFor('the image preview and the filmstrip thumbnails', () =>
			session.image?.previewSrc
			&& session.posted.some((m) => m.type === 'neighbours' && (m as NeighboursChanged).neighbours.every((n) => n.thumbSrc)));
		// `1boy` on a woman is a class conflict for the linter: its chip carries the problem.
		await waitFor('a lint problem on a chip', () => session.posted.some((m) => (m.type === 'document' || m.type === 'init') && m.document.tags.some((t) => t.problems.length > 0)), 30_000);
		// On the page: the photo decoded and painted (the pane's `painted` message), the chip marked, every filmstrip thumbnail in place.
		await waitFor('the photo painted', () => session.firstPaint?.image === 'shown');
		await waitForElement('.chips .chip[class*="has-"]', WEBVIEW_FRAME);
		const neighbours = [...session.posted].reverse().find((m): m is NeighboursChanged => m.type === 'neighbours')!.neighbours;
		await waitForElement(`.filmstrip .thumb img >> nth=${neighbours.length - 1}`, WEBVIEW_FRAME);

		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
		await waitForTheme('dark', WEBVIEW_FRAME);
		const dark = await screenshot('caption-editor-dark');

		// Typing into the add field shows dataset tags (image counts) and vocabulary tags (post counts).
		await click('vscode-textfield.tag-input', WEBVIEW_FRAME);
		await typeText('lon');
		await waitFor('suggestions', () => session.posted.some((m) => m.type === 'suggestions'));
		// The list for the whole prefix: an answer to an earlier keystroke ("l", "lo") may be on screen first.
		await waitForElement('ul#tag-suggestions:has(li):not(:has(li:not(:has-text("lon"))))', WEBVIEW_FRAME);
		const suggestions = await screenshot('caption-editor-dark-autocomplete');

		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Light Modern', vscode.ConfigurationTarget.Global);
		await waitForTheme('light', WEBVIEW_FRAME);
		const light = await screenshot('caption-editor-light');
		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default High Contrast', vscode.ConfigurationTarget.Global);
		await waitForTheme('high-contrast', WEBVIEW_FRAME);
		const contrast = await screenshot('caption-editor-high-contrast');
		for (const file of [dark, suggestions, light, contrast]) {
			assert.ok(existsSync(file) && statSync(file).size > 30_000, `screenshot ${file} was written`);
		}
	});

	it('steps to the next image in the same tab with Alt+PageDown, and Ctrl+Z undoes a tag removed there (issue 19.8)', async () => {
		const root = await makeTrainingFolder(testWorkspace()!, 'caption-editor-steps-ui', {
			subsets: [{
				repeats: 24, classTokens: '3mm4w4ts0n woman', images: 3, size: [512, 768], photos: true,
				caption: (i) => ['3mm4w4ts0n, solo, smile', '3mm4w4ts0n, solo, red scarf, outdoors', '3mm4w4ts0n, solo, portrait'][i],
			}],
			settingsYaml: 'trigger: 3mm4w4ts0n\nclass: woman\n',
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		const caption = (n: number) => vscode.Uri.file(join(root, 'images', '24_3mm4w4ts0n woman', `img_00${n}.txt`));
		await vscode.commands.executeCommand('vscode.open', caption(1));
		const first = await waitFor('the caption editor on img_001.txt, its neighbours prepared', () => {
			const s = captionEditor(api, caption(1));
			return s?.firstPaint && s.posted.some((m) => m.type === 'prefetch') ? s : undefined;
		});
		assert.equal(first.firstPaint?.image, 'shown');
		await click('.chips .chip >> nth=0', WEBVIEW_FRAME);

		await pressKey('Alt+PageDown');
		const second = await waitFor('img_002.txt painted in the same editor', () => {
			const s = captionEditor(api, caption(2));
			return s?.firstPaint?.image === 'shown' ? s : undefined;
		});
		const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
		assert.deepEqual(tabs.map((t) => t.label), ['img_002.txt'], 'one tab, titled after the caption shown');
		await waitForElement('.chip-label:text-is("red scarf")', WEBVIEW_FRAME);

		await click('.chip-remove[aria-label="Remove red scarf"]', WEBVIEW_FRAME);
		// Saved with the edit: a dirty file that no editor shows gets a background tab of its own from VS Code (issue 19.8).
		await waitFor('"red scarf" removed and saved', async () => second.document.getText() === '3mm4w4ts0n, solo, outdoors' && !second.document.isDirty
			&& await fs.readFile(caption(2).fsPath, 'utf8') === '3mm4w4ts0n, solo, outdoors');
		assert.equal(vscode.window.tabGroups.all.flatMap((g) => g.tabs).length, 1, `one tab after the removal: ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label))}`);
		await pressKey('Control+z');
		await waitFor('Ctrl+Z to put "red scarf" back on img_002.txt, saved', async () => second.document.getText() === '3mm4w4ts0n, solo, red scarf, outdoors' && !second.document.isDirty
			&& await fs.readFile(caption(2).fsPath, 'utf8') === '3mm4w4ts0n, solo, red scarf, outdoors');
		await waitForElement('.chip-label:text-is("red scarf")', WEBVIEW_FRAME);
		const describeTabs = () => JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => [t.label, t.input instanceof vscode.TabInputCustom ? `custom ${t.input.uri.path}` : t.input instanceof vscode.TabInputText ? `text ${t.input.uri.toString()}` : 'other']));
		assert.equal(vscode.window.tabGroups.all.flatMap((g) => g.tabs).length, 1, `still one tab: ${describeTabs()}`);
		const shot = await screenshot('caption-editor-stepped');
		assert.ok(existsSync(shot) && statSync(shot).size > 30_000, `screenshot ${shot} was written`);
		assert.equal((await vscode.workspace.openTextDocument(caption(1))).isDirty, false, 'img_001.txt untouched');
		await vscode.commands.executeCommand('workbench.action.files.revert');
	});
});
