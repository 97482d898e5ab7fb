import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ImageChanged, NeighboursChanged } from '../../src/core/protocol/captionEditor';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { click, screenshot, sleep, typeText } from '../support/screenshot';

const WEBVIEW_FRAME = 'iframe.webview.ready >> internal:control=enter-frame >> iframe#active-frame';

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
			const s = api.testing.captionEditor.session(uri);
			return s?.lastRendered ? s : undefined;
		});
		await waitFor('the image preview and the filmstrip thumbnails', () =>
			session.posted.some((m) => m.type === 'image' && (m as ImageChanged).image.previewSrc)
			&& session.posted.some((m) => m.type === 'neighbours' && (m as NeighboursChanged).neighbours.every((n) => n.thumbSrc)));
		// `1boy` on a woman is a class conflict for the linter: its chip carries the problem.
		await waitFor('a lint problem on a chip', () => session.posted.some((m) => (m.type === 'document' || m.type === 'init') && m.document.tags.some((t) => t.problems.length > 0)), 30_000);

		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
		await sleep(2500);
		const dark = await screenshot('caption-editor-dark');

		// Typing into the add field shows dataset tags (image counts) and vocabulary tags (post counts).
		await click('vscode-textfield.tag-input', WEBVIEW_FRAME);
		await typeText('lon');
		await waitFor('suggestions', () => session.posted.some((m) => m.type === 'suggestions'));
		await sleep(800);
		const suggestions = await screenshot('caption-editor-dark-autocomplete');

		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Light Modern', vscode.ConfigurationTarget.Global);
		await sleep(2500);
		const light = await screenshot('caption-editor-light');
		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default High Contrast', vscode.ConfigurationTarget.Global);
		await sleep(2500);
		const contrast = await screenshot('caption-editor-high-contrast');
		for (const file of [dark, suggestions, light, contrast]) {
			assert.ok(existsSync(file) && statSync(file).size > 30_000, `screenshot ${file} was written`);
		}
	});
});
