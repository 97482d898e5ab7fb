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

/**
 * Clicks an element, waiting up to `timeoutMs` for it to be there and clickable (a loaded 2-core machine can take
 * longer than 10 s to draw it); `frame` is a CSS selector of an iframe (webviews nest two: use
 * 'iframe.webview.ready >> internal:control=enter-frame >> iframe#active-frame' style selectors through frameLocator chains).
 */
export async function click(selector: string, frame?: string, timeoutMs = 60_000): Promise<void> {
	await call(`/click?selector=${encodeURIComponent(selector)}&timeout=${timeoutMs}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`);
}

/**
 * Clicks an element if the page has one now (a view header that may be folded already), without waiting for one to
 * appear: a click that may have nothing to click must not wait out `click`'s timeout. False when there was none, or
 * it went away before the click.
 */
export async function clickIfPresent(selector: string, frame?: string): Promise<boolean> {
	if (await countElements(selector, frame) === 0) {
		return false;
	}
	return click(selector, frame, 10_000).then(() => true, () => false);
}

/** Resolves once an element of the workbench page (or of the iframe `frame`) is visible: wait for UI, never sleep. */
export async function waitForElement(selector: string, frame?: string, timeoutMs = 60_000): Promise<void> {
	await call(`/wait?selector=${encodeURIComponent(selector)}&timeout=${timeoutMs}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`);
}

export interface PageRect {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** Where an element of the page (or of the iframe `frame`) is drawn, in the pixels of `screenshot()`'s PNG. */
export async function elementRect(selector: string, frame?: string, timeoutMs = 60_000): Promise<PageRect> {
	return await call(`/rect?selector=${encodeURIComponent(selector)}&timeout=${timeoutMs}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`) as PageRect;
}

/** How many elements of the page (or of the iframe `frame`) match `selector`, visible or not, now. */
export async function countElements(selector: string, frame?: string): Promise<number> {
	const result = await call(`/count?selector=${encodeURIComponent(selector)}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`) as { count: number };
	return result.count;
}

/** The textContent of each element of the page (or of the iframe `frame`) that matches `selector`. */
export async function elementTexts(selector: string, frame?: string): Promise<string[]> {
	const result = await call(`/texts?selector=${encodeURIComponent(selector)}${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`) as { texts: string[] };
	return result.texts;
}

/** The text selected in the page (or in the iframe `frame`), as the user would copy it. */
export async function selectedText(frame?: string): Promise<string> {
	const result = await call(`/selection?selector=body${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`) as { text: string };
	return result.text;
}

/** The font families a frame (e.g. WEBVIEW_FRAME) has loaded, after its pending font loads are done. */
export async function loadedFonts(frame?: string): Promise<string[]> {
	const result = await call(`/fonts?selector=body${frame ? `&frame=${encodeURIComponent(frame)}` : ''}`) as { families: string[] };
	return result.families;
}

/** Something the workbench page or one of its frames (webviews included) logged, threw, or showed as a dialog. */
export interface PageEvent {
	kind: 'console' | 'pageerror' | 'dialog';
	/** The console message type ('log', 'error', ...), 'error' for an uncaught error, the dialog type ('alert', ...). */
	type: string;
	text: string;
	/** The script or document it came from, where known. */
	url: string;
}

/**
 * What the page and its frames logged, threw and tried to show as dialogs (the launcher dismisses them), since the
 * `since`-th event; `next` is the mark to pass to see only what comes after.
 */
export async function pageEvents(since = 0): Promise<{ next: number; events: PageEvent[] }> {
	return await call(`/console?since=${since}`) as { next: number; events: PageEvent[] };
}

/** The content frame of a webview: VS Code nests two iframes. Use `webviewFrame(n)` when several webviews are open. */
export const WEBVIEW_FRAME = 'iframe.webview.ready >> internal:control=enter-frame >> iframe#active-frame';

/** The content frame of the n-th webview (0-based, in the order VS Code created them). */
export function webviewFrame(nth: number): string {
	return `iframe.webview.ready >> nth=${nth} >> internal:control=enter-frame >> iframe#active-frame`;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast';

const WORKBENCH_THEME_CLASS: Record<ThemeKind, string> = { light: 'vs', dark: 'vs-dark', 'high-contrast': 'hc-black' };

/**
 * Resolves once the workbench shows a theme of this kind (the class VS Code puts on `.monaco-workbench` when it
 * applies a theme) and, with `frame`, once that webview has been restyled too (`vscode-light` / `vscode-dark` /
 * `vscode-high-contrast` on its body, set by the same theme change).
 */
export async function waitForTheme(kind: ThemeKind, frame?: string, timeoutMs = 60_000): Promise<void> {
	await waitForElement(`.monaco-workbench.${WORKBENCH_THEME_CLASS[kind]}`, undefined, timeoutMs);
	if (frame) {
		await waitForElement(`body.vscode-${kind}`, frame, timeoutMs);
	}
}

/** A row of the side bar view titled `view` (a tree row, `.monaco-list-row`), as a selector; `extra` narrows it (`[aria-expanded="true"]`, `:has-text(...)`). */
export function sideBarRow(view: string, extra = ''): string {
	return `[id="workbench.parts.sidebar"] .pane:has(.pane-header:has-text("${view}")) .monaco-list-row${extra}`;
}

/**
 * Expands the tree row `extra` of side bar view `view` by clicking it, as a person would. Rows move while the views
 * fill in (other folders load at their own pace), so a click can land on another row: then it clicks again.
 */
export async function expandSideBarRow(view: string, extra: string, attempts = 5): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		await waitForElement(sideBarRow(view, extra));
		await clickIfPresent(sideBarRow(view, `[aria-expanded="false"]${extra}`));
		try {
			await waitForElement(sideBarRow(view, `[aria-expanded="true"]${extra}`), undefined, 10_000);
			return;
		} catch (err) {
			if (attempt >= attempts) { throw err; }
		}
	}
}

/**
 * Fixed delays make a test pass on an idle machine and fail on a busy one; wait for the event instead
 * (`waitFor`, `waitForElement`, `waitForTheme`). Kept for the VS Code bench tier's settling pauses.
 */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
