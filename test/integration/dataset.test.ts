import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { DatasetNode } from '../../src/providers/datasetTreeNodes';
import { activateExtension, waitFor } from '../support/extension';
import { guideFolderSpec, makeTrainingFolder, writeImage } from '../support/fixtures';
import { testWorkspace } from '../support/paths';

async function treeText(root: string): Promise<{ folder: string; summary: string; subsets: string[]; images: Record<string, string[]> }> {
	const tree = (await activateExtension()).testing.datasetTree;
	const folderNode = tree.getChildren().find((n) => n.kind === 'folder' && n.root === root);
	assert.ok(folderNode, `the tree lists ${root}`);
	const children = tree.getChildren(folderNode);
	const label = (node: DatasetNode): string => {
		const item = tree.getTreeItem(node);
		return `${typeof item.label === 'string' ? item.label : item.label?.label ?? ''}${item.description ? ` · ${item.description}` : ''}`;
	};
	const subsetNodes = children.filter((n) => n.kind === 'subset');
	const images: Record<string, string[]> = {};
	for (const node of subsetNodes) {
		images[String(tree.getTreeItem(node).label)] = tree.getChildren(node).map(label);
	}
	return { folder: label(folderNode), summary: label(children.find((n) => n.kind === 'summary')!), subsets: subsetNodes.map(label), images };
}

