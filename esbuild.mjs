// Builds the extension host bundle, the CLI, one browser bundle per webview (webview/<panel>/main.ts),
// and the test bundles. `--production` minifies; `--watch` rebuilds on change. scripts/package.mjs adds
// `--outdir <dir>` (build into its staging folder, not the dist/ everyone's tests use) and `--package-target <t>`.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = !production && !process.argv.includes('--no-tests');
const optionValue = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const distDir = optionValue('--outdir') ?? 'dist';
// A packaged build knows which platform's native binaries it ships, so a failed load can name the right package
// (src/core/nativeModules.ts). Left out, the expression reads the environment: undefined in a source checkout.
const packageTarget = optionValue('--package-target');
const define = packageTarget ? { 'process.env.LORA_WORKBENCH_PACKAGE_TARGET': JSON.stringify(packageTarget) } : {};

// Native and heavy modules stay out of the bundle: they are loaded lazily at run time. The identity model's
// packages carry .wasm and weight files found relative to their own folder, so they stay in node_modules too.
const nodeExternals = ['vscode', 'sharp', 'onnxruntime-node', 'playwright-core', 'fsevents', '@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

// esbuild wraps every `import * as vscode from 'vscode'` of an external module in its own copy of the API object
// (__toESM: one getter per export, about 400, for each of the 60-odd files that import it), which cost 70-90 ms of
// the extension's activation. Every file of the extension imports this one module instead, which re-exports the API once.
const vscodeOnce = {
	name: 'vscode-once',
	setup(build) {
		build.onResolve({ filter: /^vscode$/ }, (args) =>
			args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' });
		build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
	},
};

const common = {
	bundle: true,
	sourcemap: !production,
	minify: production,
	logLevel: 'warning',
	legalComments: 'none',
};

function filesUnder(dir, pattern) {
	if (!existsSync(dir)) { return []; }
	const out = [];
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) { out.push(...filesUnder(path, pattern)); }
		else if (pattern.test(name)) { out.push(path); }
	}
	return out;
}

const webviewEntries = readdirSync('webview', { withFileTypes: true })
	.filter((d) => d.isDirectory() && existsSync(join('webview', d.name, 'main.ts')))
	.map((d) => ({ in: join('webview', d.name, 'main.ts'), out: d.name }));

const contexts = [
	{
		...common,
		// imageWorker, taggerWorker, lintWorker: the image checks', the tagger's and the linter's worker threads, started
		// by path from the bundles beside them (imageWorkers.ts, preprocessPool.ts, lintThread.ts). cliLoader: what
		// bin/lora-workbench.js runs, which runs cli through V8's code cache (src/cliLoader.ts).
		entryPoints: { cli: 'src/cli.ts', cliLoader: 'src/cliLoader.ts', imageWorker: 'src/core/images/imageWorker.ts', taggerWorker: 'src/core/tagger/preprocessWorker.ts', lintWorker: 'src/core/lint/lintWorker.ts' },
		outdir: distDir,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		external: nodeExternals,
		define,
	},
	{
		...common,
		// extensionMain: the extension; extension: what VS Code loads, which runs extensionMain through V8's code
		// cache (src/extensionLoader.ts).
		entryPoints: { extensionMain: 'src/extension.ts', extension: 'src/extensionLoader.ts' },
		outdir: distDir,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		external: nodeExternals,
		define,
		// VS Code compiles and runs the whole file before activate(): minified there is less to parse in every
		// build (the source map keeps stack traces readable); keepNames keeps class and function names as written.
		// LORA_UNMINIFIED=1 builds it as written, for CPU and heap profiles that name our functions.
		minify: !process.env.LORA_UNMINIFIED,
		keepNames: true,
		plugins: [vscodeOnce],
	},
	{
		...common,
		entryPoints: webviewEntries,
		outdir: join(distDir, 'webview'),
		platform: 'browser',
		format: 'iife',
		target: 'es2022',
		loader: { '.css': 'css', '.ttf': 'file' },
		// The pages' scripts and styles are written into each panel's HTML (src/util/webviewHtml.ts): smaller is less
		// to pass to the webview and parse on every open.
		minify: true,
	},
];

if (withTests) {
	// Made anew each build: a test file deleted or renamed in test/ must not go on running from an old bundle.
	rmSync('out/test', { recursive: true, force: true });
	const testEntries = [
		...filesUnder('test/integration', /\.ts$/),
		...filesUnder('test/ui', /\.ts$/),
		...filesUnder('test/support', /\.ts$/),
		...filesUnder('test/benchvscode', /\.ts$/),
	].map((file) => ({ in: file, out: relative('test', file).replace(/\.ts$/, '') }));
	if (testEntries.length > 0) {
		contexts.push({
			...common,
			sourcemap: true,
			entryPoints: testEntries,
			outdir: 'out/test',
			platform: 'node',
			format: 'cjs',
			target: 'node20',
			external: [...nodeExternals, 'mocha'],
		});
	}
}

function copyStatic() {
	mkdirSync(join(distDir, 'webview'), { recursive: true });
	// Codicons are a font plus a stylesheet; webviews load them from dist/webview under the CSP.
	cpSync('node_modules/@vscode/codicons/dist/codicon.css', join(distDir, 'webview', 'codicon.css'));
	cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', join(distDir, 'webview', 'codicon.ttf'));
	// The theme every page shares (body font and colours, focus ring); the shell links it before the panel's own CSS.
	cpSync('webview/common/theme.css', join(distDir, 'webview', 'theme.css'));
}

copyStatic();
if (watch) {
	for (const options of contexts) {
		const ctx = await esbuild.context(options);
		await ctx.watch();
	}
	console.log('[watch] build finished, watching for changes');
} else {
	await Promise.all(contexts.map((options) => esbuild.build(options)));
}
