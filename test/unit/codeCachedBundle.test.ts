/**
 * The code cache the extension and the CLI are loaded through (src/util/codeCachedBundle.ts): a first run compiles
 * and writes the cache, the next one uses it, a new build gets its own and removes the old build's, and each
 * variant (a CLI command) has its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCodeCachedBundle } from '../../src/util/codeCachedBundle';

test('a bundle runs with its exports, writes its cache after a run without one, and uses it next time', () => {
	const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
	try {
		const bundle = join(dir, 'bundle.js');
		const cache = join(dir, 'cache');
		writeFileSync(bundle, 'exports.twice = (n) => 2 * n; exports.dir = __dirname; exports.path = require("node:path").sep;');
		const first = loadCodeCachedBundle<{ twice(n: number): number; dir: string; path: string }>(bundle, cache, require, 'lint');
		assert.equal(first.exports.twice(21), 42);
		assert.equal(first.exports.dir, dir, '__dirname is the bundle\'s folder');
		assert.equal(first.codeCache, 'absent');
		first.writeCache();
		assert.equal(readdirSync(cache).length, 1);
		assert.equal(loadCodeCachedBundle(bundle, cache, require, 'lint').codeCache, 'used');
		const other = loadCodeCachedBundle(bundle, cache, require, 'tags');
		assert.equal(other.codeCache, 'absent', 'each variant has its own cache');
		other.writeCache();
		assert.equal(readdirSync(cache).length, 2, 'the same build\'s variants are kept');

		writeFileSync(bundle, 'exports.twice = (n) => n + n;');
		const rebuilt = loadCodeCachedBundle<{ twice(n: number): number }>(bundle, cache, require, 'lint');
		assert.equal(rebuilt.codeCache, 'absent', 'a new build does not use the old one\'s cache');
		assert.equal(rebuilt.exports.twice(4), 8);
		rebuilt.writeCache();
		assert.deepEqual(readdirSync(cache).map((name) => name.endsWith('-lint.bin')), [true], 'the old build\'s caches are removed');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
