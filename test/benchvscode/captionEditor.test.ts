import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { testWorkspace } from '../support/paths';
import { captionEditor } from '../support/webviews';
import { median } from './figures';
import { buildCaptionEditorFolder, CaptionEditorImages, stageFolder } from './inputs';
import { closeEditors, folderReady, PAINT_TIMEOUT_MS, record, ROUNDS } from './session';

interface Opened {
	ms: number;
	width: number;
	height: number;
}

/** From "LoRA: Open Caption Editor" on an image to the page saying its picture is decoded and painted. */
async function openTimed(image: string): Promise<Opened> {
	const api = await activateExtension();
	await closeEditors();
	const caption = vscode.Uri.file(image.replace(/\.jpg$/, '.txt'));
	const start = performance.now();
	await vscode.commands.executeCommand('loraWorkbench.openCaptionEditor', vscode.Uri.file(image));
	const paint = await waitFor(`the caption editor on ${image} to paint its image`, () => captionEditor(api, caption)?.firstPaint, PAINT_TIMEOUT_MS);
	if (paint.image !== 'shown') {
		throw new Error(`the caption editor on ${image} painted "${paint.image}" instead of the image`);
	}
	return { ms: paint.at - start, width: paint.width, height: paint.height };
}

describe('bench: caption editor, command to first paint', () => {
	let root: string;
	let images: CaptionEditorImages;

	before(async function () {
		this.timeout(300_000);
		const api = await activateExtension();
		root = await stageFolder(testWorkspace()!, 'bench-caption', async (dir) => { images = await buildCaptionEditorFolder(dir, ROUNDS); });
		await folderReady(api, root);
	});

	it('opens a 512x768 and a 4000x6000 JPEG, alternating, each copy cold', async function () {
		this.timeout(ROUNDS * 2 * PAINT_TIMEOUT_MS);
		// The first webview of the session pays for starting the webview machinery: not part of either figure.
		await openTimed(join(root, images.warmup));
		const small: Opened[] = [];
		const large: Opened[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			small.push(await openTimed(join(root, images.small[round])));
			large.push(await openTimed(join(root, images.large[round])));
		}
		record('captionSmall', { ms: median(small.map((o) => o.ms)), work: 1, note: `median of ${ROUNDS}; shown as is, ${small[0].width}x${small[0].height}` });
		record('captionLarge', { ms: median(large.map((o) => o.ms)), work: 1, note: `median of ${ROUNDS} first opens; ${large[0].width}x${large[0].height} preview painted, the original only on zoom` });
		await closeEditors();
	});

	it('steps to the next 4000x6000 image of a subset once the open editor has prepared its neighbours (issue 19.8)', async function () {
		this.timeout((ROUNDS + 2) * PAINT_TIMEOUT_MS);
		const api = await activateExtension();
		await closeEditors();
		const captionOf = (image: string) => vscode.Uri.file(join(root, image).replace(/\.jpg$/, '.txt'));
		await vscode.commands.executeCommand('loraWorkbench.openCaptionEditor', vscode.Uri.file(join(root, images.steps[0])));
		const steps: number[] = [];
		const hostShares: number[] = [];
		const pageShares: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const current = captionOf(images.steps[round]);
			// What a user sees before pressing Next: the picture, then the filmstrip (made after the neighbours' previews).
			await waitFor('the editor to paint and prepare its neighbours', () => {
				const session = captionEditor(api, current);
				return session?.firstPaint && session.posted.some((m) => m.type === 'neighbours' && (m as { neighbours: Array<{ thumbSrc?: string }> }).neighbours.some((n) => n.thumbSrc));
			}, PAINT_TIMEOUT_MS);
			const next = captionOf(images.steps[round + 1]);
			const start = performance.now();
			await vscode.commands.executeCommand('loraWorkbench.nextCaption');
			const paint = await waitFor(`the next image ${next.fsPath} painted`, () => captionEditor(api, next)?.firstPaint, PAINT_TIMEOUT_MS);
			steps.push(paint.at - start);
			hostShares.push((captionEditor(api, next)?.initAt ?? paint.at) - start);
			pageShares.push(paint.pageMs ?? 0);
		}
		record('captionNext', {
			ms: median(steps), work: 1,
			note: `median of ${ROUNDS} steps with Next, in place (same tab and page); the host posted the page its new state after ${Math.round(median(hostShares))} ms, the page painted ${Math.round(median(pageShares))} ms after receiving it, the rest is transport; target < 200 ms (issue 19.8)`,
		});
		await closeEditors();
	});
});
