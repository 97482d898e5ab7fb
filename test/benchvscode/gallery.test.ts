import * as vscode from 'vscode';
import { TagsViewProvider } from '../../src/providers/tagsView';
import type { TagsNode } from '../../src/providers/tagsViewNodes';
import { activateExtension, waitFor } from '../support/extension';
import { testWorkspace } from '../support/paths';
import { galleryPanel } from '../support/webviews';
import { median } from './figures';
import { buildGalleryFolder, stageFolder } from './inputs';
import { closeEditors, folderReady, PAINT_TIMEOUT_MS, record, ROUNDS } from './session';

const LARGE = 5000;
const SMALL = 100;
const TAGS_ROUNDS = 5;

interface GalleryOpen {
	gridMs: number;
	thumbnailsMs: number;
	cells: number;
	/** Where the time to the grid went: VS Code starting the page (command to `ready`), the host (to `init`), the page. */
	split: string;
}

/** From "LoRA: Show Gallery" to the page saying its first grid, then that grid's thumbnails, are painted. */
async function openTimed(root: string): Promise<GalleryOpen> {
	await closeEditors();
	const start = performance.now();
	await vscode.commands.executeCommand('loraWorkbench.showGallery', root);
	const panel = galleryPanel(await activateExtension(), root);
	if (!panel) {
		throw new Error(`no gallery opened for ${root}`);
	}
	const grid = await waitFor(`the gallery of ${root} to paint its grid`, () => panel.firstPaints.get('grid'), PAINT_TIMEOUT_MS);
	const thumbnails = await waitFor(`the gallery of ${root} to paint its first thumbnails`, () => panel.firstPaints.get('thumbnails'), PAINT_TIMEOUT_MS);
	if (grid.cells === 0) {
		throw new Error(`the gallery of ${root} painted an empty grid`);
	}
	const ready = panel.readyAt ?? start;
	const init = panel.firstInitAt ?? ready;
	const split = `init posted after ${(init - start).toFixed(0)} ms, page ready after ${(ready - start).toFixed(0)} ms, grid painted ${(grid.at - ready).toFixed(0)} ms after that`;
	return { gridMs: grid.at - start, thumbnailsMs: thumbnails.at - start, cells: grid.cells, split };
}

/** A fresh Tags view provider (cold cache, as after a scan): the folder's children with their items, then every tag's item. */
async function tagsTimed(provider: TagsViewProvider, root: string): Promise<{ rootMs: number; allMs: number; tags: number }> {
	// The group rows come back at once; their counts once the table, statistics and flagged tags are made, when the
	// provider refreshes the folder and VS Code asks for the rows again. The row times up to the counted rows.
	const refreshed = new Promise<void>((resolve) => {
		const listening = provider.onDidChangeTreeData(() => {
			listening.dispose();
			resolve();
		});
	});
	const start = performance.now();
	const groups = await provider.getChildren({ kind: 'folder', root });
	let items = await Promise.all(groups.map((node) => provider.getTreeItem(node)));
	if (items.some((item) => item.label === 'All tags' && item.description === undefined)) {
		await refreshed;
		items = await Promise.all(groups.map((node) => provider.getTreeItem(node)));
	}
	if (items.some((item) => item.label === 'All tags' && item.description === undefined)) {
		throw new Error(`the Tags view of ${root} did not count its tags`);
	}
	const rootDone = performance.now();
	const all = groups.find((node): node is Extract<TagsNode, { kind: 'group' }> => node.kind === 'group' && node.group === 'all');
	if (!all) {
		throw new Error(`the Tags view of ${root} has no "All tags" group`);
	}
	const rows = await provider.getChildren(all);
	await Promise.all(rows.map((node) => provider.getTreeItem(node)));
	return { rootMs: rootDone - start, allMs: performance.now() - rootDone, tags: rows.length };
}

describe('bench: gallery and Tags view on 5,000 images', () => {
	const roots = new Map<number, string>();
	let warmup: string;

	before(async function () {
		this.timeout(600_000);
		const api = await activateExtension();
		const workspace = testWorkspace()!;
		warmup = await stageFolder(workspace, 'bench-gallery-warmup', (dir) => buildGalleryFolder(dir, 12));
		await folderReady(api, warmup);
		for (const count of [SMALL, LARGE]) {
			const root = await stageFolder(workspace, `bench-gallery-${count}`, (dir) => buildGalleryFolder(dir, count));
			await folderReady(api, root);
			const found = api.services.trainingFolders.get(root)!.subsets.reduce((n, s) => n + s.images.length, 0);
			if (found !== count) {
				throw new Error(`${root}: the scan found ${found} images, expected ${count}`);
			}
			roots.set(count, root);
		}
	});

	it('opens the gallery of 100 and 5,000 images (thumbnails made on demand), then reopens the large one', async function () {
		this.timeout((ROUNDS + 3) * PAINT_TIMEOUT_MS);
		await openTimed(warmup); // the gallery's first start in this session
		const small = await openTimed(roots.get(SMALL)!);
		record('gallery100Grid', { ms: small.gridMs, work: SMALL, note: `${small.cells} cells on screen; ${small.split}` });
		record('gallery100Thumbs', { ms: small.thumbnailsMs, work: SMALL, note: `${small.cells} cells on screen, thumbnails made on demand (cold cache)` });
		const large = await openTimed(roots.get(LARGE)!);
		record('gallery5kGrid', { ms: large.gridMs, work: LARGE, note: `${large.cells} cells on screen; ${large.split}` });
		record('gallery5kThumbs', { ms: large.thumbnailsMs, work: LARGE, note: `${large.cells} cells on screen, thumbnails made on demand (cold cache)` });
		const again: GalleryOpen[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			again.push(await openTimed(roots.get(LARGE)!));
		}
		record('gallery5kCached', {
			ms: median(again.map((o) => o.thumbnailsMs)), work: LARGE,
			note: `median of ${ROUNDS}; grid painted at ${median(again.map((o) => o.gridMs)).toFixed(0)} ms (last: ${again[again.length - 1].split}); thumbnails from the disk cache`,
		});
		await closeEditors();
	});

	it('builds the Tags view of 100 and 5,000 images from a fresh provider', async () => {
		const api = await activateExtension();
		for (const count of [SMALL, LARGE]) {
			const root = roots.get(count)!;
			const rounds: Array<Awaited<ReturnType<typeof tagsTimed>>> = [];
			for (let round = 0; round < TAGS_ROUNDS; round++) {
				const provider = new TagsViewProvider(api.services.trainingFolders);
				try {
					rounds.push(await tagsTimed(provider, root));
				} finally {
					provider.dispose();
				}
			}
			const note = `median of ${TAGS_ROUNDS}; the group rows at once, counted once the tag table, statistics and flagged tags are made (to there)`;
			if (count === SMALL) {
				record('tags100Root', { ms: median(rounds.map((r) => r.rootMs)), work: SMALL, note });
			} else {
				record('tags5kRoot', { ms: median(rounds.map((r) => r.rootMs)), work: LARGE, note });
				record('tags5kAll', { ms: median(rounds.map((r) => r.allMs)), work: rounds[0].tags, note: `median of ${TAGS_ROUNDS}; a tree item for each of ${rounds[0].tags} tags` });
			}
		}
	});
});
