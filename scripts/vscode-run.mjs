// Runs a test suite (out/test/<suite>/index.js) inside a real VS Code.
// Offline route (the normal case here): the VS Code server from the code-server npm package under Node 24,
// with Debian's Chromium driven by playwright-core. `@vscode/test-electron` is used instead when
// VSCODE_EXECUTABLE is set or LORA_TEST_ELECTRON=1 (a machine that can download VS Code).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureVscodeServer, serverPaths } from './vscode-server.mjs';
import { BROWSER_PACKAGES, CHROMIUM, ensureSystemPackages } from './system-packages.mjs';

const repoRoot = resolve(import.meta.dirname, '..');
const SUITE_TIMEOUT_MS = Number(process.env.LORA_TEST_TIMEOUT_MS || 20 * 60 * 1000);
// Generous: on a busy 2-core machine the server's first start has been seen to take over a minute.
const SERVER_START_TIMEOUT_MS = 180_000;

function usesElectron() {
	return Boolean(process.env.VSCODE_EXECUTABLE || process.env.LORA_TEST_ELECTRON === '1');
}

/** Installs what the offline route needs (Chromium, the VS Code server); throws a SetupError saying what to do. */
export function prepareVscodeTiers() {
	if (usesElectron()) { return; }
	ensureSystemPackages(BROWSER_PACKAGES, 'Running the VS Code test tiers');
	ensureVscodeServer();
}

const lightSettings = {
	'chat.disableAIFeatures': true,
	'workbench.startupEditor': 'none',
	'telemetry.telemetryLevel': 'off',
	'extensions.autoCheckUpdates': false,
	'extensions.autoUpdate': false,
	'workbench.tips.enabled': false,
	'workbench.enableExperiments': false,
	'update.mode': 'none',
	'security.workspace.trust.enabled': false,
	'git.enabled': false,
	'files.autoSave': 'off',
	'window.restoreWindows': 'none',
	'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

function freePort() {
	return new Promise((resolvePort, reject) => {
		const server = createNetServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolvePort(port));
		});
		server.on('error', reject);
	});
}

/** A fresh test workspace folder; suites build their own training folders inside it. */
function makeWorkspace() {
	const dir = mkdtempSync(join(tmpdir(), 'lora-wb-ws-'));
	return dir;
}

function readResults(file) {
	if (!existsSync(file)) {
		return undefined;
	}
	return JSON.parse(readFileSync(file, 'utf8'));
}

function printResults(results) {
	if (!results) { return; }
	console.log(`Ran inside VS Code ${results.vscodeVersion} (${results.appHost ?? 'unknown host'})`);
	for (const line of results.lines ?? []) { console.log(line); }
}

/**
 * Runs `out/test/<suite>/index.js` inside VS Code and returns { passed, failed }. `benchOut`: the JSON file the
 * bench tier (suite 'benchvscode') writes its figures to (LORA_BENCH_OUT). `quiet`: print the test lines only
 * when something failed.
 */
export async function runVscodeSuite({ suite, grep, benchOut, quiet = false }) {
	const compiledIndex = join(repoRoot, 'out', 'test', suite, 'index.js');
	if (!existsSync(compiledIndex)) {
		throw new Error(`${compiledIndex} is missing: run "node esbuild.mjs" first.`);
	}
	const work = mkdtempSync(join(tmpdir(), `lora-wb-${suite}-`));
	const resultsFile = join(work, 'results.json');
	const workspace = makeWorkspace();
	const screenshotsDir = join(repoRoot, 'test-results');
	mkdirSync(screenshotsDir, { recursive: true });
	const env = {
		LORA_TEST_RESULTS: resultsFile,
		LORA_TEST_WORKSPACE: workspace,
		LORA_TEST_SUITE: suite,
		LORA_REPO_ROOT: repoRoot,
		LORA_TEST_GREP: grep ?? '',
		LORA_BENCH_OUT: benchOut ?? '',
	};
	try {
		if (usesElectron()) {
			await runWithElectron({ compiledIndex, workspace, env });
		} else {
			await runOffline({ compiledIndex, workspace, env, work, screenshotsDir });
		}
		const results = readResults(resultsFile);
		if (!results) {
			throw new Error('the test run ended without writing results (the extension host did not run the tests).');
		}
		if (!quiet || results.failed > 0) {
			printResults(results);
		}
		return { passed: results.passed, failed: results.failed };
	} finally {
		if (!process.env.LORA_KEEP_TEST_DIRS) {
			rmSync(work, { recursive: true, force: true });
			rmSync(workspace, { recursive: true, force: true });
		}
	}
}

