import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPageOptions {
	/** Bundle name under dist/webview (the folder name under webview/). */
	entry: string;
	title: string;
	/** Extra img-src sources beyond the webview's own (rarely needed). */
	extraImgSrc?: string[];
}

/** Local resource roots every webview needs: our bundles, plus whatever data folders the caller adds. */
export function webviewResourceRoots(extensionUri: vscode.Uri, ...dataRoots: vscode.Uri[]): vscode.Uri[] {
	return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), ...dataRoots];
}

/**
 * The one HTML shell for every webview: strict CSP with a fresh nonce, scripts and styles only from
 * dist/webview: codicons, the shared theme (webview/common/theme.css), then the panel's own styles. Message-specific data goes through the typed protocol, never into this HTML.
 */
export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: WebviewPageOptions): string {
	const nonce = randomBytes(16).toString('base64');
	const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file));
	const imgSrc = [webview.cspSource, 'blob:', 'data:', ...(options.extraImgSrc ?? [])].join(' ');
	const csp = [
		`default-src 'none'`,
		`img-src ${imgSrc}`,
		`style-src ${webview.cspSource} 'nonce-${nonce}'`,
		`font-src ${webview.cspSource}`,
		`script-src 'nonce-${nonce}'`,
	].join('; ');
	return `<!DOCTYPE html>
<html lang="en">
<head>
	<meta charset="UTF-8">
	<meta http-equiv="Content-Security-Policy" content="${csp}">
	<meta name="viewport" content="width=device-width, initial-scale=1.0">
	<link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
	<link rel="stylesheet" href="${asset('theme.css')}">
	<link rel="stylesheet" href="${asset(`${options.entry}.css`)}">
	<title>${escapeHtml(options.title)}</title>
</head>
<body>
	<div id="root"></div>
	<script nonce="${nonce}" src="${asset(`${options.entry}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
