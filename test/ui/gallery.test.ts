import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { captionEditor, galleryPanel } from '../support/webviews';
import { WEBVIEW_FRAME, click, clickIfPresent, expandSideBarRow, loadedFonts, pressKey, screenshot, selectedText, sideBarRow, waitForElement, webviewFrame } from '../support/screenshot';

/** Clicking a cell opens its caption editor beside the gallery: from then on two webviews are open, the gallery's first. */
const GALLERY_FRAME = webviewFrame(0);
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
		await waitForElement(sideBarRow('Tags', ':has-text("In every image")'));
		// Fold the other views so the Tags view has the height a person would give it.
		for (const view of ['Dataset', 'Checkpoints', 'Coverage']) {
			await clickIfPresent(`[id="workbench.parts.sidebar"] .pane-header[aria-expanded="true"]:has-text("${view}")`);
			await waitForElement(`[id="workbench.parts.sidebar"] .pane-header[aria-expanded="false"]:has-text("${view}")`);
		}
		// Other suites' folders are listed too (alphabetically, some before this one): collapse them all and open this
		// folder's groups by clicking its rows, as a person would.
		const severalFolders = (await activateExtension()).services.trainingFolders.folders().length > 1;
		const group = severalFolders ? '[aria-level="2"]' : '[aria-level="1"]';
		if (severalFolders) {
			await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.tags.collapseAll');
			await expandSideBarRow('Tags', '[aria-level="1"]:has-text("gallery-ui")');
		}
		await expandSideBarRow('Tags', `${group}:has-text("In every image")`);
		await expandSideBarRow('Tags', `${group}:has-text("Statistics")`);
		// The statistics lines are the group's children: on screen once the expansion is rendered.
		await waitForElement(sideBarRow('Tags', ':has-text("Face:body")'));
		const file = await screenshot('tags-view');
		assert.ok(existsSync(file) && statSync(file).size > 10_000);
	});

	it('shows the gallery with thumbnails, a filter error, and a filtered multi-selection', async () => {
		await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
		const panel = await waitFor('the gallery', async () => galleryPanel(await activateExtension(), root));
		await waitFor('the gallery webview', () => panel.webviewReady);
		await waitFor('thumbnails to be sent', () => {
			const sent = panel.sent.get('thumbnails') as { items: unknown[] } | undefined;
			return sent && sent.items.length > 0;
		});
		// The page's own acknowledgement: every cell of the first screen shows its decoded thumbnail.
		await waitFor('the thumbnails painted', () => panel.firstPaints.get('thumbnails'));
		assert.ok(existsSync(await screenshot('gallery')));

		const bad = await vscode.commands.executeCommand<{ error?: { column: number } }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND (smile OR' });
		assert.equal(bad.error?.column, 26);
		await waitForElement('div.error:not([hidden]) pre', WEBVIEW_FRAME);
		// The error's icon and the buttons' are codicons: the font must load from the page's written-in stylesheet.
		assert.ok((await loadedFonts(WEBVIEW_FRAME)).includes('codicon'), 'the codicon font is loaded in the gallery');
		assert.ok(existsSync(await screenshot('gallery-filter-error')));

		const good = await vscode.commands.executeCommand<{ paths: string[] }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND NOT smile' });
		assert.equal(good.paths.length, 6, 'images 2, 6, 8, 10, 12, 14');
		// The status line is written when the filtered grid is drawn; thumbnails have no set size, so a visible
		// sixth one means all six have loaded.
		await waitForElement('.status:text-is("6 of 18 images")', WEBVIEW_FRAME);
		await waitForElement('.cell .thumb img >> nth=5', WEBVIEW_FRAME);
		await click('.cell >> nth=0', WEBVIEW_FRAME);
		await waitForElement('.status:text-is("6 of 18 images · 1 selected")', GALLERY_FRAME);
		// The click also opens the image's caption editor beside the gallery (keeping the focus in the gallery).
		const api = await activateExtension();
		const captions = good.paths.map((path) => vscode.Uri.file(path.replace(/\.[^./]+$/, '.txt')));
		await waitFor('the caption editor beside the gallery, drawn', () => captions.some((uri) => {
			const session = captionEditor(api, uri);
			return session?.lastRendered !== undefined && session.firstPaint !== undefined;
		}));
		await pressKey('Shift+ArrowRight');
		await pressKey('Shift+ArrowRight');
		await waitForElement('.status:text-is("6 of 18 images · 3 selected")', GALLERY_FRAME);
		await waitForElement('.cell.selected >> nth=2', GALLERY_FRAME);
		assert.ok(existsSync(await screenshot('gallery-filtered-selected')));

		// Ctrl+A selects the images, also with the focus on the page rather than the grid, and never the page's text
		// (issue 19.9).
		await click('.status', GALLERY_FRAME);
		await pressKey('Control+a');
		await waitForElement('.status:text-is("6 of 18 images · 6 selected")', GALLERY_FRAME);
		assert.equal(await selectedText(GALLERY_FRAME), '', 'no page text selected');
		await pressKey('Escape');
		await waitForElement('.status:text-is("6 of 18 images")', GALLERY_FRAME);
		await pressKey('Control+a');
		await waitForElement('.status:text-is("6 of 18 images · 6 selected")', GALLERY_FRAME);
		assert.equal(await selectedText(GALLERY_FRAME), '', 'no page text selected');
		assert.ok(existsSync(await screenshot('gallery-select-all')));
	});
});
