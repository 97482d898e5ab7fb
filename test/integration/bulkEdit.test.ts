import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import { planBulkEdit } from '../../src/core/bulkEdit';
import type { GalleryHostMessage } from '../../src/core/protocol/gallery';
import type { BulkEditOutcome, BulkEditRequest } from '../../src/providers/bulkEdit';
import { applyBulkPlan, readCaptionsForBulk } from '../../src/providers/bulkEditApply';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { galleryPanel } from '../support/webviews';

const FACE = [
	'bk7r1g, 1girl, blonde hair, smile',
	'bk7r1g, 1girl, blonde_hair, looking at viewer',
	'bk7r1g, 1girl, brown hair, smile',
	undefined,
	'bk7r1g, 1girl, Blonde Hair, open mouth\nsecond line kept',
];
const BODY = ['bk7r1g, 1girl, full body, blonde hair, smile', 'bk7r1g, 1girl, standing, red dress'];

async function readAll(paths: string[]): Promise<Map<string, string>> {
	return new Map(await Promise.all(paths.map(async (p) => [p, await fs.readFile(p, 'utf8')] as [string, string])));
}

/** Reverts this suite's unsaved captions and closes the editors (other suites' documents, e.g. a settings.json, are not ours to revert). */
async function closeAll(): Promise<void> {
	for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.fsPath.includes(`${sep}bulk-edit-`))) {
		await vscode.window.showTextDocument(document);
		await vscode.commands.executeCommand('workbench.action.files.revert');
	}
	await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('bulk tag edits and the gallery filter', () => {
	let folderCount = 0;
	let root: string;
	let faceDir: string;
	let bodyDir: string;
	let captions: string[];
	const face = (n: number) => join(faceDir, `img_00${n}.txt`);
	const body = (n: number) => join(bodyDir, `img_00${n}.txt`);

	beforeEach(async () => {
		await closeAll();
		const workspace = testWorkspace();
		assert.ok(workspace, 'runs inside the test workspace');
		// A new folder per test: recreating the same files from outside VS Code would race VS Code's reload of the
		// documents the last test left open, and a bulk edit rightly skips a caption whose editor is stale.
		const name = `bulk-edit-${++folderCount}`;
		root = join(workspace!, name);
		await makeTrainingFolder(workspace!, name, {
			subsets: [
				{ repeats: 24, classTokens: 'bk7r1g woman', images: 5, size: [256, 256], caption: (i) => FACE[i] },
				{ repeats: 16, classTokens: 'bk7r1g woman body', images: 2, size: [256, 384], caption: (i) => BODY[i] },
			],
			settingsYaml: 'trigger: bk7r1g\nclass: woman\n',
		});
		faceDir = join(root, 'images', '24_bk7r1g woman');
		bodyDir = join(root, 'images', '16_bk7r1g woman body');
		captions = [face(1), face(2), face(3), face(5), body(1), body(2)];
		const api = await activateExtension();
		await api.services.trainingFolders.refresh(root);
	});

	after(closeAll);

	it('a bulk rename changes exactly the expected files, keeps an unsaved editor consistent, and one undo restores them all', async () => {
		const before = await readAll(captions);
		// The user has unsaved typing in one caption that the rename touches.
		const dirty = await vscode.workspace.openTextDocument(face(1));
		const editor = await vscode.window.showTextDocument(dirty);
		await editor.edit((b) => b.insert(dirty.lineAt(0).range.end, ', unsaved tag'));
		assert.ok(dirty.isDirty);

		const request: BulkEditRequest = { root, operation: { kind: 'rename', from: 'blonde hair', to: 'yellow hair' }, scope: 'all' };
		const outcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', request);
		assert.deepEqual([...outcome.applied].sort(), [face(1), face(2), face(5), body(1)].sort());
		assert.equal(outcome.summary, '4 captions will change; 2 unchanged; 1 image has no caption file and will be left alone');
		assert.deepEqual(outcome.unsaved, [face(1)], 'the caption with unsaved typing stays unsaved');
		assert.deepEqual(outcome.skipped, []);

		const after = await readAll(captions);
		assert.equal(after.get(face(2)), 'bk7r1g, 1girl, yellow hair, looking at viewer');
		assert.equal(after.get(face(5)), 'bk7r1g, 1girl, yellow hair, open mouth\nsecond line kept');
		assert.equal(after.get(body(1)), 'bk7r1g, 1girl, full body, yellow hair, smile');
		for (const path of [face(1), face(3), body(2)]) {
			assert.equal(after.get(path), before.get(path), `${path} is unchanged on disk`);
		}
		assert.equal(dirty.getText(), 'bk7r1g, 1girl, yellow hair, smile, unsaved tag', 'the open editor shows the rename on top of the unsaved typing');
		await assert.rejects(fs.access(join(faceDir, 'img_004.txt')), 'no caption is created for the image without one');

		// One undo, in any of the edited captions, reverts the whole edit in every file.
		await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(face(2)));
		await vscode.commands.executeCommand('undo');
		const docs = await Promise.all(captions.map((p) => vscode.workspace.openTextDocument(p)));
		await waitFor('every caption to be back', () => docs.every((d) => d.uri.fsPath === face(1) ? d.getText() === `${FACE[0]}, unsaved tag` : d.getText() === before.get(d.uri.fsPath)));
		for (const doc of docs.filter((d) => d.isDirty && d.uri.fsPath !== face(1))) {
			await doc.save();
		}
		const restored = await readAll(captions.filter((p) => p !== face(1)));
		for (const [path, text] of restored) {
			assert.equal(text, before.get(path), `${path} is restored on disk`);
		}
	});

	it('does not overwrite a caption changed on disk after it was read, and reports it', async () => {
		const inputs = await readCaptionsForBulk(captions);
		const plan = planBulkEdit(inputs, { kind: 'add', tag: 'red hat', position: 'afterTrigger' }, { trigger: 'bk7r1g' });
		assert.equal(plan.summary, '6 captions will change');
		await fs.writeFile(face(3), 'bk7r1g, 1girl, changed elsewhere');
		const result = await applyBulkPlan(plan);
		assert.deepEqual(result.skipped.map((s) => s.path), [face(3)]);
		assert.match(result.skipped[0].reason, /changed on disk/);
		assert.equal(await fs.readFile(face(3), 'utf8'), 'bk7r1g, 1girl, changed elsewhere', 'the newer content survives');
		assert.equal(await fs.readFile(face(2), 'utf8'), 'bk7r1g, red hat, 1girl, blonde_hair, looking at viewer');
		assert.equal(result.applied.length, 5);
	});

	it('the filter expression selects the expected images, and bulk edits follow the gallery selection', async () => {
		const images = (ids: number[]) => ids.map((n) => join(faceDir, `img_00${n}.jpg`));
		const result = await vscode.commands.executeCommand<{ paths: string[]; error?: { column: number } }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND NOT smile' });
		assert.deepEqual(result.paths, images([2, 5]));
		const grouped = await vscode.commands.executeCommand<{ paths: string[] }>('loraWorkbench.filterGallery', { root, expression: 'smile AND (brown hair OR full body)' });
		assert.deepEqual(grouped.paths, [join(bodyDir, 'img_001.jpg'), ...images([3])], 'the body subset sorts first (16_ before 24_)');
		const withTag = await vscode.commands.executeCommand<{ paths: string[] }>('loraWorkbench.filterGallery', { root, tag: 'smile', expression: 'NOT full body' });
		assert.deepEqual(withTag.paths, images([1, 3]));

		const bad = await vscode.commands.executeCommand<{ paths: string[]; error?: { column: number; message: string } }>('loraWorkbench.filterGallery', { root, expression: 'blonde hair AND' });
		assert.equal(bad.error?.column, 16);
		assert.match(bad.error!.message, /expected a tag, NOT or "\("/);

		const panel = await waitFor('the gallery', async () => galleryPanel(await activateExtension(), root));
		// Once the grid is painted the webview has handled its init and sends nothing of its own that could race the test.
		await waitFor('the gallery grid to be painted', () => panel.firstPaints.has('grid'));
		panel.receive({ type: 'filter', tag: '', expression: 'blonde hair' });
		const filtered = panel.sent.get('filtered') as Extract<GalleryHostMessage, { type: 'filtered' }>;
		assert.deepEqual(filtered.ids, [0, 2, 3, 6], 'the webview is told the ids of body 1 and face 1, 2, 5');
		panel.receive({ type: 'select', ids: [3, 0] });
		panel.receive({ type: 'select', ids: 'not a list' });
		const outcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root, operation: { kind: 'remove', tag: 'blonde hair' }, scope: 'selected' });
		assert.deepEqual(outcome.applied, [body(1), face(2)], `selection ${JSON.stringify(outcome)}`);
		await (await activateExtension()).services.trainingFolders.refresh(root);
		const filteredOutcome = await vscode.commands.executeCommand<BulkEditOutcome>('loraWorkbench.bulkEdit', { root, operation: { kind: 'moveToFront', tag: 'smile' }, scope: 'filtered' });
		assert.deepEqual(filteredOutcome.planned, [face(1)], 'filtered = what the gallery shows now: blonde hair is left in face 1 and 5, and only face 1 has smile');
	});
});

