// The import graph of the TypeScript sources, read from their real import statements with the TypeScript
// compiler's own pre-parser (import, import type, export ... from, import(), require()): used by the dependency
// rules test (test/unit/zones.test.ts) and by scripts/code-metrics.mjs.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Every .ts file under `dir` (recursive), absolute paths, sorted. */
export function tsFiles(dir) {
	return readdirSync(dir).sort().flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
	});
}

/** The module specifiers a file imports, each with its 1-based line. */
export function importsOf(file, text = readFileSync(file, 'utf8')) {
	const info = ts.preProcessFile(text, true, true);
	const lineOf = (pos) => text.slice(0, pos).split('\n').length;
	return info.importedFiles.map((ref) => ({ specifier: ref.fileName, line: lineOf(ref.pos) }));
}

/** The .ts file a relative specifier names, or undefined for a package ('vscode', 'node:fs'...) or a non-TS file. */
export function resolveImport(fromFile, specifier) {
	if (!specifier.startsWith('.')) {
		return undefined;
	}
	const base = resolve(dirname(fromFile), specifier);
	for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
		if (candidate.endsWith('.ts') && existsSync(candidate) && statSync(candidate).isFile()) {
			return candidate;
		}
	}
	return undefined;
}

/**
 * Every import of the .ts files under `dirs` (relative to `root`): `{ from, to, specifier, line }` with `from` and
 * `to` relative to `root` using '/', `to` being the specifier itself for packages.
 */
export function importEdges(root, dirs = ['src']) {
	const rel = (path) => relative(root, path).split(sep).join('/');
	return dirs.flatMap((dir) => tsFiles(join(root, dir))).flatMap((file) => importsOf(file).map(({ specifier, line }) => {
		const target = resolveImport(file, specifier);
		return { from: rel(file), to: target ? rel(target) : specifier, specifier, line };
	}));
}

/** The top-level zone of a file under src/: 'core', 'providers', 'trainer', 'services', 'cli', 'util', 'extension.ts'... */
export function zoneOf(path) {
	const parts = path.split('/');
	return parts[0] === 'src' ? parts[1] : parts[0];
}
