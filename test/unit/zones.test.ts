import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
	});
}

test('src/core and webview/ never import vscode (the three zones)', () => {
	const offenders = [...tsFiles(join(root, 'src', 'core')), ...tsFiles(join(root, 'webview'))]
		.filter((file) => /from\s+['"]vscode['"]|require\(['"]vscode['"]\)/.test(readFileSync(file, 'utf8')))
		.map((file) => relative(root, file));
	assert.deepEqual(offenders, []);
});

/**
 * The dependency rules of docs/architecture.md ("Zones"), checked on the import statements of the real files
 * (scripts/importGraph.mjs reads them with TypeScript's own pre-parser: import, import type, export from, import()).
 */
const COMPOSITION_ROOT = 'features get WorkbenchServices from services/, never from the composition root';
const DEPENDENCY_RULES: Array<{ from: string; never: string[]; why: string }> = [
	{ from: 'core', never: ['cli', 'cli.ts', 'extension.ts', 'providers', 'services', 'trainer', 'util'], why: 'core is the pure domain: it imports only core' },
	{ from: 'webview', never: ['cli', 'cli.ts', 'extension.ts', 'providers', 'services', 'trainer', 'util'], why: 'browser code shares only core/ (the message protocols) with the host' },
	{ from: 'services', never: ['providers', 'trainer'], why: 'services/ is what providers/ and trainer/ share, below both' },
	{ from: 'services', never: ['extension.ts'], why: COMPOSITION_ROOT },
	{ from: 'providers', never: ['extension.ts'], why: COMPOSITION_ROOT },
	{ from: 'trainer', never: ['extension.ts'], why: COMPOSITION_ROOT },
	{ from: 'trainer', never: ['providers'], why: 'trainer/ shares with providers/ only through services/ and core/' },
];

test('dependency rules: core and webview/ import only core; services/, providers/, trainer/ never import extension.ts; trainer/ never imports providers/; services/ never imports providers/ or trainer/', async () => {
	const { importEdges, zoneOf } = await import('../../scripts/importGraph.mjs');
	const edges = importEdges(root, ['src', 'webview']).filter((edge) => edge.to.startsWith('src/'));
	// The reader must see the imports it judges: a broken parser would otherwise pass every rule.
	assert.ok(edges.some((e) => zoneOf(e.from) === 'providers' && zoneOf(e.to) === 'services'), 'providers/ imports services/');
	assert.ok(edges.some((e) => e.from === 'src/extension.ts' && zoneOf(e.to) === 'trainer'), 'extension.ts imports trainer/');
	const violations = edges.flatMap((edge) => DEPENDENCY_RULES
		.filter((rule) => zoneOf(edge.from) === rule.from && rule.never.includes(zoneOf(edge.to)))
		.map((rule) => `${edge.from}:${edge.line} imports ${edge.to} ('${edge.specifier}'): ${rule.why}`));
	assert.deepEqual(violations, []);
});

test('no import cycles among the files of src/ (issue 17: one was 14 files long, through extension.ts)', async () => {
	const { codeMetrics } = await import('../../scripts/code-metrics.mjs');
	const metrics = codeMetrics(root);
	assert.ok(metrics.imports > 500, 'the import reader sees the imports');
	assert.deepEqual(metrics.cycles.components, []);
});

test('src/core never touches the DOM', () => {
	const offenders = tsFiles(join(root, 'src', 'core'))
		.filter((file) => /\b(document|window)\.\w/.test(readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')))
		.map((file) => relative(root, file));
	assert.deepEqual(offenders, []);
});

test('the extension bundle loads sharp and onnxruntime-node lazily, so activation stays fast', () => {
	if (!existsSync(join(root, 'dist', 'extension.js'))) {
		execFileSync(process.execPath, ['esbuild.mjs', '--no-tests'], { cwd: root });
	}
	const bundle = readFileSync(join(root, 'dist', 'extension.js'), 'utf8');
	// esbuild turns a top-level import into `var import_x = __toESM(require("x"))`, run at load time.
	for (const module of ['sharp', 'onnxruntime-node']) {
		const eager = new RegExp(`^var import_[\\w$]+ = (__toESM\\()?require\\("${module}"\\)`, 'm');
		assert.doesNotMatch(bundle, eager, `${module} is required when the extension loads`);
	}
});
