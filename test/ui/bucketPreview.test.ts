import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GalleryHostMessage } from '../../src/core/protocol/gallery';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { cropper, galleryPanel } from '../support/webviews';
import { WEBVIEW_FRAME, countElements, screenshot, waitForElement } from '../support/screenshot';

const FACE = '10_bk7 woman';
const BODY = '8_bk7 woman body';

describe('bucket preview (UI)', () => {
	let root: string;

	before(async () => {
		// The guide's layout: resolution 512, buckets off, body crops 512x768.
		root = await makeTrainingFolder(testWorkspace()!, 'bucket-preview', {
			subsets: [
				{ repeats: 10, classTokens: 'bk7 woman', images: 3, size: [512, 512], photos: true, caption: () => 'bk7, 1girl, portrait' },
				{ repeats: 8, classTokens: 'bk7 woman body', images: 3, size: [512, 768], photos: true, caption: () => 'bk7, 1girl, cowboy shot' },
			],
			settingsYaml: `trigger: bk7\nclass: woman\ntraining:\n  resolution: 512\n  enableBucket: false\nsubsets:\n  images/${FACE}:\n    role: face\n  images/${BODY}:\n    role: body\n`,
		});
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
	// The next suites count the webviews on screen: leave none open.
	after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

	function rowOf(name: string, dir: string): vscode.TreeItem {
		const tree = activateExtensionSync().testing.datasetTree;
		const folderNode = tree.getChildren().find((n) => n.kind === 'folder' && n.root === root)!;
		const subsetNode = tree.getChildren(folderNode).find((n) => n.kind === 'subset' && n.dir === join(root, 'images', dir))!;
		const node = tree.getChildren(subsetNode).find((n) => n.kind === 'image' && n.path === join(root, 'images', dir, name))!;
		return tree.getTreeItem(node);
	}
	let apiRef: Awaited<ReturnType<typeof activateExtension>> | undefined;
	const activateExtensionSync = () => apiRef!;

	it('says in the Dataset view which bucket each image lands in and what sd-scripts cuts, with a warning on the subset', async () => {
		apiRef = await activateExtension();
		const body = rowOf('img_001.jpg', BODY);
		assert.match(String(body.description), /512x512, 33% cut/, String(body.description));
		const tooltip = (body.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
		assert.match(tooltip, /sd-scripts: 512x768 → bucket 512x512, keeps the middle 67% \(top and bottom cut\)/, tooltip);
		const face = rowOf('img_001.jpg', FACE);
		// With buckets off there is one bucket: a row names it only when the picture does not fit it.
		assert.doesNotMatch(String(face.description), /512x512/, String(face.description));
		assert.match((face.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' '), /bucket 512x512, whole picture kept/);
		const warnings = apiRef.services.trainingFolders.get(root)!.folderProblems.filter((p) => p.code === 'bucket-crop');
		assert.equal(warnings.length, 1, 'the body subset only');
		assert.equal(warnings[0].severity, 'warning');
		assert.equal(warnings[0].path, join(root, 'images', BODY));
		assert.match(warnings[0].message, /8_bk7 woman body: 3 images of 3 would be cut by sd-scripts \(resolution 512x512, buckets off\)/);
		// The Problems row under the folder: one click offers the fixes.
		const tree = apiRef.testing.datasetTree;
		const folderNode = tree.getChildren().find((n) => n.kind === 'folder' && n.root === root)!;
		const problemsNode = tree.getChildren(folderNode).find((n) => n.kind === 'problems')!;
		const row = tree.getChildren(problemsNode).map((n) => tree.getTreeItem(n)).find((item) => String(item.label).includes('would be cut'))!;
		assert.equal(row.command?.command, 'loraWorkbench.fixBucketCrops');
		assert.deepEqual(row.command?.arguments, [root, join(root, 'images', BODY)]);
	});

	it('draws the kept part on the gallery thumbnails', async () => {
		await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
		const panel = await waitFor('the gallery', async () => galleryPanel(await activateExtension(), root));
		await waitFor('the gallery webview', () => panel.webviewReady);
		await waitFor('the thumbnails painted', () => panel.firstPaints.get('thumbnails'));
		const init = panel.sent.get('init') as Extract<GalleryHostMessage, { type: 'init' }>;
		const bodyImage = init.images.find((i) => i.subset === BODY)!;
		assert.deepEqual(bodyImage.bucket?.keep, { x: 0, y: 128 / 768, width: 1, height: 512 / 768 });
		assert.equal(init.images.find((i) => i.subset === FACE)!.bucket?.keep, undefined, 'nothing drawn on a picture kept whole');
		await waitForElement('.cell .thumb .bucket-keep >> nth=2', WEBVIEW_FRAME);
		assert.equal(await countElements('.cell .thumb .bucket-keep', WEBVIEW_FRAME), 3);
		assert.equal(await countElements('.cell .bucket.cut', WEBVIEW_FRAME), 3);
		await screenshot('bucket-preview-gallery');
	});

	it('fixes it in one click: crop the cut pictures to the resolution, or turn buckets on', async () => {
		const api = await activateExtension();
		const bodyDir = join(root, 'images', BODY);
		await vscode.commands.executeCommand('loraWorkbench.fixBucketCrops', root, bodyDir, 'crop');
		const panel = await waitFor('the cropper', () => cropper(api));
		assert.equal(panel.items.length, 3);
		assert.ok(panel.items.every((i) => i.box.width === i.box.height), 'square crops for the 512x512 bucket');
		await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

		assert.equal(await vscode.commands.executeCommand('loraWorkbench.fixBucketCrops', root, bodyDir, 'buckets'), true);
		assert.match(readFileSync(join(root, 'lora-workbench.yaml'), 'utf8'), /training:\n {2}resolution: 512\n {2}enableBucket: true\n/);
		await waitFor('the rescan with buckets on', () => api.services.trainingFolders.get(root)?.training.enableBucket === true);
		assert.ok(!api.services.trainingFolders.get(root)!.folderProblems.some((p) => p.code === 'bucket-crop'), 'no warning once buckets are on');
		// sd-scripts' buckets at 512: 2:3 lands in 384x640 and loses a little at the sides.
		assert.match(String(rowOf('img_001.jpg', BODY).description), /384x640, 10% cut/);
		assert.match(String(rowOf('img_001.jpg', FACE).description), /· 512x512$/, 'with buckets on every row names its bucket');
	});
});
