import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import type { GalleryPanel } from '../../src/providers/gallery/galleryPanel';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { click, pressKey, screenshot, sleep } from '../support/screenshot';

const FRAME = 'iframe.webview.ready >> internal:control=enter-frame >> iframe#active-frame';
const HAIR = ['blonde hair', 'blonde hair', 'brown hair', 'blonde_hair', 'black hair', 'blonde hair'];
const MOOD = ['smile', 'looking at viewer', 'smile', 'open mouth', 'smile', 'closed eyes'];

describe('tags view and gallery (UI)', () => {
	let root: string;

	before(async () => {
		root = await makeTrainingFolder(testWorkspace()!, 'gallery-ui', {
			subsets: [
				{ repeats: 24, classTokens: 'gl9ry woman', images: 14, size: [768, 768], photos: true, caption: (i) => `gl9ry, 1girl, ${HAIR[i % 6]}, ${MOOD[i % 6]}, portrait${i === 3 ? ', smile, glasses' : ''}` },
				{ repeats: 12, classTokens: 'gl9ry woman body', images: 4, size: [512, 768], caption: (i) => `gl9ry, 1girl, full body, ${i % 2 ? 'red dress, necklace' : 'jeans'}, standing` },
			],
			settingsYaml: 'trigger: gl9ry\nclass: woman\nsubsets:\n  images/24_gl9ry woman:\n    role: face\n  images/12_gl9ry woman body:\n    role: body\ncoverage:\n  costumes: [red dress]\n',
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('shows the Tags view with counts, the groups and the statistics', async () => {
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		await vscode.commands.executeCommand('loraWorkbench.tags.focus');
		await sleep(1200);
		// Fold the other views so the Tags view has the height a person would give it.
		for (const view of ['Dataset', 'Checkpoints', 'Coverage']) {
			await click(`[id="workbench.parts.sidebar"] .pane-header[aria-expanded="true"]:has-text("${view}")`).catch(() => undefined);
		}
		await sleep(500);
		await click('[id="workbench.parts.sidebar"] .monaco-list-row:has-text("In every image")').catch(() => undefined);
		await sleep(300);
		await click('[id="workbench.parts.sidebar"] .monaco-list-row:has-text("Statistics")').catch(() => undefined);
		await sleep(800);
		const file = await screenshot('tags-view');
		assert.ok(existsSync(file) && statSync(file).size > 10_000);
	});

	it('shows the gallery with thumbnails, a filter error, and a filtered multi-selection', async () => {
		await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
		const panel = await vscode.commands.executeCommand<GalleryPanel>('loraWorkbench.galleryTestHook', root);
		await waitFor('the gallery webview', () => panel.webviewReady);
		await waitFor('thumbnails to be sent', () => {
			const sent = panel.sent.get('thumbnails') as { items: unknown[] } | undefined;
			return sent && sent.items.length > 0;
		});
		await sleep(2000);
		assert.ok(existsSync(await screenshot('gallery')));

		const bad = await vscode.commands.executeCommand<{ error?: { column: number } }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND (smile OR' });
		assert.equal(bad.error?.column, 26);
		await sleep(800);
		assert.ok(existsSync(await screenshot('gallery-filter-error')));

		const good = await vscode.commands.executeCommand<{ paths: string[] }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND NOT smile' });
		assert.equal(good.paths.length, 6, 'images 2, 6, 8, 10, 12, 14');
		await sleep(1500);
		await click('.cell >> nth=0', FRAME);
		await sleep(500);
		await pressKey('Shift+ArrowRight');
		await pressKey('Shift+ArrowRight');
		await sleep(1500);
		assert.ok(existsSync(await screenshot('gallery-filtered-selected')));
	});
});
