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
	for (const module of ['sharp', 'onnxruntime-node', 'chokidar']) {
		const eager = new RegExp(`^var import_[\\w$]+ = (__toESM\\()?require\\("${module}"\\)`, 'm');
		assert.doesNotMatch(bundle, eager, `${module} is required when the extension loads`);
	}
});
