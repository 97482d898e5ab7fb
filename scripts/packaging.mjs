// Builds one platform's .vsix (scripts/package.mjs, scripts/package-all.mjs).
// sharp and onnxruntime-node ship native binaries, and vsce packs whatever node_modules holds, so packaging from the
// checkout would ship this machine's sharp to every platform. Instead each target gets a staging folder whose
// node_modules is a production install *for that target*: `npm ci --os --cpu --libc`, sharp's documented way to
// install another platform's binaries, from the npm registry and the lockfile (so @img/sharp-* match sharp's
// optionalDependencies exactly). The install is kept between runs and redone only when the lockfile changes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every platform a package is built for (src/core/nativeModules.ts has the same list, checked by a unit test).
 * No alpine-x64: onnxruntime-node's Linux binaries need glibc, so auto-tagging could not load on musl.
 */
export const TARGETS = ['win32-x64', 'win32-arm64', 'darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64'];

/** This machine's target name, the default of `npm run package`. */
export function hostTarget() {
	return `${process.platform}-${process.arch}`;
}

export function vsixName(target) {
	return `lora-workbench-${target}.vsix`;
}

/** npm's platform options that make an install pick `target`'s optional dependencies (@img/sharp-<os>-<cpu>). */
export function npmPlatformFlags(target) {
	const [os, cpu] = target.split('-');
	return [`--os=${os}`, `--cpu=${cpu}`, ...(os === 'linux' ? ['--libc=glibc'] : [])];
}

/** onnxruntime-node carries binaries for every platform in one npm package; keep only the target's. */
export function onnxIgnorePatterns(target) {
	const [os, arch] = target.split('-');
	return [
		...['win32', 'darwin', 'linux'].filter((p) => p !== os).map((p) => `node_modules/onnxruntime-node/bin/napi-v*/${p}/**`),
		`node_modules/onnxruntime-node/bin/napi-v*/${os}/${arch === 'x64' ? 'arm64' : 'x64'}/**`,
	];
}

const stageRoot = join(root, 'node_modules', '.cache', 'lora-workbench-package');

/** What the staged install depends on; package.json counts only by its dependencies (it changes for every command). */
function installKey(target) {
	const { dependencies, optionalDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	return createHash('sha256')
		.update(JSON.stringify({ dependencies, optionalDependencies }))
		.update(readFileSync(join(root, 'package-lock.json')))
		.update(readFileSync(join(root, '.npmrc')))
		.update(npmPlatformFlags(target).join(' '))
		.digest('hex');
}

function npm(args, cwd) {
	// npm is a .cmd on Windows; a shell finds it there. Arguments are ours, never user text.
	execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
}

/** The target's production node_modules in its staging folder; reinstalled only when the lockfile changed. */
function stageDependencies(target, log) {
	const stage = join(stageRoot, target);
	const keyFile = join(stage, '.install-key');
	const key = installKey(target);
	if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key && existsSync(join(stage, 'node_modules'))) {
		log(`${target}: dependencies from the cache (${stage})`);
		return stage;
	}
	rmSync(stage, { recursive: true, force: true });
	mkdirSync(stage, { recursive: true });
	for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
		cpSync(join(root, file), join(stage, file));
	}
	log(`${target}: installing production dependencies for ${target} (npm ci ${npmPlatformFlags(target).join(' ')})`);
	// --ignore-scripts: install scripts would inspect this machine, not the target (and onnxruntime-node's is
	// skipped by .npmrc anyway: it would download CUDA files from outside the npm registry).
	npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...npmPlatformFlags(target)], stage);
	checkSharpBinaries(stage, target);
	writeFileSync(keyFile, key);
	return stage;
}

/** Fails unless the stage holds sharp's binary package for `target`, at the version sharp asks for. */
export function checkSharpBinaries(stage, target) {
	const sharp = JSON.parse(readFileSync(join(stage, 'node_modules', 'sharp', 'package.json'), 'utf8'));
	const installed = JSON.parse(readFileSync(join(root, 'node_modules', 'sharp', 'package.json'), 'utf8'));
	if (sharp.version !== installed.version) {
		throw new Error(`the ${target} stage has sharp ${sharp.version}, the checkout ${installed.version}: run npm ci in the checkout`);
	}
	const imgDir = join(stage, 'node_modules', '@img');
	const present = existsSync(imgDir) ? readdirSync(imgDir).filter((name) => name.startsWith('sharp-')) : [];
	if (!present.includes(`sharp-${target}`)) {
		throw new Error(`npm installed no @img/sharp-${target} for ${target} (found: ${present.join(', ') || 'none'})`);
	}
	for (const name of present) {
		const version = JSON.parse(readFileSync(join(imgDir, name, 'package.json'), 'utf8')).version;
		const wanted = sharp.optionalDependencies[`@img/${name}`];
		if (version !== wanted) {
			throw new Error(`@img/${name} is ${version} in the ${target} stage; sharp ${sharp.version} asks for ${wanted}`);
		}
	}
}

/** The extension's own files (not node_modules, not dist: dist is built into the stage), as vsce would pick them. */
async function appFiles() {
	const { listFiles, PackageManager } = createRequire(import.meta.url)('@vscode/vsce');
	const files = await listFiles({ cwd: root, packageManager: PackageManager.None });
	return files.filter((file) => !file.startsWith('node_modules/') && !file.startsWith('dist/'));
}

/** Builds `lora-workbench-<target>.vsix` in the checkout's root; returns its path. */
export async function packageTarget(target, log = console.log) {
	if (!TARGETS.includes(target)) {
		throw new Error(`no package for ${target}; targets: ${TARGETS.join(', ')}`);
	}
	const stage = stageDependencies(target, log);
	for (const name of readdirSync(stage)) {
		if (!['node_modules', '.install-key', 'package-lock.json', '.npmrc'].includes(name)) {
			rmSync(join(stage, name), { recursive: true, force: true });
		}
	}
	for (const file of await appFiles()) {
		mkdirSync(dirname(join(stage, file)), { recursive: true });
		cpSync(join(root, file), join(stage, file));
	}
	execFileSync(process.execPath, ['esbuild.mjs', '--production', '--outdir', join(stage, 'dist'), '--package-target', target],
		{ cwd: root, stdio: 'inherit' });
	const ignoreFile = join(stage, '.vscodeignore');
	writeFileSync(ignoreFile, [readFileSync(join(root, '.vscodeignore'), 'utf8'), '.install-key', ...onnxIgnorePatterns(target)].join('\n'));
	const out = join(root, vsixName(target));
	execFileSync(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--target', target,
		'--ignoreFile', ignoreFile, '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', out],
	{ cwd: stage, stdio: ['ignore', 'pipe', 'inherit'] });
	log(`${target}: ${vsixName(target)} (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
	return out;
}
