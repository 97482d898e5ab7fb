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
});