async function runWithElectron({ compiledIndex, workspace, env }) {
	const { runTests } = await import('@vscode/test-electron');
	Object.assign(process.env, env);
	await runTests({
		vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
		extensionDevelopmentPath: repoRoot,
		extensionTestsPath: compiledIndex,
		launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
		extensionTestsEnv: env,
	});
}

function checkChromium() {
	ensureSystemPackages(BROWSER_PACKAGES, 'Driving VS Code in a browser');
}

/**
 * Starts the VS Code server; resolves once it listens, with `stop()` that ends it and everything it started.
 * It runs in its own process group so that stopping it also ends its extension hosts and their children.
 */
export async function startServer({ work, extraArgs = [], env = {} }) {
	const paths = ensureVscodeServer();
	const port = await freePort();
	const userData = join(work, 'user-data');
	const serverData = join(work, 'server-data');
	const extensions = join(work, 'extensions');
	for (const dir of [join(userData, 'User'), join(serverData, 'Machine'), join(serverData, 'data', 'Machine'), extensions]) {
		mkdirSync(dir, { recursive: true });
	}
	for (const file of [join(userData, 'User', 'settings.json'), join(serverData, 'Machine', 'settings.json'), join(serverData, 'data', 'Machine', 'settings.json')]) {
		writeFileSync(file, JSON.stringify(lightSettings, null, '\t'));
	}
	const args = [paths.serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
		'--accept-server-license-terms', '--disable-workspace-trust', '--user-data-dir', userData,
		'--server-data-dir', serverData, '--extensions-dir', extensions, ...extraArgs];
	const child = spawn(paths.node, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	// 'error' without 'exit' when it could not be spawned at all: stop() must not wait for an exit that never comes.
	const exited = new Promise((resolveExit) => { child.once('exit', resolveExit); child.once('error', resolveExit); });
	const killGroup = (signal) => {
		try { process.kill(-child.pid, signal); } catch { /* already gone */ }
	};
	// If the runner itself is killed or exits early, the server must not outlive it.
	const onExit = () => killGroup('SIGKILL');
	process.once('exit', onExit);
	const stop = async () => {
		process.removeListener('exit', onExit);
		killGroup('SIGTERM');
		const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
		await exited;
		clearTimeout(timer);
		killGroup('SIGKILL');
		child.stdout.destroy();
		child.stderr.destroy();
	};
	const log = [];
	try {
		await new Promise((resolveStart, reject) => {
			const timer = setTimeout(() => reject(new Error(`the VS Code server did not start within ${SERVER_START_TIMEOUT_MS / 1000} s. Its output:\n${log.join('')}`)), SERVER_START_TIMEOUT_MS);
			child.stdout.on('data', (data) => {
				log.push(data.toString());
				if (/Extension host agent listening on/.test(data.toString())) {
					clearTimeout(timer);
					resolveStart();
				}
			});
			child.stderr.on('data', (data) => log.push(data.toString()));
			child.on('error', (err) => {
				clearTimeout(timer);
				reject(new Error(`the VS Code server could not be started (${err.message}); delete ${paths.dir} and run again.`));
			});
			child.on('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`the VS Code server exited with code ${code} before it was ready. Its output:\n${log.join('')}\n` +
					`If a native module failed to load, delete ${paths.dir} and run again.`));
			});
		});
	} catch (err) {
		await stop();
		throw err;
	}
	return { port, child, log, userData, paths, stop };
}

