import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { TagsViewProvider } from '../../src/providers/tagsView';
import type { TagsNode } from '../../src/providers/tagsViewNodes';
import type { CoverageNode } from '../../src/providers/coverageView';
import type { TrainingFolderService } from '../../src/services/trainingFolders';

type Refresh = TagsNode | TagsNode[] | undefined;

const spec = (trigger: string) => ({
	subsets: [{ repeats: 10, classTokens: `${trigger} woman`, images: 2, size: [32, 32] as [number, number], caption: () => `${trigger}, smile` }],
	settingsYaml: `trigger: ${trigger}\nclass: woman\n`,
});

/** The training folder service once discovery has found every root, and a Tags view over it recording its refreshes. */
async function tagsViewOver(...roots: string[]): Promise<{ service: TrainingFolderService; view: TagsViewProvider; refreshes: Refresh[]; dispose(): void }> {
	const service = (await activateExtension()).services.trainingFolders;
	// Found by discovery (not opened by path, which would keep a folder listed when it is gone).
	await waitFor(`discovery to find ${roots.join(' and ')}`, () => roots.every((root) => service.get(root) !== undefined));
	await service.ready();
	const view = new TagsViewProvider(service);
	const refreshes: Refresh[] = [];
	const listening = view.onDidChangeTreeData((refresh) => refreshes.push(refresh));
	return { service, view, refreshes, dispose: () => { listening.dispose(); view.dispose(); } };
}

describe('the Tags view\'s refreshes', () => {
	it('give a folder\'s group rows at once, counted once the table is made, and then refresh the folder', async function () {
		this.timeout(120_000);
		const root = await makeTrainingFolder(testWorkspace()!, 'refresh-counts', spec('r3fc'));
		const tags = await tagsViewOver(root);
		const { view, refreshes } = tags;
		try {
			const top = await view.getChildren();
			const row = top.find((node) => node.root === root && (node.kind === 'folder' || (node.kind === 'group' && node.group === 'all')));
			assert.ok(row, 'the folder is listed');
			const all = row.kind === 'folder' ? (await view.getChildren(row)).find((node) => node.kind === 'group' && node.group === 'all') : row;
			assert.ok(all);
			// VS Code asks for a folder's rows in one request: none of them waits for the table.
			const first = await view.getTreeItem(all);
			assert.equal(first.label, 'All tags');
			assert.equal(first.description, undefined, 'no count before the table is made');
			// The folder's rows (or, alone, its groups) are refreshed once the counts are made, and then carry them.
			await waitFor('the folder\'s rows refreshed with their counts', () => refreshes.some((refresh) => (Array.isArray(refresh) ? refresh : [refresh]).some((node) => node === undefined || node === row || node === all)));
			assert.equal((await view.getTreeItem(all)).description, '2', 'r3fc and smile');
		} finally {
			tags.dispose();
			await fs.rm(root, { recursive: true, force: true });
		}
	});

	it('name only the changed folder\'s row when several folders are listed, and the whole tree when the list changes', async function () {
		this.timeout(120_000);
		const changed = await makeTrainingFolder(testWorkspace()!, 'refresh-changed', spec('r3fa'));
		const other = await makeTrainingFolder(testWorkspace()!, 'refresh-other', spec('r3fb'));
		const tags = await tagsViewOver(changed, other);
		const { service, view, refreshes } = tags;
		try {
			const top = await view.getChildren();
			const rowOf = (root: string) => top.find((node) => node.kind === 'folder' && node.root === root);
			assert.ok(rowOf(changed) && rowOf(other), 'both folders are rows of the top level');
			const named = () => refreshes.flatMap((refresh) => (Array.isArray(refresh) ? refresh : [refresh]));

			// A rescan of one folder: its row (the object the view gave VS Code) is refreshed, the other folder's is not.
			// A refresh of the whole tree cancels every fetch in flight, a folder being opened among them.
			await service.refresh(changed);
			assert.ok(named().includes(rowOf(changed)), 'the rescanned folder\'s row is refreshed by itself');
			assert.ok(!named().includes(rowOf(other)), 'the other folder\'s row is not refreshed');

			// The folder gone: the list of rows changes, so the whole tree is made again.
			refreshes.length = 0;
			await fs.rm(other, { recursive: true, force: true });
			await service.refresh();
			assert.ok(named().includes(undefined), 'the whole tree is refreshed when a folder leaves the list');
		} finally {
			tags.dispose();
			await fs.rm(changed, { recursive: true, force: true });
			await fs.rm(other, { recursive: true, force: true });
		}
	});
});

describe('the Coverage view\'s refreshes', () => {
	it('name only the changed folder\'s row when several folders are listed; its rows still come from the new scan', async function () {
		this.timeout(120_000);
		const changed = await makeTrainingFolder(testWorkspace()!, 'coverage-changed', spec('c0va'));
		const other = await makeTrainingFolder(testWorkspace()!, 'coverage-other', spec('c0vb'));
		const api = await activateExtension();
		const service = api.services.trainingFolders;
		await waitFor('discovery to find both folders', () => service.get(changed) !== undefined && service.get(other) !== undefined);
		await service.ready();
		const view = api.testing.coverageView;
		const refreshes: Array<CoverageNode | undefined> = [];
		const listening = view.onDidChangeTreeData((refresh) => refreshes.push(refresh ?? undefined));
		try {
			const top = await view.getChildren();
			assert.ok(top.includes(view.folderNode(changed)) && top.includes(view.folderNode(other)), 'both folders are rows of the top level');

			await fs.writeFile(join(changed, 'images', '10_c0va woman', 'img_001.txt'), 'c0va, smile, from side');
			await service.refresh(changed);
			assert.ok(refreshes.includes(view.folderNode(changed)), 'the rescanned folder\'s row is refreshed by itself');
			assert.ok(!refreshes.includes(view.folderNode(other)), 'the other folder\'s row is not refreshed');
			// Asked again, as VS Code does after the refresh, the folder's rows come from the new scan.
			const all = (await view.getChildren(view.folderNode(changed))).find((node) => node.kind === 'subset' && node.subset.subset === 'all subsets');
			assert.ok(all?.kind === 'subset');
			const angles = (await view.getChildren(all)).find((node) => node.kind === 'group' && node.group.group === 'angle');
			assert.ok(angles?.kind === 'group' && angles.group.tags.some((tag) => tag.tag === 'from side'), 'the new caption\'s angle is counted');
		} finally {
			listening.dispose();
			await fs.rm(changed, { recursive: true, force: true });
			await fs.rm(other, { recursive: true, force: true });
		}
	});
});
