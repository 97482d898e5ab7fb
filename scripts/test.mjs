// `npm test`: type-checks, builds, then runs the three tiers (unit, integration, ui) and ends with "N passed, N failed".
// `node scripts/test.mjs unit` (or integration / ui) runs one tier; `--grep <text>` filters by test name;
// `--no-build` skips the build (the runner's own test uses it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure } from './setup-error.mjs';
import { ensureSystemPackages, SD_SCRIPTS_REFERENCE_PACKAGES } from './system-packages.mjs';

const args = process.argv.slice(2);
const grepAt = args.indexOf('--grep');
const grep = grepAt === -1 ? undefined : args[grepAt + 1];
const tiers = args.filter((a, i) => !a.startsWith('--') && (grepAt === -1 || i !== grepAt + 1));
const selected = tiers.length ? tiers : ['unit', 'integration', 'ui'];
const wholeRun = tiers.length === 0;

function filesUnder(dir, pattern) {
	if (!existsSync(dir)) { return []; }
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path, pattern) : pattern.test(name) ? [path] : [];
	}).sort();
}

/** tsc for the extension (with tests and bench) and for the webviews; esbuild alone never checks types. */
function typecheck() {
	let failed = 0;
	for (const project of ['.', 'webview']) {
		const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', project], { stdio: 'inherit' });
		if (result.status !== 0) { failed++; }
	}
	return { passed: 0, failed };
}

/** ESLint over the whole repository (eslint.config.mjs); any warning fails the run. */
function lint() {
	const result = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '.', '--max-warnings', '0'], { stdio: 'inherit' });
	return { passed: 0, failed: result.status === 0 ? 0 : 1 };
}

/**
 * The unit tier compares the tagger's preprocessing with sd-scripts' own Python code (bench/wd14_preprocess.py),
 * which needs Pillow, numpy and OpenCV. Installed where apt-get can run; elsewhere those tests say they were skipped,
 * except on CI, where a skip would hide the comparison.
 */
function ensureSdScriptsReference() {
	try {
		ensureSystemPackages(SD_SCRIPTS_REFERENCE_PACKAGES, 'Comparing the tagger with sd-scripts\' preprocessing');
	} catch (err) {
		if (process.env.CI) { throw err; }
		console.log(`${describeFailure(err)} The tests that compare with sd-scripts will be skipped.`);
	}
}

function runUnit() {
	ensureSdScriptsReference();
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

/** Installs what the VS Code tiers need (once for all of them); a failure is reported by each tier. */
let vscodeReady;
async function prepareVscode() {
	vscodeReady ??= import('./vscode-run.mjs').then((m) => m.prepareVscodeTiers());
	return vscodeReady;
}

async function runVscodeTier(suite) {
	await prepareVscode();
	const { runVscodeSuite } = await import('./vscode-run.mjs');
	return runVscodeSuite({ suite, grep });
}

const steps = [
	...(wholeRun ? [['typecheck', typecheck], ['lint', lint]] : []),
	...(args.includes('--no-build') ? [] : [['build', () => {
		const result = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
		return { passed: 0, failed: result.status === 0 ? 0 : 1 };
	}]]),
	...selected.map((tier) => [tier, tier === 'unit' ? runUnit : () => runVscodeTier(tier)]),
];

let passed = 0;
let failed = 0;
for (const [name, step] of steps) {
	console.log(`\n=== ${name} ===`);
	let result;
	try {
		result = await step();
	} catch (err) {
		console.error(`The ${name} tier could not run: ${describeFailure(err)}`);
		result = { passed: 0, failed: 1 };
	}
	console.log(`${name}: ${result.passed} passed, ${result.failed} failed`);
	if (name === 'build' && result.failed) {
		failed += result.failed;
		break;
	}
	passed += result.passed;
	failed += result.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

// Every tier closes what it opened; if something still holds the event loop, say what and exit anyway, so a
// CI run fails instead of waiting for its time limit.
setTimeout(() => {
	const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
	console.error(`npm test: still open after the tiers ended: ${open.join(', ') || 'unknown'}; exiting anyway.`);
	process.exit(process.exitCode || 1);
}, 10_000).unref();
