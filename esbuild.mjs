// Builds the extension host bundle, the CLI, one browser bundle per webview (webview/<panel>/main.ts),
// and the test bundles. `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = !production && !process.argv.includes('--no-tests');

// Native and heavy modules stay out of the bundle: they are loaded lazily at run time.
const nodeExternals = ['vscode', 'sharp', 'onnxruntime-node', 'chokidar', 'playwright-core', 'fsevents'];

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
		entryPoints: { extension: 'src/extension.ts', cli: 'src/cli.ts' },
		outdir: 'dist',
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		external: nodeExternals,
	},
	{
		...common,
		entryPoints: webviewEntries,
		outdir: 'dist/webview',
		platform: 'browser',
		format: 'iife',
		target: 'es2022',
		loader: { '.css': 'css', '.ttf': 'file' },
	},
];

if (withTests) {
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
	mkdirSync('dist/webview', { recursive: true });
	// Codicons are a font plus a stylesheet; webviews load them from dist/webview under the CSP.
	cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css');
	cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');
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
