import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { lossPanel } from '../support/webviews';
import { median } from './figures';
import { TRIGGER, stageFolder, writeLossHistory } from './inputs';
import { closeEditors, folderReady, PAINT_TIMEOUT_MS, record, ROUNDS } from './session';

/** From "LoRA: Show Loss Curves" to the page saying its first chart is painted; checks it drew `points` steps. */
async function openTimed(points: number): Promise<number> {
	const api = await activateExtension();
	await closeEditors();
	const start = performance.now();
	await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
	const paint = await waitFor('the loss panel to paint its chart', () => lossPanel(api)?.firstPaint, PAINT_TIMEOUT_MS);
	if (paint.points !== points) {
		throw new Error(`the loss panel drew ${paint.points} steps, expected the newest run's ${points}`);
	}
	return paint.at - start;
}

describe('bench: loss panel, command to first paint', () => {
	let root: string;

	before(async function () {
		this.timeout(120_000);
		const api = await activateExtension();
		root = await stageFolder(testWorkspace()!, 'bench-loss', async (dir) => {
			await makeTrainingFolder(join(dir, '..'), 'bench-loss', { subsets: [{ repeats: 10, classTokens: `${TRIGGER} woman`, images: 1, size: [128, 128] }], settingsYaml: `trigger: ${TRIGGER}\n` });
			await writeLossHistory(join(dir, 'log'), 1000, new Date(2026, 0, 1, 12));
		});
		await folderReady(api, root);
	});

	it('charts a 1,000-step history, then a 100,000-step one', async function () {
		this.timeout((2 * ROUNDS + 1) * PAINT_TIMEOUT_MS);
		await openTimed(1000); // warm-up: the panel's first start in this session
		const small: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			small.push(await openTimed(1000));
		}
		record('loss1k', { ms: median(small), work: 1000, note: `median of ${ROUNDS}; loss + avr_loss per step` });
		// The panel shows the newest history first: this one from now on.
		await writeLossHistory(join(root, 'log'), 100_000, new Date(2026, 0, 2, 12));
		const large: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			large.push(await openTimed(100_000));
		}
		record('loss100k', { ms: median(large), work: 100_000, note: `median of ${ROUNDS}; loss + avr_loss per step; the first open reads and parses the history, reopening reuses it; first chart from <= 1,500 columns of steps, the whole series posted after it` });
		await closeEditors();
	});
});
