import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { activateExtension, EXTENSION_ID } from '../support/extension';
import { median } from './figures';
import { closeEditors, PAINT_TIMEOUT_MS, record, ROUNDS } from './session';

/**
 * The page every timed panel waits for, a paragraph and one inline script that says when its first frame is on
 * screen (as webview/common/paint.ts does), loads nothing else. The loss panel, gallery and caption editor figures
 * time the same path from the command plus their own script, data and drawing: the rest is VS Code's.
 */
function emptyPage(nonce: string): string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}';">
<title>Empty</title></head><body><p>Empty</p>
<script nonce="${nonce}">const vscode = acquireVsCodeApi(); vscode.postMessage({ type: 'ready' });
requestAnimationFrame(() => setTimeout(() => vscode.postMessage({ type: 'painted' }), 0));</script></body></html>`;
}

interface EmptyOpen {
	ms: number;
	readyMs: number;
}

async function openEmpty(extensionUri: vscode.Uri): Promise<EmptyOpen> {
	await closeEditors();
	const start = performance.now();
	const panel = vscode.window.createWebviewPanel('loraWorkbench.benchEmptyPage', 'Empty', vscode.ViewColumn.Active, {
		enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
	});
	try {
		let readyAt = 0;
		const painted = new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('the empty webview never said it painted')), PAINT_TIMEOUT_MS);
			panel.webview.onDidReceiveMessage((message: { type?: string }) => {
				if (message.type === 'ready') {
					readyAt = performance.now();
				} else if (message.type === 'painted') {
					clearTimeout(timer);
					resolve(performance.now());
				}
			});
		});
		panel.webview.html = emptyPage(randomBytes(16).toString('base64'));
		const paintedAt = await painted;
		return { ms: paintedAt - start, readyMs: readyAt - start };
	} finally {
		panel.dispose();
	}
}

describe("bench: an empty webview panel, VS Code's own part of every panel's open", () => {
	it('creates a panel whose page only says when it is painted', async function () {
		this.timeout((ROUNDS + 2) * PAINT_TIMEOUT_MS);
		await activateExtension(); // the state every other panel is opened in
		const extensionUri = vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri;
		await openEmpty(extensionUri); // warm-up, as the other panels have one
		const opens: EmptyOpen[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			opens.push(await openEmpty(extensionUri));
		}
		const ms = median(opens.map((o) => o.ms));
		record('webviewFloor', { ms, work: 1, note: `median of ${ROUNDS} (${opens.map((o) => `${o.ms.toFixed(0)} ms, script ran at ${o.readyMs.toFixed(0)} ms`).join('; ')}); no panel of ours can paint sooner` });
		await closeEditors();
	});
});
