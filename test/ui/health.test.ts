import * as assert from 'node:assert/strict';
import { existsSync, statSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';
import { WEBVIEW_FRAME, click, clickIfPresent, screenshot, sideBarRow, waitForElement, waitForTheme } from '../support/screenshot';
import { healthView } from '../support/webviews';

const FACE = '24_3mm4w4ts0n woman';
const BODY = '16_3mm4w4ts0n woman';

/** A 512x512 close-up of a shared portrait, cut from the top so the whole head stays in. */
function closeUp(name: string): ReturnType<typeof sharp> {
	return sharp(sharedFixture('photos', 'people', name)).rotate().resize(512, 512, { fit: 'cover', position: 'north' });
}

/** A face subset and a body subset with the mistakes the guide warns about, each made from a real photo. */
async function folderWithProblems(): Promise<string> {
	const root = await makeTrainingFolder(testWorkspace()!, 'health-ui', {
		subsets: [{ repeats: 16, classTokens: '3mm4w4ts0n woman', images: 0, size: [512, 768] }],
		settingsYaml: `trigger: 3mm4w4ts0n\nclassWord: woman\nsubsets:\n  images/${FACE}:\n    role: face\n  images/${BODY}:\n    role: body\n`,
	});
	const face = join(root, 'images', FACE);
	await fs.mkdir(face, { recursive: true });
	await closeUp('obama.jpg').jpeg({ quality: 92 }).toFile(join(face, 'obama.jpg'));
	await closeUp('biden2.jpg').blur(4).jpeg({ quality: 92 }).toFile(join(face, 'biden2_blurred.jpg'));
	await closeUp('obama3.jpg').linear(0.3, 0).jpeg({ quality: 92 }).toFile(join(face, 'obama3_dark.jpg'));
	// The same shot twice, re-saved a little brighter: what a phone burst or a re-download gives.
	await closeUp('obama1.jpg').jpeg({ quality: 92 }).toFile(join(face, 'obama1.jpg'));
	await closeUp('obama1.jpg').modulate({ brightness: 1.04 }).jpeg({ quality: 80 }).toFile(join(face, 'obama1_again.jpg'));
	await fs.copyFile(sharedFixture('photos', 'people', 'two_people.jpg'), join(face, 'two_people.jpg'));
	// A download cut short: no thumbnail can be made, the card says so.
	const bytes = await fs.readFile(sharedFixture('photos', 'people', 'obama2.jpg'));
	await fs.writeFile(join(face, 'obama2_truncated.jpg'), bytes.subarray(0, 3000));
	await sharp(sharedFixture('photos', 'other', 'dog.jpg')).resize(512, 512, { fit: 'cover' }).jpeg({ quality: 92 }).toFile(join(face, 'dog.jpg'));
	await sharp(sharedFixture('photos', 'people', 'biden.jpg')).resize(512, 768, { fit: 'cover', position: 'north' }).jpeg({ quality: 92 }).toFile(join(root, 'images', BODY, 'biden_body.jpg'));
	return root;
}

describe('Dataset Health (UI)', function () {
	this.timeout(180_000);

	after(async () => {
		await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('shows thumbnails grouped by problem, in the light and dark themes', async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		const root = await folderWithProblems();
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('workbench.action.closePanel');
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const view = await waitFor('the health view', () => healthView(api, root), 60_000);
		const names = (code: string) => view.sections.find((s) => s.code === code)?.groups.map((g) => g.map((i) => i.name).sort()) ?? [];
		assert.deepEqual(names('blurry').flat().filter((n) => n === 'biden2_blurred.jpg'), ['biden2_blurred.jpg']);
		assert.ok(names('dark').flat().includes('obama3_dark.jpg'));
		assert.deepEqual(names('near-duplicate').find((g) => g.includes('obama1.jpg')), ['obama1.jpg', 'obama1_again.jpg']);
		assert.deepEqual(names('other-people').flat(), ['two_people.jpg']);
		assert.ok(names('no-face').flat().includes('dog.jpg'));
		assert.ok(names('wrong-size').flat().includes('two_people.jpg'));
		assert.equal(view.sections[0].code, 'unreadable', 'errors first');
		assert.equal(view.sections[0].groups[0][0].thumbnail, undefined);
		assert.ok(view.sections.slice(1).every((s) => s.groups.flat().every((i) => i.thumbnail?.startsWith('data:image/jpeg;base64,'))), 'every readable image has a thumbnail');
		assert.ok(view.sections.every((s) => s.advice.length > 0), 'every section says what to do');
		assert.match(view.sections.find((s) => s.code === 'blurry')!.groups[0].find((i) => i.name === 'biden2_blurred.jpg')!.measure ?? '', /^sharpness [\d.]+ < \d+$/);
		// On the page: every section and every card (the last ones are drawn last).
		const cards = view.sections.reduce((n, s) => n + s.groups.flat().length, 0);
		await waitForElement(`.sections > section >> nth=${view.sections.length - 1}`, WEBVIEW_FRAME);
		await waitForElement(`.card >> nth=${cards - 1}`, WEBVIEW_FRAME);
		// The default theme (the caption editor suite puts it back after its dark and high-contrast shots).
		await waitForTheme('light', WEBVIEW_FRAME);
		const light = await screenshot('dataset-health');

		await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
		await waitForTheme('dark', WEBVIEW_FRAME);
		const dark = await screenshot('dataset-health-dark');
		for (const file of [light, dark]) {
			assert.ok(existsSync(file) && statSync(file).size > 30_000, `screenshot ${file} was written`);
		}

		// The same problems on the Dataset tree's image rows, beside the report.
		await vscode.commands.executeCommand('workbench.view.extension.loraWorkbench');
		await vscode.commands.executeCommand('loraWorkbench.dataset.focus');
		await vscode.commands.executeCommand('workbench.actions.treeView.loraWorkbench.dataset.collapseAll');
		// Fold the other LoRA views so the Dataset view has the height for this folder's rows (the Tags view was
		// given all of it by the gallery suite), then open the folder and its face subset by clicking, as a person would.
		for (const view of ['Tags', 'Checkpoints', 'Coverage']) {
			await clickIfPresent(`[id="workbench.parts.sidebar"] .pane-header.expanded:has-text("${view}")`);
			await waitForElement(`[id="workbench.parts.sidebar"] .pane-header:not(.expanded):has-text("${view}")`);
		}
		// Other suites' folders are collapsed now. This one may be open again already: its row is refreshed when its
		// problems come in, and a refresh opens it as its tree item says. Then its closed face subset is on screen.
		const datasetRow = (text: string) => `[id="workbench.parts.sidebar"] .pane:has(.pane-header:has-text("Dataset")) .monaco-list-row[aria-expanded="false"]:has-text("${text}")`;
		await waitForElement(`${datasetRow('health-ui')}, ${datasetRow(FACE)}`);
		await clickIfPresent(datasetRow('health-ui'));
		await waitForElement(datasetRow(FACE));
		await click(datasetRow(FACE));
		await waitForElement(sideBarRow('Dataset', `[aria-expanded="true"]:has-text("${FACE}")`));
		// The face subset's image rows, first to last (by name), on screen.
		for (const name of ['biden2_blurred.jpg', 'two_people.jpg']) {
			await waitForElement(sideBarRow('Dataset', `:has-text("${name}")`));
		}
		const tree = await screenshot('dataset-health-tree');
		assert.ok(existsSync(tree) && statSync(tree).size > 30_000, `screenshot ${tree} was written`);
		// Take the mouse off the face subset row it clicked last: resting there, it brings up the row's hover, which
		// would show in the next suite's screenshot. The report's title is a harmless place for it.
		await click('h1', WEBVIEW_FRAME);
	});

	it('"Keep this one" on a duplicate group excludes the other picture and the report drops the group at once (issue 19.3)', async () => {
		const api = await activateExtension();
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		// The folder of the test above, or (run on its own) a new one.
		const root = existsSync(join(testWorkspace()!, 'health-ui')) ? join(testWorkspace()!, 'health-ui') : await folderWithProblems();
		await api.services.trainingFolders.refresh(root);
		const face = join(root, 'images', FACE);
		await vscode.commands.executeCommand('workbench.action.closeSidebar');
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		await waitFor('the health view', () => healthView(api, root));
		const keep = '.group .card-box:has(.name:text-is("obama1.jpg")) button.keep';
		await waitForElement(keep, WEBVIEW_FRAME);
		// As a person would: the button on the page, its message validated by the host.
		await click(keep, WEBVIEW_FRAME);
		const excluded = join(root, 'excluded', FACE, 'obama1_again.jpg');
		await waitFor('obama1_again.jpg to move to excluded/', () => existsSync(excluded) && !existsSync(join(face, 'obama1_again.jpg')), 20_000).catch(async (err: unknown) => {
			await screenshot('dataset-health-excluded-failed');
			throw err;
		});
		assert.ok(existsSync(join(face, 'obama1.jpg')), 'the kept picture stays');
		const after = await waitFor('the report without the excluded picture', () => {
			const view = healthView(api, root);
			return view && !view.sections.some((s) => s.groups.flat().some((i) => i.name === 'obama1_again.jpg')) && view;
		}, 10_000);
		assert.ok(!(after.sections.find((s) => s.code === 'near-duplicate')?.groups.some((g) => g.some((i) => i.name === 'obama1.jpg')) ?? false), 'a group of one is no group');
		const problems = after.sections.reduce((n, s) => n + s.groups.flat().length, 0);
		await waitForElement(`.summary:has-text("${problems} problem")`, WEBVIEW_FRAME);
		const file = await screenshot('dataset-health-excluded');
		assert.ok(existsSync(file) && statSync(file).size > 30_000, `screenshot ${file} was written`);
		// The notification's Undo puts it back (and leaves the folder as the other suites expect it).
		assert.equal(await api.testing.images.undoExclusion(), true);
		assert.ok(existsSync(join(face, 'obama1_again.jpg')));
		await vscode.commands.executeCommand('notifications.clearAll');
	});
});
