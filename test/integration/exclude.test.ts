import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { testWorkspace, sharedFixture } from '../support/paths';
import { healthView } from '../support/webviews';

const FACE = '10_3mm4w4ts0n woman';

describe('exclude from training (integration, issue 19.3)', function () {
	this.timeout(300_000);
	let root: string;
	let faceDir: string;
	const uri = (name: string) => vscode.Uri.file(join(faceDir, name));
	const loraDiagnostics = (name: string) => vscode.languages.getDiagnostics(uri(name)).filter((d) => d.source === 'lora').map((d) => String(d.code)).sort();

	before(async () => {
		await vscode.workspace.getConfiguration('loraWorkbench.images').update('faceModelPath', sharedFixture('models', 'yunet_n_dynamic.onnx'), vscode.ConfigurationTarget.Global);
		root = join(testWorkspace()!, 'exclude-folder');
		faceDir = join(root, 'images', FACE);
		await fs.mkdir(faceDir, { recursive: true });
		await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: 3mm4w4ts0n\nclassWord: woman\nsubsets:\n  images/${FACE}:\n    role: face\n`);
		const closeUp = (name: string) => sharp(sharedFixture('photos', 'people', name)).rotate().resize(512, 512, { fit: 'cover', position: 'north' });
		// good.jpg and copy.jpg: one picture saved twice (a little brighter, lower quality): a near-duplicate group.
		await closeUp('obama.jpg').jpeg({ quality: 92 }).toFile(join(faceDir, 'good.jpg'));
		await closeUp('obama.jpg').modulate({ brightness: 1.04 }).jpeg({ quality: 75 }).toFile(join(faceDir, 'copy.jpg'));
		await closeUp('biden.jpg').jpeg({ quality: 92 }).toFile(join(faceDir, 'other.jpg'));
		// Cut short: "could not be read" (unreadable), deleted by the last test.
		const bytes = await fs.readFile(sharedFixture('photos', 'people', 'obama1.jpg'));
		await fs.writeFile(join(faceDir, 'broken.jpg'), bytes.subarray(0, 4000));
		await fs.writeFile(join(faceDir, 'good.txt'), '3mm4w4ts0n, smile, looking at viewer\n');
		// The copy's caption has a lint problem of its own (a tag twice), which must go with it.
		await fs.writeFile(join(faceDir, 'copy.txt'), '3mm4w4ts0n, smile, smile\n');
		await fs.writeFile(join(faceDir, 'other.txt'), '3mm4w4ts0n, smile\n');
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});
	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('excludes one image of a duplicate group: image and caption move out of images/, its problems go at once, Undo puts both back', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const report = api.testing.images.lastReport(root);
		assert.ok(report, 'a report was made');
		const duplicates = report.problems.filter((p) => p.code === 'near-duplicate').map((p) => p.file).sort();
		assert.deepEqual(duplicates, [join(faceDir, 'copy.jpg'), join(faceDir, 'good.jpg')], 'the two saves of one picture are a near-duplicate group');
		await waitFor('the duplicate problem in Problems', () => loraDiagnostics('copy.jpg').includes('near-duplicate'));
		await waitFor('the caption lint problem of copy.txt', () => loraDiagnostics('copy.txt').includes('duplicate-tag'));
		const view = await waitFor('the health view', () => healthView(api, root)?.sections.some((s) => s.code === 'near-duplicate') && healthView(api, root));
		assert.ok(view);

		// The quick fix on the caption's problem (Problems, Ctrl+.) runs the same command on the image. (The
		// document is loaded, not shown: the Dataset Health panel stays the open editor.)
		const document = await vscode.workspace.openTextDocument(uri('copy.txt'));
		const diagnostic = vscode.languages.getDiagnostics(uri('copy.txt')).find((d) => String(d.code) === 'duplicate-tag')!;
		const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range);
		const fix = actions.find((a) => a.title.startsWith('Exclude copy.jpg from training'));
		assert.ok(fix?.command, `the quick fix is offered: ${actions.map((a) => a.title).join(' | ')}`);
		assert.equal(fix.command.command, 'loraWorkbench.excludeFromTraining');
		assert.equal((fix.command.arguments?.[0] as vscode.Uri).fsPath, join(faceDir, 'copy.jpg'));
		const exclusion = await vscode.commands.executeCommand<{ moves: { from: string; to: string }[] } | undefined>(fix.command.command, ...(fix.command.arguments ?? []));
		assert.ok(exclusion, 'the command returns what it moved');
		const excludedDir = join(root, 'excluded', FACE);
		assert.deepEqual(exclusion.moves, [
			{ from: join(faceDir, 'copy.jpg'), to: join(excludedDir, 'copy.jpg') },
			{ from: join(faceDir, 'copy.txt'), to: join(excludedDir, 'copy.txt') },
		]);
		assert.ok(existsSync(join(excludedDir, 'copy.jpg')) && existsSync(join(excludedDir, 'copy.txt')), 'both files are in excluded/<subset>/');
		assert.ok(!existsSync(join(faceDir, 'copy.jpg')) && !existsSync(join(faceDir, 'copy.txt')), 'and no longer in the subset');
		assert.equal(await fs.readFile(join(excludedDir, 'copy.txt'), 'utf8'), '3mm4w4ts0n, smile, smile\n', 'the caption moved as it was');

		// Problems: at once, not at the next check. The remaining image is no duplicate any more.
		assert.deepEqual(loraDiagnostics('copy.jpg'), []);
		await waitFor('the moved caption\'s lint problems to go', () => loraDiagnostics('copy.txt').length === 0);
		assert.ok(!loraDiagnostics('good.jpg').includes('near-duplicate'), `good.jpg: ${loraDiagnostics('good.jpg').join()}`);
		assert.ok(!api.testing.images.lastReport(root)!.problems.some((p) => p.file === join(faceDir, 'copy.jpg') || p.code === 'near-duplicate'));
		const after = await waitFor('the health view without the group', () => {
			const v = healthView(api, root);
			return v && !v.sections.some((s) => s.code === 'near-duplicate') && v;
		});
		assert.ok(!after.sections.some((s) => s.groups.flat().some((i) => i.name === 'copy.jpg')));
		// The Dataset view: the row is gone, and the kept image carries no problem badge.
		const tree = api.testing.datasetTree;
		const folderNode = tree.getChildren().find((n) => n.kind === 'folder' && n.root === root)!;
		const subsetNode = tree.getChildren(folderNode).find((n) => n.kind === 'subset' && n.dir === faceDir)!;
		const rows = tree.getChildren(subsetNode).map((n) => (n.kind === 'image' ? n.path : ''));
		assert.deepEqual(rows.sort(), [join(faceDir, 'broken.jpg'), join(faceDir, 'good.jpg'), join(faceDir, 'other.jpg')]);
		const goodRow = tree.getTreeItem(tree.getChildren(subsetNode).find((n) => n.kind === 'image' && n.path === join(faceDir, 'good.jpg'))!);
		assert.doesNotMatch(String(goodRow.description), /problem/, String(goodRow.description));
		// sd-scripts' count: the subset holds two images now.
		assert.equal(api.services.trainingFolders.get(root)!.subsets.find((s) => s.dir === faceDir)!.images.length, 3);

		// Undo (the notification's action): one edit puts image and caption back.
		assert.equal(await api.testing.images.undoExclusion(), true);
		assert.ok(existsSync(join(faceDir, 'copy.jpg')) && existsSync(join(faceDir, 'copy.txt')), 'undo restored both files');
		assert.ok(!existsSync(join(excludedDir, 'copy.jpg')) && !existsSync(join(excludedDir, 'copy.txt')));
		await waitFor('the tree service to list the image again', () => api.services.trainingFolders.get(root)?.subsets.find((s) => s.dir === faceDir)?.images.length === 4);
		await waitFor('the restored caption to be linted again', () => loraDiagnostics('copy.txt').includes('duplicate-tag'));
	});

	it('"Keep this one, exclude the rest" on a duplicate group keeps the chosen image and excludes the others', async () => {
		const api = await activateExtension();
		await vscode.commands.executeCommand('loraWorkbench.showDatasetHealth', root);
		const group = api.testing.images.lastReport(root)!.problems.filter((p) => p.code === 'near-duplicate').map((p) => vscode.Uri.file(p.file));
		assert.equal(group.length, 2, 'the group is back after the undo and a new check');
		const exclusion = await vscode.commands.executeCommand<{ moves: { from: string; to: string }[] } | undefined>('loraWorkbench.keepOneExcludeRest', uri('good.jpg'), group);
		assert.deepEqual(exclusion?.moves.map((m) => m.from), [join(faceDir, 'copy.jpg'), join(faceDir, 'copy.txt')]);
		assert.ok(existsSync(join(faceDir, 'good.jpg')) && !existsSync(join(faceDir, 'copy.jpg')));
		assert.ok(!api.testing.images.lastReport(root)!.problems.some((p) => p.code === 'near-duplicate'));
		assert.equal(await api.testing.images.undoExclusion(), true);
		assert.ok(existsSync(join(faceDir, 'copy.jpg')));
	});

	it('an image deleted outside VS Code loses its problems without a new check ("could not be read" included)', async () => {
		const api = await activateExtension();
		await waitFor('broken.jpg to be unreadable in Problems', () => loraDiagnostics('broken.jpg').includes('unreadable'));
		assert.ok(healthView(api, root)?.sections.some((s) => s.code === 'unreadable'));
		await fs.rm(join(faceDir, 'broken.jpg'));
		// The folder's file watcher rescans it; the image is no longer listed, so its problems go.
		await waitFor('the deleted image\'s problems to go', () => loraDiagnostics('broken.jpg').length === 0);
		assert.ok(!api.testing.images.lastReport(root)!.problems.some((p) => p.file === join(faceDir, 'broken.jpg')));
		assert.ok(!healthView(api, root)!.sections.some((s) => s.code === 'unreadable'), 'the health view drops its entry');
	});
});