describe('dataset tree', () => {
	let root: string;

	before(async () => {
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		root = await makeTrainingFolder(workspace!, 'dataset-folder', guideFolderSpec());
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	it('shows the subsets, the sd-scripts numbers and the images with their tag counts', async () => {
		const text = await treeText(root);
		assert.deepEqual(text.subsets, ['16_3mm4w4ts0n woman · body · 2 images × 16 = 32', '24_3mm4w4ts0n woman · face · 4 images × 24 = 96']);
		// 96 + 32 = 128 samples, batch 1 -> 128 steps per epoch, 10 epochs.
		assert.equal(text.summary, '128 steps/epoch · 1280 total steps · 10 epochs · 2 guide warnings');
		assert.equal(text.folder, 'dataset-folder · 3mm4w4ts0n · 6 images');
		assert.deepEqual(text.images['24_3mm4w4ts0n woman'], ['img_001.jpg · 5 tags', 'img_002.jpg · 5 tags', 'img_003.jpg · 5 tags', 'img_004.jpg · 5 tags']);
		const folder = (await activateExtension()).services.trainingFolders.get(root)!;
		assert.deepEqual(folder.checks.filter((c) => !c.ok).map((c) => c.code), ['face-images', 'body-images']);
	});

	it('updates after an image and caption are added from outside VS Code', async () => {
		const face = join(root, 'images', '24_3mm4w4ts0n woman');
		await writeImage(join(face, 'img_005.jpg'), { width: 512, height: 512, color: [30, 60, 90] });
		await fs.writeFile(join(face, 'img_005.txt'), '3mm4w4ts0n, 1girl, solo');
		await writeImage(join(face, 'img_006.jpg'), { width: 512, height: 512, color: [90, 60, 30] });
		const text = await waitFor('the tree to show the new images', async () => {
			const current = await treeText(root);
			return current.subsets.includes('24_3mm4w4ts0n woman · face · 6 images × 24 = 144') ? current : undefined;
		});
		// 144 + 32 = 176 > 1500 total over 10 epochs; 6 faces : 2 bodies = 3x is outside 1.5-2x.
		assert.equal(text.summary, '176 steps/epoch · 1760 total steps · 10 epochs · 4 guide warnings');
		const folder = (await activateExtension()).services.trainingFolders.get(root)!;
		assert.deepEqual(folder.checks.filter((c) => !c.ok).map((c) => c.message), [
			'Total steps 1760 (guide: about 1500 or fewer)', 'Face images 6 (guide: 25-30)', 'Body images 2 (guide: 15-20)', 'Face:body ratio 3:1 (6:2; guide: 1.5-2x)',
		]);
		// The linter's missing-caption problem may or may not have arrived yet: compare without the problem count.
		const withoutProblems = text.images['24_3mm4w4ts0n woman'].slice(4).map((line) => line.replace(/ · \d+ problems?$/, ''));
		assert.deepEqual(withoutProblems, ['img_005.jpg · 3 tags', 'img_006.jpg · no caption (trains as "3mm4w4ts0n woman")']);
	});

	it('"LoRA: New Training Folder" creates the layout and settings, and the tree shows it', async () => {
		const workspace = testWorkspace()!;
		const created = await vscode.commands.executeCommand<string>('loraWorkbench.newTrainingFolder', { parent: workspace, trigger: 'zq7lora', classWord: 'man', faceRepeats: 24, bodyRepeats: 16 });
		assert.equal(created, join(workspace, 'zq7lora'));
		const yaml = await fs.readFile(join(created, 'lora-workbench.yaml'), 'utf8');
		assert.match(yaml, /trigger: "zq7lora"/);
		assert.match(yaml, /"images\/24_zq7lora man":\n\s+role: face/);
		await fs.access(join(created, 'model'));
		const text = await treeText(created);
		assert.deepEqual(text.subsets, ['16_zq7lora man · body · 0 images × 16 = 0', '24_zq7lora man · face · 0 images × 24 = 0']);
		assert.equal(text.folder, 'zq7lora · 0 images', 'the folder is named after the trigger: its row says it once (issue 19.11)');
	});

	it('clicking an image opens its caption', async () => {
		const tree = (await activateExtension()).testing.datasetTree;
		const node = tree.nodeForPath(join(root, 'images', '24_3mm4w4ts0n woman', 'img_001.jpg'));
		assert.ok(node && node.kind === 'image');
		const item = tree.getTreeItem(node);
		assert.equal(item.command?.command, 'loraWorkbench.openImageCaption');
		await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
		const captionPath = join(root, 'images', '24_3mm4w4ts0n woman', 'img_001.txt');
		await waitFor('the caption to open', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((tab) => {
			const input = tab.input as { uri?: vscode.Uri } | undefined;
			return input?.uri?.fsPath === captionPath;
		}));
	});
});

describe('training folders that appear in the workspace', () => {
	it('finds a folder moved in whole, which the file watcher reports as one new folder, and lets it go when moved out', async () => {
		const api = await activateExtension();
		// Prepared elsewhere (a download, an unzip) and then moved in: no event names its lora-workbench.yaml or images/.
		const staging = await fs.mkdtemp(join(tmpdir(), 'moved-in-'));
		const staged = await makeTrainingFolder(staging, 'm0v3d', { subsets: [{ repeats: 10, classTokens: 'm0v3d woman', images: 1, size: [64, 64] }], settingsYaml: 'trigger: m0v3d\nclass: woman\n' });
		const root = join(testWorkspace()!, 'm0v3d');
		await fs.rename(staged, root);
		await fs.rm(staging, { recursive: true, force: true });
		const folder = await waitFor('the moved-in training folder to be found and scanned', () => api.services.trainingFolders.get(root));
		assert.equal(folder.subsets.reduce((n, s) => n + s.images.length, 0), 1);

		const away = await fs.mkdtemp(join(tmpdir(), 'moved-out-'));
		try {
			await fs.rename(root, join(away, 'm0v3d'));
			await waitFor('the moved-out training folder to be gone', () => !api.services.trainingFolders.get(root));
		} finally {
			await fs.rm(away, { recursive: true, force: true });
		}
	});

	it('lets go of a folder opened by path outside the workspace when it is deleted', async () => {
		const api = await activateExtension();
		const service = api.services.trainingFolders;
		// A folder the workbench was pointed at (made by an import, or outside the workspace): no discovery finds it.
		const outside = await fs.mkdtemp(join(tmpdir(), 'by-path-'));
		try {
			const root = await makeTrainingFolder(outside, 'byp4th', { subsets: [{ repeats: 10, classTokens: 'byp4th woman', images: 1, size: [64, 64] }], settingsYaml: 'trigger: byp4th\nclass: woman\n' });
			await service.refresh(root);
			assert.ok(service.get(root), 'the folder is listed once opened by path');
			await fs.rm(root, { recursive: true, force: true });
			// Its watch reports the files going, and the rescan finds the folder gone (it stayed listed, as scanned last).
			await waitFor('the deleted folder to leave the list', () => !service.get(root));
			await service.refresh();
			assert.ok(!service.get(root), 'a later discovery does not bring it back');
		} finally {
			await fs.rm(outside, { recursive: true, force: true });
		}
	});
});
