import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { encodeSafetensors } from '../../src/core/checkpoints/safetensors';
import { epochFileName, sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { activateExtension, waitFor } from '../support/extension';
import { PORTRAITS, makeTrainingFolder, writeImage } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { WEBVIEW_FRAME, click, countElements, elementTexts, expandSideBarRow, pageEvents, screenshot, sideBarRow, waitForElement } from '../support/screenshot';
import { captionEditor, compareGrid, cropper, galleryPanel, healthView } from '../support/webviews';

/**
 * Issue 20, "Webviews": captions, tag names, file names and sample prompts are user data. Each panel shows them as
 * text: the literal characters are on the page, no element is made from them, and no script of theirs runs (the
 * launcher records the page's and its frames' console, uncaught errors and dialogs; the webviews' CSP would also
 * log a refused inline handler or image there).
 */

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '<script>alert(2)</script>';
const BOLD = '<b>bold</b>';
const CAPTION = `${IMG}, 3mm4w4ts0n, ${SCRIPT}`;
/** An image file named with HTML (a name may hold anything but `/` and NUL on Linux). */
const HOSTILE_STEM = '<img src=x onerror=alert(3)>';
const HOSTILE_IMAGE = `${HOSTILE_STEM}.jpg`;
/** The source the cropper is given (Import Images): another hostile name, outside the training folder. */
const HOSTILE_SOURCE = '<img src=x onerror=alert(5)> "quoted" & <i>.jpg';
const PROMPT = '<img src=x onerror=alert(4)> 3mm4w4ts0n woman, <b>bold</b> portrait';
const SUBSET = '10_3mm4w4ts0n woman';
/** Named to sort after the other suites' folders: in the side bar views it pushes none of their rows down. */
const FOLDER = 'zz-user-data-ui';

/** Elements that only user data rendered as HTML would make in a webview (the panels make no `b`, `i` or `script` of their own). */
const MADE_IN_WEBVIEW = ['img[src="x"]', '#root script', '#root b', '#root i'];
/** The same in the workbench's side bar rows. */
const MADE_IN_SIDE_BAR = ['img[src="x"]', '.monaco-list-row script', '.monaco-list-row b', '.monaco-list-row i'].map((s) => `[id="workbench.parts.sidebar"] ${s}`);

/** A Playwright `:has-text()` with the literal text quoted. */
function hasText(text: string): string {
	return `:has-text(${JSON.stringify(text)})`;
}

/** The header of the LoRA side bar view `view`; `expanded`: 'false' when folded. */
function paneHeader(view: string, expanded?: 'true' | 'false'): string {
	return `[id="workbench.parts.sidebar"] .pane-header${expanded ? `[aria-expanded="${expanded}"]` : ''}${hasText(view)}`;
}

/** Asserts some element matching `selector` (in `frame`) has exactly `text` in its textContent. */
async function assertShownAsText(selector: string, text: string, frame?: string): Promise<void> {
	const texts = await elementTexts(selector, frame);
	assert.ok(texts.some((t) => t.includes(text)), `"${text}" is on the page as text in ${selector}; found ${JSON.stringify(texts)}`);
}

/** Asserts no element was made from user data in the webview `frame`, or (no frame) in the side bar. */
async function assertNothingMadeFromHtml(frame?: string): Promise<void> {
	for (const selector of frame ? MADE_IN_WEBVIEW : MADE_IN_SIDE_BAR) {
		assert.equal(await countElements(selector, frame), 0, `no ${selector} element made from user data`);
	}
}

/** What would show that a script of user data ran, or that the page tried to run one and the CSP refused it. */
const SCRIPT_SIGNS = /alert|onerror|Refused to (execute|load|apply)|Content Security Policy|sandboxed|allow-modals/i;

/** Asserts nothing the page logged, threw or showed since `mark` shows a script of user data. */
async function assertNoScriptRan(mark: number, panel: string): Promise<void> {
	const { events } = await pageEvents(mark);
	const dialogs = events.filter((e) => e.kind === 'dialog');
	assert.deepEqual(dialogs, [], `${panel}: no dialog was shown`);
	const signs = events.filter((e) => SCRIPT_SIGNS.test(e.text));
	assert.deepEqual(signs, [], `${panel}: nothing on the console shows a script of user data`);
	const errors = events.filter((e) => e.kind === 'pageerror');
	assert.deepEqual(errors, [], `${panel}: no uncaught script error`);
}

describe('user data shown as text, never as HTML (UI, issue 20)', function () {
	this.timeout(180_000);
	let root: string;
	let subset: string;

	before(async () => {
		// The face model from ../shared, as the other image suites use: no download is tried.
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		root = await makeTrainingFolder(testWorkspace()!, FOLDER, {
			subsets: [{ repeats: 10, classTokens: '3mm4w4ts0n woman', images: 3, size: [512, 512], photos: true, caption: (i) => (i === 1 ? `${CAPTION}, ${BOLD}` : `${CAPTION}, smile`) }],
			settingsYaml: [
				'trigger: 3mm4w4ts0n', 'class: woman', 'subsets:', `  images/${SUBSET}:`, '    role: face', 'training:', '  sample:', '    prompts:',
				`      - ${JSON.stringify(`${PROMPT} --w 512 --h 512 --d 1234`)}`,
				'      - "3mm4w4ts0n woman, upper body --w 512 --h 512 --d 42"', '',
			].join('\n'),
		});
		subset = join(root, 'images', SUBSET);
		// Too small for the face target: Dataset Health lists it, by name.
		await writeImage(join(subset, HOSTILE_IMAGE), { width: 384, height: 288, photo: `people/${PORTRAITS[3]}` });
		writeFileSync(join(subset, `${HOSTILE_STEM}.txt`), `${CAPTION}, ${BOLD}`);
		// Checkpoints and their samples for Compare Epochs.
		const modelDir = join(root, 'model');
		mkdirSync(join(modelDir, 'sample'), { recursive: true });
		for (let epoch = 1; epoch <= 2; epoch++) {
			writeFileSync(join(modelDir, epochFileName('3mm4w4ts0n', epoch)), encodeSafetensors({}, { ss_epoch: String(epoch) }));
			for (let promptIndex = 0; promptIndex < 2; promptIndex++) {
				await writeImage(join(modelDir, 'sample', sampleFileName('3mm4w4ts0n', { epoch, promptIndex, timestamp: '20261124120000', seed: 42 })),
					{ width: 256, height: 256, photo: `people/${PORTRAITS[(epoch + promptIndex) % PORTRAITS.length]}`, format: 'png' });
			}
		}
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	afterEach(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('caption editor: the caption\'s tags and the file name are text on the chips and the header', async () => {
		const mark = (await pageEvents()).next;
		const api = await activateExtension();
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('workbench.action.closePanel');
		const uri = vscode.Uri.file(join(subset, `${HOSTILE_STEM}.txt`));
		await vscode.commands.executeCommand('vscode.open', uri);
		const session = await waitFor('the caption editor', () => {
			const s = captionEditor(api, uri);
			return s?.lastRendered ? s : undefined;
		});
		assert.equal(session.lastRendered?.tagCount, 4);
		// The four chips, the header and the picture drawn; then what they show.
		await waitForElement('.chips .chip >> nth=3', WEBVIEW_FRAME);
		await waitForElement('.file-name', WEBVIEW_FRAME);
		await waitFor('the picture painted', () => session.firstPaint);
		await waitForElement('.image-info', WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		await assertNoScriptRan(mark, 'caption editor');
		for (const tag of [IMG, SCRIPT, BOLD]) {
			await assertShownAsText('.chips .chip', tag, WEBVIEW_FRAME);
		}
		await assertShownAsText('.file-name', HOSTILE_STEM, WEBVIEW_FRAME);
		await assertShownAsText('.image-info', HOSTILE_IMAGE, WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		const file = await screenshot('user-data-caption-editor');
		assert.ok(existsSync(file) && statSync(file).size > 20_000);
		await assertNoScriptRan(mark, 'caption editor');
	});

	it('gallery: file names are text under the thumbnails, captions text in their tooltips', async () => {
		const mark = (await pageEvents()).next;
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
		const panel = await waitFor('the gallery', () => galleryPanel(api, root));
		await waitFor('the thumbnails painted', () => panel.firstPaints.get('thumbnails'));
		await waitForElement(`.cell .name${hasText(HOSTILE_IMAGE)}`, WEBVIEW_FRAME);
		await assertShownAsText('.cell .name', HOSTILE_IMAGE, WEBVIEW_FRAME);
		// The caption is the cell's tooltip: an attribute holding the characters, not markup.
		assert.equal(await countElements(`.cell[title*=${JSON.stringify(`${IMG}, 3mm4w4ts0n, ${SCRIPT}, ${BOLD}`)}]`, WEBVIEW_FRAME), 2);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		const file = await screenshot('user-data-gallery');
		assert.ok(existsSync(file) && statSync(file).size > 20_000);
		// A tag with HTML as the gallery's filter (the Tags view's "Show in Gallery").
		await vscode.commands.executeCommand('loraWorkbench.showTagInGallery', { root, tag: BOLD });
		await waitForElement('.status:text-is("2 of 4 images")', WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		await screenshot('user-data-gallery-filtered');
		await assertNoScriptRan(mark, 'gallery');
	});

	it('Tags view: tag names are the rows\' text', async () => {
		const mark = (await pageEvents()).next;
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		// The views as the suites before left them are put back at the end: the next suites need their heights.
		await waitForElement(paneHeader('Tags'));
		const tagsWasFolded = await countElements(paneHeader('Tags', 'false')) > 0;
		await vscode.commands.executeCommand('loraWorkbench.tags.focus');
		// Fold the other LoRA views so the Tags view has the height for its rows.
		const folded: string[] = [];
		for (const view of ['Dataset', 'Checkpoints', 'Coverage']) {
			if (await countElements(paneHeader(view, 'true')) > 0) {
				await click(paneHeader(view, 'true'));
				await waitForElement(paneHeader(view, 'false'));
				folded.push(view);
			}
		}
		try {
			await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.tags.collapseAll');
			// Other suites' folders are in the workspace too: then this folder is a row of its own, opened by a click.
			const folderRow = sideBarRow('Tags', hasText(FOLDER));
			await waitForElement(`${folderRow}, ${sideBarRow('Tags', hasText('All tags'))}`);
			if (await countElements(folderRow) > 0) {
				await expandSideBarRow('Tags', hasText(FOLDER));
			}
			await expandSideBarRow('Tags', hasText('All tags'));
			for (const tag of [IMG, SCRIPT, BOLD]) {
				await waitForElement(sideBarRow('Tags', hasText(tag)));
				await assertShownAsText(sideBarRow('Tags'), tag);
			}
			await assertNothingMadeFromHtml();
			const file = await screenshot('user-data-tags-view');
			assert.ok(existsSync(file) && statSync(file).size > 10_000);
		} finally {
			await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.tags.collapseAll');
			for (const view of folded) {
				await click(paneHeader(view, 'false'));
				await waitForElement(paneHeader(view, 'true'));
			}
			if (tagsWasFolded) {
				await click(paneHeader('Tags', 'true'));
				await waitForElement(paneHeader('Tags', 'false'));
			}
		}
		await assertNoScriptRan(mark, 'Tags view');
	});

	it('Dataset Health: a file name with HTML is text on its card', async () => {
		const mark = (await pageEvents()).next;
		const api = await activateExtension();
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const view = await waitFor('the health view', () => healthView(api, root), 60_000);
		assert.ok(view.sections.some((s) => s.groups.flat().some((i) => i.name === HOSTILE_IMAGE)), 'the hostile name is listed');
		await waitForElement(`.card .name${hasText(HOSTILE_IMAGE)}`, WEBVIEW_FRAME);
		await assertShownAsText('.card .name', HOSTILE_IMAGE, WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		await screenshot('user-data-health');
		await assertNoScriptRan(mark, 'Dataset Health');
	});

	it('cropper: an imported file named with HTML is text in the status and the strip', async () => {
		const mark = (await pageEvents()).next;
		const api = await activateExtension();
		const sources = mkdtempSync(join(tmpdir(), 'lora-wb-hostile-'));
		const source = join(sources, HOSTILE_SOURCE);
		await writeImage(source, { width: 700, height: 500, photo: `people/${PORTRAITS[0]}` });
		await vscode.commands.executeCommand('loraWorkbench.importImages', subset, [vscode.Uri.file(source)]);
		await waitFor('the cropper', () => cropper(api));
		await waitForElement('.stage img.picture', WEBVIEW_FRAME);
		await waitForElement(`.status strong${hasText(HOSTILE_SOURCE)}`, WEBVIEW_FRAME);
		await waitForElement('.strip .thumb img', WEBVIEW_FRAME);
		await assertShownAsText('.status strong', HOSTILE_SOURCE, WEBVIEW_FRAME);
		await assertShownAsText('.strip .thumb span', HOSTILE_SOURCE, WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		await screenshot('user-data-cropper');
		await assertNoScriptRan(mark, 'cropper');
	});

	it('Compare Epochs: a sample prompt with HTML is text in its row header', async () => {
		const mark = (await pageEvents()).next;
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.compareEpochs', root);
		const grid = await waitFor('the grid', () => compareGrid(api, root));
		assert.equal(grid.columns.length, 2);
		await waitForElement(`th.prompt${hasText(PROMPT)}`, WEBVIEW_FRAME);
		await waitForElement('table.grid td img:not(.diff)', WEBVIEW_FRAME);
		await assertShownAsText('th.prompt', PROMPT, WEBVIEW_FRAME);
		await assertNothingMadeFromHtml(WEBVIEW_FRAME);
		await screenshot('user-data-compare-epochs');
		await assertNoScriptRan(mark, 'Compare Epochs');
	});
});
