import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { TagsViewProvider } from '../../src/providers/tagsView';
import type { TagsNode } from '../../src/providers/tagsViewNodes';

type Refresh = TagsNode | TagsNode[] | undefined;

describe('the Tags view\'s refreshes', () => {
	it('name only the changed folder\'s row when several folders are listed, and the whole tree when the list changes', async function () {
		this.timeout(120_000);
		const spec = (trigger: string) => ({
			subsets: [{ repeats: 10, classTokens: `${trigger} woman`, images: 2, size: [32, 32] as [number, number], caption: () => `${trigger}, smile` }],
			settingsYaml: `trigger: ${trigger}\nclass: woman\n`,
		});
		const changed = await makeTrainingFolder(testWorkspace()!, 'refresh-changed', spec('r3fa'));
		const other = await makeTrainingFolder(testWorkspace()!, 'refresh-other', spec('r3fb'));
		const service = (await activateExtension()).services.trainingFolders;
		// Found by discovery (not opened by path, which would keep the folder listed when it is gone).
		await waitFor('discovery to find both folders', () => service.get(changed) !== undefined && service.get(other) !== undefined);
		await service.ready();
		const view = new TagsViewProvider(service);
		const refreshes: Refresh[] = [];
		const listening = view.onDidChangeTreeData((refresh) => refreshes.push(refresh));
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
			listening.dispose();
			view.dispose();
			await fs.rm(changed, { recursive: true, force: true });
			await fs.rm(other, { recursive: true, force: true });
		}
	});
});
