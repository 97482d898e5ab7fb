import { promises as fs, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

function testFiles(dir: string): string[] {
	if (!existsSync(dir)) {
		return [];
	}
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? testFiles(path) : name.endsWith('.test.js') ? [path] : [];
	}).sort();
}

/**
 * Runs every compiled `*.test.js` of a suite folder with mocha inside the extension host, then writes the
 * summary where the launcher reads it (LORA_TEST_RESULTS). Throws when a test failed, so the host exits 1.
 * `afterFailedTest` runs after each failed test, before the next one changes the window (the UI suite's screenshot).
 */
export async function runSuite(suiteDir: string, afterFailedTest?: (title: string) => Promise<unknown>): Promise<void> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const Mocha = require('mocha') as typeof import('mocha');
	const mocha = new Mocha({ ui: 'bdd', timeout: 300_000, color: false, reporter: 'spec' });
	if (afterFailedTest) {
		mocha.rootHooks({
			async afterEach(this: Mocha.Context) {
				const test = this.currentTest;
				if (test?.state === 'failed') {
					await afterFailedTest(test.fullTitle()).catch((err: unknown) => console.log(`after the failed test: ${String(err)}`));
				}
			},
		});
	}
	const grep = process.env.LORA_TEST_GREP;
	if (grep) {
		mocha.grep(grep);
	}
	for (const file of testFiles(suiteDir)) {
		mocha.addFile(file);
	}
	const lines: string[] = [];
	let passed = 0;
	let failed = 0;
	await new Promise<void>((resolve) => {
		const runner = mocha.run(() => resolve());
		runner.on('pass', (test) => {
			passed++;
			lines.push(`  ✓ ${test.fullTitle()} (${test.duration ?? 0} ms)`);
		});
		runner.on('fail', (test, err: Error) => {
			failed++;
			lines.push(`  ✗ ${test.fullTitle()}\n      ${String(err?.stack ?? err).split('\n').slice(0, 8).join('\n      ')}`);
		});
	});
	const results = {
		passed,
		failed,
		lines,
		vscodeVersion: vscode.version,
		appHost: vscode.env.appHost,
	};
	const out = process.env.LORA_TEST_RESULTS;
	if (out) {
		await fs.writeFile(out, JSON.stringify(results, null, '\t'));
	}
	console.log(`VS Code ${vscode.version}: ${passed} passed, ${failed} failed`);
	if (failed > 0) {
		throw new Error(`${failed} test(s) failed`);
	}
}