export async function launchChromium() {
	checkChromium();
	const { chromium } = await import('playwright-core');
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
	});
}

async function runOffline({ compiledIndex, workspace, env, work, screenshotsDir }) {
	checkChromium();
	// Opened one after the other and closed in reverse on every path, so a tier that fails to start still
	// lets the runner exit.
	const opened = [];
	try {
		const control = await startControlServer(screenshotsDir);
		opened.push(() => control.close());
		const server = await startServer({ work, extraArgs: ['--enable-smoke-test-driver'], env: { ...env, LORA_TEST_CONTROL: control.url } });
		opened.push(() => server.stop());
		const browser = await launchChromium();
		opened.push(() => browser.close().catch(() => undefined));
		const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
		control.setPage(page);
		control.watchPage(page);
		const remote = `vscode-remote://127.0.0.1:${server.port}`;
		const payload = JSON.stringify([
			['extensionDevelopmentPath', `${remote}${repoRoot}`],
			['extensionTestsPath', `${remote}${compiledIndex}`],
		]);
		const exitCode = new Promise((resolveExit) => {
			void page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
		});
		await page.exposeFunction('codeAutomationLog', (level, args) => {
			if (process.env.LORA_TEST_VERBOSE) { console.log(`[workbench ${level}]`, ...(Array.isArray(args) ? args : [args])); }
		});
		const serverGone = new Promise((_, reject) => {
			server.child.once('exit', (code) => reject(new Error(`the VS Code server exited with code ${code} during the tests. Its output:\n${server.log.join('').slice(-4000)}`)));
		});
		serverGone.catch(() => undefined); // it also rejects when we stop the server after the tests
		const url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
		// Playwright's default 30 s is too short for the workbench's first load on a busy 2-core machine.
		await page.goto(url, { timeout: 300_000 });
		let timer;
		const timeout = new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`)), SUITE_TIMEOUT_MS);
		});
		opened.push(() => clearTimeout(timer));
		const code = await Promise.race([exitCode, timeout, serverGone]);
		if (process.env.LORA_TEST_VERBOSE) { console.log(`extension host exited with ${code}`); }
	} finally {
		for (const close of opened.reverse()) {
			await close();
		}
	}
}

/**
 * A small HTTP server the tests inside VS Code call to act on the workbench page from outside:
 * POST /screenshot?name=x saves test-results/x.png; POST /press?key=Enter presses a key; POST /wait?selector=s
 * answers once the element is visible (how a test waits for a dialog instead of sleeping); POST /rect?selector=s answers
 * the element's {x, y, width, height} in screenshot pixels; POST /count?selector=s answers how many elements match
 * (visible or not); POST /texts?selector=s answers their textContent; POST /console?since=n answers what the page and
 * its frames (webviews included) logged, threw and tried to show as a dialog since the n-th entry (how a test sees
 * that no script of user data ran). Each takes `frame`, an iframe's selector, to act inside it.
 */
async function startControlServer(screenshotsDir) {
	let page;
	/** Console messages, uncaught errors and dialogs of the page and every frame in it, oldest first. */
	const events = [];
	const locate = (url) => {
		const selector = url.searchParams.get('selector') || 'body';
		const frameText = url.searchParams.get('frame');
		return frameText ? page.frameLocator(frameText).locator(selector) : page.locator(selector);
	};
	/** How long an action waits for its element: the caller's `timeout`, else 60 s (a loaded 2-core machine is slow to draw). */
	const timeoutOf = (url) => Number(url.searchParams.get('timeout') || 60_000);
	const server = createServer(async (req, res) => {
		const url = new URL(req.url, 'http://127.0.0.1');
		const started = Date.now();
		// A slow or failed page action is named in the test output: a test that runs out of time says where it waited.
		res.once('finish', () => {
			const seconds = (Date.now() - started) / 1000;
			if (seconds >= 5 || res.statusCode !== 200) {
				console.log(`      page control: ${url.pathname} ${url.searchParams.get('selector') ?? ''} took ${seconds.toFixed(1)} s${res.statusCode !== 200 ? ' and failed' : ''}`);
			}
		});
		try {
			if (!page) { throw new Error('no page yet'); }
			if (url.pathname === '/screenshot') {
				const name = (url.searchParams.get('name') || 'screenshot').replace(/[^\w.-]/g, '_');
				const file = join(screenshotsDir, `${name}.png`);
				await page.screenshot({ path: file });
				res.end(JSON.stringify({ file }));
			} else if (url.pathname === '/press') {
				await page.keyboard.press(url.searchParams.get('key') || 'Escape');
				res.end('{}');
			} else if (url.pathname === '/type') {
				await page.keyboard.type(url.searchParams.get('text') || '');
				res.end('{}');
			} else if (url.pathname === '/wait') {
				await locate(url).first().waitFor({ state: 'visible', timeout: timeoutOf(url) });
				res.end('{}');
			} else if (url.pathname === '/rect') {
				// The element's box in page pixels (the screenshot's pixels: the viewport has device scale 1), iframes included.
				const rect = await locate(url).first().boundingBox({ timeout: timeoutOf(url) });
				if (!rect) { throw new Error(`${url.searchParams.get('selector') || 'body'} is not visible`); }
				res.end(JSON.stringify(rect));
			} else if (url.pathname === '/count') {
				res.end(JSON.stringify({ count: await locate(url).count() }));
			} else if (url.pathname === '/texts') {
				res.end(JSON.stringify({ texts: await locate(url).allTextContents() }));
			} else if (url.pathname === '/selection') {
				// The text the page (or the frame) has selected, as the user would copy it.
				res.end(JSON.stringify({ text: await locate(url).first().evaluate(() => globalThis.getSelection()?.toString() ?? '') }));
			} else if (url.pathname === '/fonts') {
				// The font families the frame has loaded, once its pending loads are done: a glyph font whose URL is
				// wrong shows as empty boxes on a screenshot, and only this says so.
				const families = await locate(url).first().evaluate(() => globalThis.document.fonts.ready
					.then((fonts) => [...fonts].filter((font) => font.status === 'loaded').map((font) => font.family.replace(/["']/g, ''))));
				res.end(JSON.stringify({ families }));
			} else if (url.pathname === '/console') {
				const since = Number(url.searchParams.get('since') || 0);
				res.end(JSON.stringify({ next: events.length, events: events.slice(since) }));
			} else if (url.pathname === '/click') {
				await locate(url).first().click({ timeout: timeoutOf(url) });
				res.end('{}');
			} else {
				res.statusCode = 404;
				res.end('{}');
			}
		} catch (err) {
			res.statusCode = 500;
			res.end(JSON.stringify({ error: String(err) }));
		}
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		setPage: (p) => { page = p; },
		/** Records what the page and its frames log, throw and show as dialogs (dismissed at once), for /console. */
		watchPage: (p) => {
			p.on('console', (message) => {
				events.push({ kind: 'console', type: message.type(), text: message.text(), url: message.location()?.url ?? '' });
			});
			p.on('pageerror', (error) => {
				events.push({ kind: 'pageerror', type: 'error', text: String(error?.stack ?? error), url: '' });
			});
			p.on('dialog', (dialog) => {
				events.push({ kind: 'dialog', type: dialog.type(), text: dialog.message(), url: '' });
				dialog.dismiss().catch(() => undefined);
			});
		},
		close: () => new Promise((resolveClose) => {
			server.closeAllConnections();
			server.close(() => resolveClose());
		}),
	};
}

export { serverPaths };
