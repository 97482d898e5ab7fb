import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
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
 * The one HTML shell for every webview: strict CSP with a fresh nonce; codicons, the shared theme
 * (webview/common/theme.css), the panel's own styles and its script, all from dist/webview. The styles and the script
 * are written into the page (allowed by the nonce) rather than linked: each linked file is a request VS Code serves
 * through the webview's resource loader, and the page could not paint before all of them had come (issue 22).
 * Message-specific data goes through the typed protocol, never into this HTML.
 */
export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: WebviewPageOptions): string {
	const nonce = randomBytes(16).toString('base64');
	const assetUri = (file: string) => vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file);
	const asset = (file: string) => webview.asWebviewUri(assetUri(file));
	const imgSrc = [webview.cspSource, 'blob:', 'data:', ...(options.extraImgSrc ?? [])].join(' ');
	const csp = [
		`default-src 'none'`,
		`img-src ${imgSrc}`,
		`style-src ${webview.cspSource} 'nonce-${nonce}'`,
		`font-src ${webview.cspSource}`,
		`script-src 'nonce-${nonce}'`,
	].join('; ');
	// Relative URLs in a written-in file would resolve against the page's own address: point them at dist/webview.
	const inline = (file: string) => bundleText(assetUri(file).fsPath)
		.replace(/url\("\.\/([^"?)]+)(\?[^")]*)?"\)/g, (_, name: string, query = '') => `url("${asset(name)}${query}")`)
		.replace(/(\/[/*]# sourceMappingURL=)(\S+?)(\s*\*\/)?\s*$/, (_, head: string, map: string, tail = '') => `${head}${asset(map)}${tail}`);
	const script = inline(`${options.entry}.js`);
	return `<!DOCTYPE html>
<html lang="en">
<head>
	<meta charset="UTF-8">
	<meta http-equiv="Content-Security-Policy" content="${csp}">
	<meta name="viewport" content="width=device-width, initial-scale=1.0">
	<style nonce="${nonce}">${inline('codicon.css')}</style>${usesIconElement(script) ? `
	<!-- For @vscode-elements' icon, which finds codicons by this id and links its href in its shadow root; "not all":
	the page does not wait for it to paint (its load event does). -->
	<link rel="stylesheet" media="not all" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">` : ''}
	<style nonce="${nonce}">${inline('theme.css')}</style>
	<style nonce="${nonce}">${inline(`${options.entry}.css`)}</style>
	<title>${escapeHtml(options.title)}</title>
</head>
<body>
	<div id="root"></div>
	<script nonce="${nonce}">${script}</script>
</body>
</html>`;
}

/**
 * Whether a page's bundle holds @vscode-elements' icon (vscode-button's `icon` uses it), which needs the linked
 * codicon stylesheet. Pages without it leave the link out: a page's load event waits for every linked stylesheet,
 * whatever its media, and VS Code hands the page the messages posted before it loaded (its `init`) only at that event,
 * 25-70 ms later than without the link here (issue 22).
 */
function usesIconElement(script: string): boolean {
	return script.includes('vscode-codicon-stylesheet');
}

/** The bundles' text, read once per build of each file (a rebuilt bundle has a new mtime or size). */
const bundles = new Map<string, { stamp: string; text: string }>();

function bundleText(path: string): string {
	const stat = statSync(path);
	const stamp = `${stat.mtimeMs}:${stat.size}`;
	let entry = bundles.get(path);
	if (entry?.stamp !== stamp) {
		// A closing tag inside the text would end the element early; bundles and styles never hold one, but be sure.
		entry = { stamp, text: readFileSync(path, 'utf8').replace(/<\/(script|style)/gi, '<\\/$1') };
		bundles.set(path, entry);
	}
	return entry.text;
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
