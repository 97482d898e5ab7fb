import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { testWorkspace, sharedFixture } from '../support/paths';
import { cropper, healthView } from '../support/webviews';
import { canControlPage, elementTexts, pressKey, screenshot, waitForElement } from '../support/screenshot';

const FACE = '10_3mm4w4ts0n woman';

/** The cropper tabs' titles. */
function cropperTabs(): string[] {
	return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('loraWorkbench.cropper')).map((t) => t.label);
}

async function size(file: string): Promise<[number, number]> {
	const meta = await sharp(file).metadata();
	return [meta.width, meta.height];
}

describe('image checks, health report and cropping (integration)', function () {
	this.timeout(300_000);
	let root: string;
	let faceDir: string;

	before(async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		root = join(testWorkspace()!, 'images-folder');
		faceDir = join(root, 'images', FACE);
		await fs.mkdir(faceDir, { recursive: true });
		await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: 3mm4w4ts0n\nclassWord: woman\nsubsets:\n  images/${FACE}:\n    role: face\n`);
		await sharp(sharedFixture('photos', 'people', 'obama.jpg')).resize(512, 512, { fit: 'cover', position: 'north' }).jpeg({ quality: 92 }).toFile(join(faceDir, 'good.jpg'));
		await fs.copyFile(sharedFixture('photos', 'people', 'two_people.jpg'), join(faceDir, 'two.jpg'));
		await fs.copyFile(sharedFixture('photos', 'people', 'darknet_person.jpg'), join(faceDir, 'noface.jpg'));
		const bytes = await fs.readFile(sharedFixture('photos', 'people', 'obama1.jpg'));
		await fs.writeFile(join(faceDir, 'broken.jpg'), bytes.subarray(0, 4000));
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});
	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('Dataset Health checks the folder, fills Problems and groups thumbnails by problem', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const report = api.testing.images.lastReport(root);
		assert.ok(report, 'a report was made');
		assert.equal(report.faceDetectorError, undefined);
		// Other features (captions) also report on image files under source 'lora'; keep the image checks' codes.
		const imageCodes = new Set(['unreadable', 'wrong-size', 'low-resolution', 'other-people', 'no-face', 'face-cut-off', 'face-too-small', 'blurry', 'dark', 'overexposed', 'colored-light', 'grayscale', 'near-duplicate', 'same-shoot']);
		const diagnostics = (name: string) => vscode.languages.getDiagnostics(vscode.Uri.file(join(faceDir, name))).filter((d) => d.source === 'lora' && imageCodes.has(String(d.code))).map((d) => String(d.code)).sort();
		assert.deepEqual(diagnostics('good.jpg'), []);
		assert.deepEqual(diagnostics('broken.jpg'), ['unreadable']);
		assert.ok(diagnostics('two.jpg').includes('other-people'), diagnostics('two.jpg').join());
		assert.ok(diagnostics('two.jpg').includes('wrong-size'));
		assert.ok(diagnostics('noface.jpg').includes('no-face'));
		const view = await waitFor('the health view', () => healthView(api, root));
		const section = (code: string) => view.sections.find((s) => s.code === code);
		assert.equal(section('unreadable')?.severity, 'error');
		assert.equal(view.sections[0].code, 'unreadable', 'errors first');
		const others = section('other-people')!.groups.flat();
		assert.deepEqual(others.map((i) => i.name), ['two.jpg']);
		assert.match(others[0].thumbnail ?? '', /^data:image\/jpeg;base64,/);
		assert.equal(section('unreadable')!.groups[0][0].thumbnail, undefined);
		assert.equal(view.canCrop, true);
	});

	it('the image problems show on the Dataset tree\'s image items, which refresh when the check publishes them', async () => {
		const api = await activateExtension();
		const tree = api.testing.datasetTree;
		const folderNode = tree.getChildren().find((n) => n.kind === 'folder' && n.root === root);
		assert.ok(folderNode, 'the tree lists the folder');
		const subsetNode = tree.getChildren(folderNode).find((n) => n.kind === 'subset' && n.dir === faceDir);
		assert.ok(subsetNode, 'the tree lists the face subset');
		const imageNode = (name: string) => tree.getChildren(subsetNode).find((n) => n.kind === 'image' && n.path === join(faceDir, name))!;
		let refreshed = false;
		// The subset's row, or the whole tree, refreshed (nodes may be rebuilt by a rescan: compare what they show).
		const subscription = tree.onDidChangeTreeData((node) => {
			refreshed ||= node === undefined || (node.kind === 'subset' && node.dir === faceDir);
		});
		// Diagnostics keep changing elsewhere meanwhile (each change answered by another, as a relint after every
		// file change would): the tree must refresh anyway, not wait for a quiet moment.
		const noise = vscode.languages.createDiagnosticCollection('images-test-noise');
		const noiseUri = vscode.Uri.file(join(testWorkspace()!, 'noise.txt'));
		let noiseCount = 0;
		const makeNoise = () => noise.set(noiseUri, [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `noise ${noiseCount++}`)]);
		// Should this time out, say which folders' diagnostics changed meanwhile.
		const diagnosticsSeen = new Map<string, number>();
		const diagnosticsSubscription = vscode.languages.onDidChangeDiagnostics((event) => {
			event.uris.forEach((uri) => diagnosticsSeen.set(dirname(uri.fsPath), (diagnosticsSeen.get(dirname(uri.fsPath)) ?? 0) + 1));
			if (!refreshed) {
				makeNoise();
			}
		});
		try {
			makeNoise();
			await vscode.commands.executeCommand('loraWorkbench.checkImages', root);
			await waitFor('the subset to refresh after the check', () => refreshed);
		} catch (err) {
			const seen = [...diagnosticsSeen].map(([folder, n]) => `${folder} (${n})`).join(', ');
			throw new Error(`${(err as Error).message}; diagnostics changed meanwhile in: ${seen || 'nothing'}`, { cause: err });
		} finally {
			diagnosticsSubscription.dispose();
			subscription.dispose();
			noise.dispose();
		}
		// Each change answered another until the refresh: at least the first two happened, however fast the refresh came.
		assert.ok(noiseCount >= 2, `diagnostics kept changing elsewhere while the tree refreshed (${noiseCount} changes)`);
		const iconOf = (name: string) => (tree.getTreeItem(imageNode(name)).iconPath as vscode.ThemeIcon).id;
		// The item counts every 'lora' error and warning on the image and its caption (the linter reports there too).
		const problemCount = (name: string) => [name, name.replace(/\.jpg$/, '.txt')]
			.flatMap((file) => vscode.languages.getDiagnostics(vscode.Uri.file(join(faceDir, file))))
			.filter((d) => d.source === 'lora' && d.severity <= vscode.DiagnosticSeverity.Warning).length;
		const two = tree.getTreeItem(imageNode('two.jpg'));
		assert.ok(problemCount('two.jpg') >= 2, 'wrong-size and other-people at least');
		assert.match(String(two.description), new RegExp(`· ${problemCount('two.jpg')} problems$`));
		assert.equal(iconOf('two.jpg'), 'warning');
		// appendText escapes Markdown and turns spaces into &nbsp;: compare the text a reader sees.
		const tooltip = (two.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
		assert.match(tooltip, /2 faces were found/, 'the other-people message is in the tooltip');
		assert.match(tooltip, /Warning: 1126x661 is not the face target 512x512/);
		assert.equal(iconOf('broken.jpg'), 'error', 'an unreadable image gets the error icon');
		assert.match(String(tree.getTreeItem(imageNode('broken.jpg')).description), /problem/);
		const good = tree.getTreeItem(imageNode('good.jpg'));
		assert.equal(String(good.description).match(/(\d+) problems?$/)?.[1] ?? '0', String(problemCount('good.jpg')), 'no image-check problem added to a good picture');
	});

	it('Import Images proposes face crops and "accept all" writes 512x512 PNGs without touching the sources', async () => {
		const api = await activateExtension();
		const sources = ['obama3.jpg', 'unsplash_makhmutova_dina.jpg'].map((n) => sharedFixture('photos', 'people', n));
		const before = await Promise.all(sources.map((s) => fs.readFile(s)));
		await vscode.commands.executeCommand('loraWorkbench.importImages', faceDir, sources.map((s) => vscode.Uri.file(s)));
		const panel = await waitFor('the cropper', () => cropper(api));
		assert.equal(panel.items.length, 2);
		// Each run's tab names the subset and how many images it crops (issue 19.11).
		assert.deepEqual(cropperTabs(), [`Crop: ${FACE} (2 images)`]);
		for (const item of panel.items) {
			assert.equal(item.basis, 'face');
			assert.equal(item.box.width, item.box.height);
		}
		await panel.handle({ type: 'acceptAll' });
		assert.deepEqual(panel.items.map((i) => i.status), ['written', 'written']);
		await waitFor('the finished cropper to close', () => cropperTabs().length === 0);
		assert.deepEqual(await size(join(faceDir, 'obama3.png')), [512, 512]);
		assert.deepEqual(await size(join(faceDir, 'unsplash_makhmutova_dina.png')), [512, 512]);
		const after = await Promise.all(sources.map((s) => fs.readFile(s)));
		assert.ok(after.every((b, i) => b.equals(before[i])), 'sources unchanged');
		// A second import of the same photo gets a new name instead of overwriting.
		await vscode.commands.executeCommand('loraWorkbench.importImages', faceDir, [vscode.Uri.file(sources[0])], { duplicates: 'import' });
		const second = await waitFor('the second cropper', () => cropper(api) !== panel && cropper(api));
		assert.deepEqual(cropperTabs(), [`Crop: ${FACE} (1 image)`]);
		await second.handle({ type: 'accept', id: second.items[0].id, box: { ...second.items[0].box, x: 0 } });
		assert.deepEqual(await size(join(faceDir, 'obama3_2.png')), [512, 512]);
		await waitFor('the second cropper to close', () => cropperTabs().length === 0);
		// A skipped picture says what that means, not "skipped: skipped".
		await vscode.commands.executeCommand('loraWorkbench.importImages', faceDir, [vscode.Uri.file(sources[1])], { duplicates: 'import' });
		const third = await waitFor('the third cropper', () => cropperTabs().length === 1 && cropper(api));
		await third.handle({ type: 'skip', id: third.items[0].id });
		assert.deepEqual(third.items.map((i) => [i.status, i.result]), [['skipped', 'not imported']]);
		await waitFor('the third cropper to close', () => cropperTabs().length === 0);
		await assert.rejects(fs.stat(join(faceDir, 'unsplash_makhmutova_dina_2.png')), 'nothing written');
	});

	it('Import & Crop takes an Explorer selection of folders and files (recursively, images only) and asks about near-duplicates first', async () => {
		const api = await activateExtension();
		// obama3.jpg was imported above (obama3.png is in the subset): in a sub-folder of the selection it is a near-duplicate.
		const shoot = await fs.mkdtemp(join(tmpdir(), 'lora-shoot-'));
		await fs.mkdir(join(shoot, 'day 2'), { recursive: true });
		await fs.copyFile(sharedFixture('photos', 'people', 'obama3.jpg'), join(shoot, 'day 2', 'again.jpg'));
		await fs.copyFile(sharedFixture('photos', 'people', 'biden.jpg'), join(shoot, 'biden.jpg'));
		await fs.writeFile(join(shoot, 'notes.txt'), 'not a picture');
		const single = join(dirname(shoot), `${basename(shoot)}-biden2.jpg`);
		await fs.copyFile(sharedFixture('photos', 'people', 'biden2.jpg'), single);
		const selection = [vscode.Uri.file(shoot), vscode.Uri.file(single)];
		// VS Code refuses modal dialogs under test and says what it would have asked: that is the question.
		await assert.rejects(Promise.resolve(vscode.commands.executeCommand('loraWorkbench.importAndCrop', selection[0], selection, { subset: faceDir })),
			/refused to show dialog in tests\. Contents: 1 picture of 3 pictures looks like an image already in 10_3mm4w4ts0n woman\./);
		assert.equal(cropperTabs().length, 0, 'no cropper before the question is answered');
		// Answered "Skip Duplicates" (the argument a keybinding or test gives instead of the dialog).
		await vscode.commands.executeCommand('loraWorkbench.importAndCrop', selection[0], selection, { subset: faceDir, duplicates: 'skip' });
		const panel = await waitFor('the cropper', () => cropperTabs().length === 1 && cropper(api));
		assert.deepEqual(panel.items.map((i) => i.name).sort(), [`${basename(shoot)}-biden2.jpg`, 'biden.jpg'].sort(), 'the duplicate and the text file are left out');
		await panel.handle({ type: 'acceptAll' });
		await waitFor('the cropper to close', () => cropperTabs().length === 0);
		assert.deepEqual(await size(join(faceDir, 'biden.png')), [512, 512]);
		await assert.rejects(fs.stat(join(faceDir, 'again.png')), 'the near-duplicate was not imported');

		if (canControlPage()) {
			// This build's open dialog cannot choose files and folders at once: the command asks which first.
			const asked = Promise.resolve(vscode.commands.executeCommand('loraWorkbench.importImages', faceDir));
			await waitForElement('.quick-input-widget:has-text("LoRA: pick source images")');
			assert.deepEqual((await elementTexts('.quick-input-widget .monaco-list-row .label-name')).map((t) => t.trim()), ['Pictures…', 'Folders…']);
			await screenshot('import-files-or-folders');
			await pressKey('Escape');
			assert.equal(await asked, undefined, 'Escape cancels the import');
		}
	});

	it('Crop Wrong-Size Images re-crops in place, keeps originals outside images/, and restores them', async () => {
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		const original = await fs.readFile(join(faceDir, 'two.jpg'));
		await vscode.commands.executeCommand('loraWorkbench.cropWrongSizeImages', root);
		const panel = await waitFor('the re-crop cropper', () => cropper(api));
		const names = panel.items.map((i) => i.name).sort();
		assert.deepEqual(names, ['noface.jpg', 'two.jpg']);
		await panel.handle({ type: 'acceptAll' });
		assert.deepEqual(await size(join(faceDir, 'two.jpg')), [512, 512]);
		const backup = join(root, 'originals', FACE, 'two.jpg');
		assert.ok((await fs.readFile(backup)).equals(original));
		await vscode.commands.executeCommand('loraWorkbench.restoreOriginalImage', vscode.Uri.file(join(faceDir, 'two.jpg')));
		assert.ok((await fs.readFile(join(faceDir, 'two.jpg'))).equals(original));
		await assert.rejects(fs.stat(backup));
	});
});
