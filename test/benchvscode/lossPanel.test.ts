import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { testWorkspace } from '../support/paths';
import { lossPanel } from '../support/webviews';
import { median } from './figures';
import { TRIGGER, stageFolder, writeLossHistory } from './inputs';
import { closeEditors, folderReady, PAINT_TIMEOUT_MS, record, ROUNDS } from './session';

interface LossOpen {
	ms: number;
	/** Where the time went: when the host posted `init` (before the page loads: VS Code hands it over once it has), when the page said `ready`, and the paint. */
	split: string;
}

/** From "LoRA: Show Loss Curves" to the page saying its first chart is painted; checks it drew `points` steps. */
async function openTimed(points: number): Promise<LossOpen> {
	const api = await activateExtension();
	await closeEditors();
	const start = performance.now();
	await vscode.commands.executeCommand('loraWorkbench.showLossPanel');
	const paint = await waitFor('the loss panel to paint its chart', () => lossPanel(api)?.firstPaint, PAINT_TIMEOUT_MS);
	if (paint.points !== points) {
		throw new Error(`the loss panel drew ${paint.points} steps, expected the newest run's ${points}`);
	}
	const panel = lossPanel(api)!;
	const ready = panel.readyAt ?? start;
	const init = panel.firstInitAt ?? ready;
	return { ms: paint.at - start, split: `init posted after ${(init - start).toFixed(0)} ms, page ready after ${(ready - start).toFixed(0)} ms, chart painted ${(paint.at - ready).toFixed(0)} ms after that` };
}

function summary(opens: LossOpen[]): string {
	const middle = [...opens].sort((a, b) => a.ms - b.ms)[Math.floor(opens.length / 2)];
	return `median of ${opens.length} (${middle.split})`;
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
		const small: LossOpen[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			small.push(await openTimed(1000));
		}
		record('loss1k', { ms: median(small.map((o) => o.ms)), work: 1000, note: `${summary(small)}; loss + avr_loss per step` });
		// The panel shows the newest history first: this one from now on.
		await writeLossHistory(join(root, 'log'), 100_000, new Date(2026, 0, 2, 12));
		const large: LossOpen[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			large.push(await openTimed(100_000));
		}
		record('loss100k', { ms: median(large.map((o) => o.ms)), work: 100_000, note: `${summary(large)}; loss + avr_loss per step; the first open reads and parses the history, reopening reuses it; first chart from <= 1,500 columns of steps, the whole series posted after it` });
		await closeEditors();
	});
});
