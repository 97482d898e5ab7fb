import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, both under tsx (unit tests) and from out/test bundles (inside VS Code). */
export function repoRoot(): string {
	if (process.env.LORA_REPO_ROOT) {
		return process.env.LORA_REPO_ROOT;
	}
	let dir = __dirname;
	while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'esbuild.mjs'))) {
		const parent = resolve(dir, '..');
		if (parent === dir) {
			throw new Error(`cannot find the repository root above ${__dirname}`);
		}
		dir = parent;
	}
	return dir;
}

/** `../shared` beside the checkout (read-only fixtures and references). */
export function sharedDir(): string {
	const dir = process.env.LORA_SHARED_DIR ?? resolve(repoRoot(), '..', 'shared');
	if (!existsSync(join(dir, 'fixtures'))) {
		throw new Error(`the shared fixtures folder was not found at ${dir}; it must sit beside the checkout as ../shared`);
	}
	return dir;
}

export function sharedFixture(...parts: string[]): string {
	return join(sharedDir(), 'fixtures', ...parts);
}

/** The folder the VS Code test run opened (inside VS Code), or undefined in unit tests. */
export function testWorkspace(): string | undefined {
	return process.env.LORA_TEST_WORKSPACE || undefined;
}
