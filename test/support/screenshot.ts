/**
 * Acting on the workbench page from inside the extension host: the launcher (scripts/vscode-run.mjs) runs a
 * small control server around the Playwright page. Screenshots land in test-results/<name>.png.
 */

function controlUrl(): string | undefined {
	return process.env.LORA_TEST_CONTROL || undefined;
}

async function call(path: string): Promise<unknown> {
	const base = controlUrl();
	if (!base) {
		throw new Error('no page control: this run was not started through the offline launcher (scripts/vscode-run.mjs)');
	}
	const response = await fetch(`${base}${path}`, { method: 'POST' });
	const body = await response.json() as { error?: string };
	if (!response.ok) {
		throw new Error(`page control ${path} failed: ${body.error ?? response.status}`);
	}
	return body;
}

export function canControlPage(): boolean {
	return controlUrl() !== undefined;
}

/** Saves a screenshot of the whole workbench as test-results/<name>.png and returns its path. */
export async function screenshot(name: string): Promise<string> {
	const result = await call(`/screenshot?name=${encodeURIComponent(name)}`) as { file: string };
	return result.file;
}

export async function pressKey(key: string): Promise<void> {
	await call(`/press?key=${encodeURIComponent(key)}`);
}

export async function typeText(text: string): Promise<void> {
	await call(`/type?text=${encodeURIComponent(text)}`);
}

/** Clicks an element; `frame` is a CSS selector of an iframe (webviews nest two: use 'iframe.webview.ready >> internal:control=enter-frame >> iframe#active-frame' style selectors through frameLocator chains). */
export async function click(selector: string, frame?: string): Promise<void> {
	await call(`/click?selector=${encodeURIComponent(selector)}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`);
}

/** Resolves once an element of the workbench page (or of the iframe `frame`) is visible: wait for UI, never sleep. */
export async function waitForElement(selector: string, frame?: string, timeoutMs = 60_000): Promise<void> {
	await call(`/wait?selector=${encodeURIComponent(selector)}&timeout=${timeoutMs}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`);
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