describe('the gallery of a big folder', () => {
	it('posts the first 300 images with init and the rest once the page has painted its first grid (issue 22)', async function () {
		this.timeout(600_000);
		const api = await activateExtension();
		const root = await makeTrainingFolder(testWorkspace()!, 'gallery-pages', {
			subsets: [{ repeats: 10, classTokens: 'gp4g3s woman', images: 1200, size: [16, 16], caption: (i) => `gp4g3s, tag${i % 7}` }],
			settingsYaml: 'trigger: gp4g3s\nclass: woman\n',
		});
		await api.services.trainingFolders.refresh(root);
		await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
		const panel = await waitFor('the gallery', () => galleryPanel(api, root));
		const grid = await waitFor('the gallery grid to be painted', () => panel.firstPaints.get('grid'));
		// The folder may change once more as its files settle (a new init then starts over): look from the last init on.
		const lastInit = () => panel.imagePosts.slice(panel.imagePosts.map((p) => p.type).lastIndexOf('init'));
		const posted = await waitFor('all 1,200 images posted', () => {
			const posts = lastInit();
			return posts.reduce((n, p) => n + p.ids.length, 0) >= 1200 ? posts : undefined;
		});
		assert.equal(panel.imagePosts[0].type, 'init');
		assert.equal(panel.imagePosts[0].ids.length, 300, 'the first screen\'s images come with init');
		assert.deepEqual(posted.map((p) => [p.type, p.ids.length]), [['init', 300], ['images', 500], ['images', 400]], 'then pages of 500');
		assert.deepEqual(posted.flatMap((p) => p.ids).sort((a, b) => a - b), Array.from({ length: 1200 }, (_, i) => i), 'every image once');
		// The painted acknowledgement is recorded when the host handles it, just before it starts the pages.
		assert.ok(panel.imagePosts.every((p) => p.type === 'init' || p.at >= grid.at), 'no page was posted before the first grid was on screen');
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await fs.rm(root, { recursive: true, force: true });
	});
});
