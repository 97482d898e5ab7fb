import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { click, elementTexts, pressKey, screenshot, typeText, waitForElement, webviewFrame } from '../support/screenshot';
import type { BulkEditOutcome } from '../../src/providers/bulkEdit';

const SUBSET = '10_bk7lt woman';
const CAPTIONS = ['bk7lt, long hair, smile', 'bk7lt, long_hair, red dress', 'bk7lt, long hair, red dress', 'bk7lt, long hair'];
const QUICK_PICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';


/** The text of the quick pick's n-th row as shown (the list's DOM order is not its order on screen). */
async function quickPickRow(index: number): Promise<string> {
	const [text] = await elementTexts(`${QUICK_PICK_ROW}[data-index="${index}"]`);
	return text ?? '';
}

/** The preview's Apply button, in its editor title bar. */
const APPLY = '.editor-actions .action-label[aria-label^="Apply Bulk Tag Edit"]';

/** The preview's two documents (before, after), once its diff editor is the active tab. */
async function previewTexts(): Promise<[string, string]> {
	const input = await waitFor('the preview diff editor', () => {
		const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
		return active instanceof vscode.TabInputTextDiff && active.modified.scheme === 'lora-bulk-preview' && active;
	});
	const [before, after] = await Promise.all([input.original, input.modified].map((uri) => vscode.workspace.openTextDocument(uri)));
	return [before.getText(), after.getText()];
}

describe('bulk tag cleaning (UI, issue 19.9)', () => {
	let root: string;
	const caption = (i: number) => fs.readFile(join(root, 'images', SUBSET, `img_${String(i + 1).padStart(3, '0')}.txt`), 'utf8');

	before(async () => {
		root = await makeTrainingFolder(testWorkspace()!, 'bulk-ui', {
			subsets: [{ repeats: 10, classTokens: 'bk7lt woman', images: CAPTIONS.length, size: [512, 512], caption: (i) => CAPTIONS[i] }],
			settingsYaml: 'trigger: bk7lt\nclassWord: woman\n',
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
	// The next suites count the webviews on screen: leave none (the gallery) open.
	after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

	it('removes only the flagged spelling, after a preview that shows each caption\'s tags before and after', async () => {
		// As from the Tags view's "Flagged by the linter" item for long_hair.
		const running = vscode.commands.executeCommand<BulkEditOutcome | undefined>('loraWorkbench.removeTag', { root, tag: 'long_hair', scope: 'all' });
		await waitForElement(`${QUICK_PICK_ROW}:has-text('Remove only "long_hair"')`);
		assert.match(await quickPickRow(0), /Remove only "long_hair"\s*1 image/);
		assert.match(await quickPickRow(1), /Remove every spelling of "long_hair"\s*long hair ×3, long_hair ×1/);
		assert.ok(existsSync(await screenshot('bulk-remove-spellings')));
		await pressKey('Enter');

		// The preview is VS Code's diff editor over each changed caption's line, with Apply beside it.
		const [before, after] = await previewTexts();
		assert.equal(before, `images/${SUBSET}/img_002.txt: ${CAPTIONS[1]}\n`);
		assert.equal(after, `images/${SUBSET}/img_002.txt: bk7lt, red dress\n`);
		await waitForElement('.monaco-diff-editor .char-delete');
		await waitForElement(APPLY);
		assert.ok(existsSync(await screenshot('bulk-remove-preview')));
		await click(APPLY);
		const outcome = await running;
		assert.equal(outcome?.applied.length, 1);
		assert.equal(await caption(1), 'bk7lt, red dress', 'the flagged spelling is gone');
		assert.deepEqual(await Promise.all([0, 2, 3].map(caption)), [CAPTIONS[0], CAPTIONS[2], CAPTIONS[3]], 'long hair stays everywhere');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('adds a tag with the caption editor\'s autocomplete, counted over the filtered images it applies to', async () => {
		const filtered = await vscode.commands.executeCommand<{ paths: string[] }>('loraWorkbench.filterGallery', { root, expression: 'smile OR red dress' });
		assert.equal(filtered.paths.length, 3);
		// The gallery opened by the filter takes the focus once its page is up: let it, before the quick pick
		// opens, or it takes the keys typed into the quick pick (CI once lost "re" of "red d" to it).
		await waitForElement('.status:text-is("3 of 4 images")', webviewFrame(0));
		const running = vscode.commands.executeCommand<BulkEditOutcome | undefined>('loraWorkbench.addTag', { root, scope: 'filtered' });
		await waitForElement('.quick-input-widget .quick-input-box input:focus');
		await typeText('red d');
		// The typed text first, then the dataset's tag with how many of the three filtered images have it.
		await waitForElement(`${QUICK_PICK_ROW}:has-text("red dress")`);
		// The list follows the typing: wait until it shows what it offers for the whole of "red d".
		let firstRow = '';
		await waitFor('the typed text as the first choice', async () => /^red d\s*as typed/.test(firstRow = await quickPickRow(0)))
			.catch((error: Error) => { throw new Error(`${error.message}; the first row reads "${firstRow}"`); });
		assert.match(await quickPickRow(1), /^red dress\s*in 2 of 3 filtered images/);
		assert.ok(existsSync(await screenshot('bulk-add-autocomplete')));
		await pressKey('ArrowDown');
		await pressKey('Enter');
		await waitForElement(`${QUICK_PICK_ROW}:has-text("At the end")`);
		await click(`${QUICK_PICK_ROW}:has-text("At the end")`);
		const [, after] = await previewTexts();
		assert.equal(after, `images/${SUBSET}/img_001.txt: ${CAPTIONS[0]}, red dress\n`, 'only the one caption without it');
		await click(APPLY);
		const outcome = await running;
		assert.equal(outcome?.applied.length, 1, 'the other two filtered images have it already');
		assert.equal(await caption(0), 'bk7lt, long hair, smile, red dress');
		assert.equal(await caption(3), CAPTIONS[3], 'an image outside the filter is untouched');
	});
});
