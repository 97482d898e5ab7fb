/**
 * Runs a CommonJS bundle through V8's code cache: compiling a bundle is most of the time VS Code counts as the
 * extension's activation, and of a CLI command's start; with the cache, later runs deserialise the compiled code
 * instead. The cache is keyed by the bundle's content and Node's version, kept in a folder beside the bundle (the
 * user's own install, never the shared temp folder, where another user could plant bytecode), and never needed:
 * without it (first run, a new build, a rejected cache, a read-only install) the bundle compiles as `require` would.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export interface CodeCachedBundle<T> {
	exports: T;
	/** Whether this run used a cache: absent, rejected by V8 (another build of V8), or used. */
	codeCache: 'absent' | 'rejected' | 'used';
	/** Writes the cache when this run had none (atomically), after the run, so the functions it compiled are in it too. */
	writeCache(): void;
}

/**
 * `cacheDir`: a folder of its own per bundle: it keeps one build's caches and removes the others'. `variant`: one cache
 * per way the bundle is used (a CLI command), as each holds the functions its run compiled.
 */
export function loadCodeCachedBundle<T>(bundle: string, cacheDir: string, requireFn: NodeJS.Require, variant = 'run'): CodeCachedBundle<T> {
	const source = readFileSync(bundle, 'utf8');
	const build = createHash('sha256').update(source).update(process.version).digest('hex').slice(0, 32);
	const cacheFile = join(cacheDir, `${build}-${variant}.bin`);
	let cachedData: Buffer | undefined;
	try {
		cachedData = readFileSync(cacheFile);
	} catch {
		cachedData = undefined;
	}
	const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
	const loaded = { exports: {} as T };
	// The bundle's require is the loader's: it lies in the same folder, so its requires resolve the same.
	(script.runInThisContext() as (...args: unknown[]) => void)(loaded.exports, requireFn, loaded, bundle, dirname(bundle));
	return {
		exports: loaded.exports,
		codeCache: !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used',
		writeCache(): void {
			if (cachedData && !script.cachedDataRejected) {
				return;
			}
			try {
				mkdirSync(cacheDir, { recursive: true });
				// Other builds' caches are dead weight (a few hundred KB each): one build's are kept.
				for (const name of readdirSync(cacheDir)) {
					if (!name.startsWith(`${build}-`)) {
						rmSync(join(cacheDir, name), { force: true });
					}
				}
				const temp = `${cacheFile}.${process.pid}.tmp`;
				writeFileSync(temp, script.createCachedData());
				renameSync(temp, cacheFile);
			} catch {
				// No cache: the next run compiles the bundle again, as without one.
			}
		},
	};
}
