/** Helpers of the VS Code bench tier: settling between timed opens, ready folders, recording figures. */
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../src/extension';
import { sleep } from '../support/screenshot';
import { FigureKey, MeasuredFigure, recordFigure } from './figures';

/** Timed opens per figure where a median is taken (LORA_BENCH_VSCODE_ROUNDS). */
export const ROUNDS = Math.max(1, Number(process.env.LORA_BENCH_VSCODE_ROUNDS ?? 3));
/** Longest wait for a paint acknowledgement; past it the figure is missing, not slow. */
export const PAINT_TIMEOUT_MS = 180_000;
const SETTLE_MS = 750;

/** Closes every editor (webview panels included) and lets the workbench settle before the next timed open. */
export async function closeEditors(): Promise<void> {
	await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	await sleep(SETTLE_MS);
}

/** Scans a training folder and waits for its whole-folder lint, so neither runs during a timed open. */
export async function folderReady(api: WorkbenchApi, root: string): Promise<void> {
	await api.services.trainingFolders.refresh(root);
	if (!api.services.trainingFolders.get(root)) {
		throw new Error(`${root} was not recognised as a training folder`);
	}
	await api.testing.lint.diagnostics.idle();
	await sleep(SETTLE_MS);
}

export function record(key: FigureKey, figure: MeasuredFigure): void {
	recordFigure(key, figure, vscode.version);
}
