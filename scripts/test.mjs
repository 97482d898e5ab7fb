// `npm test`: builds, then runs the three tiers (unit, integration, ui) and ends with "N passed, N failed".
// `node scripts/test.mjs unit` (or integration / ui) runs one tier; `--grep <text>` filters by test name.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const grepAt = args.indexOf('--grep');
const grep = grepAt === -1 ? undefined : args[grepAt + 1];
const tiers = args.filter((a, i) => !a.startsWith('--') && (grepAt === -1 || i !== grepAt + 1));
const selected = tiers.length ? tiers : ['unit', 'integration', 'ui'];

function filesUnder(dir, pattern) {
	if (!existsSync(dir)) { return []; }
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path, pattern) : pattern.test(name) ? [path] : [];
	}).sort();
}

function runUnit() {
	const files = filesUnder('test/unit', /\.test\.ts$/);
	mkdirSync('out', { recursive: true });
	const tap = 'out/unit.tap';
	const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=2',
		'--test-reporter=spec', '--test-reporter-destination=stdout',
		'--test-reporter=tap', `--test-reporter-destination=${tap}`];
	if (grep) { nodeArgs.push(`--test-name-pattern=${grep}`); }
	const result = spawnSync(process.execPath, [...nodeArgs, ...files], { stdio: 'inherit' });
	const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
	const count = (key) => Number((new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text) ?? [])[1] ?? 0);
	const passed = count('pass');
	let failed = count('fail') + count('cancelled');
	if (result.status !== 0 && failed === 0) { failed = 1; }
	return { passed, failed };
}

async function runVscodeTier(suite) {
	const { runVscodeSuite } = await import('./vscode-run.mjs');
	return runVscodeSuite({ suite, grep });
}

console.log('Building...');
execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });

let passed = 0;
let failed = 0;
for (const tier of selected) {
	console.log(`\n=== ${tier} tests ===`);
	let result;
	try {
		result = tier === 'unit' ? runUnit() : await runVscodeTier(tier);
	} catch (err) {
		console.error(`The ${tier} tier could not run: ${err instanceof Error ? err.message : err}`);
		result = { passed: 0, failed: 1 };
	}
	console.log(`${tier}: ${result.passed} passed, ${result.failed} failed`);
	passed += result.passed;
	failed += result.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
