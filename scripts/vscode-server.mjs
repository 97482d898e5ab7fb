// Installs (once) and locates the offline VS Code server: code-server's bundled VS Code, run under Node 24.
// Kept outside the checkout, in the user's cache folder, so repeated runs reuse it and a fresh machine installs it.
//
// The install is atomic: it fills a staging folder beside the cache entry and renames it into place only once
// complete and checked, so an interrupted or failed install never leaves a folder the next run would trust.
// code-server's postinstall reads the Node version from npm_config_user_agent, i.e. from the Node that runs
// npm, so npm's own CLI is run by the Node 24 binary (PATH alone is not enough).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { SetupError } from './setup-error.mjs';
import { ensureSystemPackages, SERVER_BUILD_PACKAGES } from './system-packages.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.9.0';
const NODE24_PACKAGE = `node-${process.platform}-${process.arch}`;
const COMPLETE_MARKER = '.lora-workbench-complete.json';
const STAGING_PREFIX = '.installing-';

export function cacheRoot() {
	return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lora-workbench');
}

export function cacheDir() {
	return process.env.LORA_VSCODE_SERVER_DIR || join(cacheRoot(), `vscode-server-${CODE_SERVER_VERSION}`);
}

function pathsIn(dir) {
	const vscode = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
	return {
		dir,
		node: join(dir, 'node_modules', NODE24_PACKAGE, 'bin', 'node'),
		serverMain: join(vscode, 'out', 'server-main.js'),
		productJson: join(vscode, 'product.json'),
		packageJson: join(vscode, 'package.json'),
		marker: join(dir, COMPLETE_MARKER),
	};
}

export function serverPaths() {
	return pathsIn(cacheDir());
}

function isComplete(paths) {
	return existsSync(paths.marker) && existsSync(paths.serverMain) && existsSync(paths.node);
}

/** Returns the server's paths, installing it first when the cache has none (or a broken one). */
export function ensureVscodeServer({ log = console.log } = {}) {
	const paths = serverPaths();
	if (isComplete(paths)) { return paths; }
	const parent = dirname(paths.dir);
	makeWritableFolder(parent);
	sweepAbandonedStaging(parent);
	if (existsSync(paths.dir)) {
		log(`The VS Code server in ${paths.dir} is incomplete (an earlier install did not finish): installing it again.`);
	}
	ensureSystemPackages(SERVER_BUILD_PACKAGES, 'Building the VS Code server', log);
	log(`Installing the VS Code server (code-server ${CODE_SERVER_VERSION} under Node ${NODE24_VERSION}) into ${paths.dir}; this takes a few minutes once...`);
	const staging = mkdtempSync(join(parent, `${STAGING_PREFIX}${process.pid}-`));
	try {
		installInto(pathsIn(staging));
		if (existsSync(paths.dir)) { rmSync(paths.dir, { recursive: true, force: true }); }
		renameSync(staging, paths.dir);
	} catch (err) {
		rmSync(staging, { recursive: true, force: true });
		// Another run may have finished the same install meanwhile: theirs is as good as ours.
		if (isComplete(paths)) { return paths; }
		throw err;
	}
	log('VS Code server installed.');
	return paths;
}

/**
 * The environment for the nested npm: without the npm_* variables of the `npm test`/`npm start` that runs us.
 * npm reads npm_config_* as settings, so the outer npm's npm_config_user_agent ("node/v20") would otherwise
 * reach code-server's postinstall and fail its Node 24 check; the project's own .npmrc settings do not belong
 * to the server's install either.
 */
export function cleanNpmEnv(extra = {}) {
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
	return { ...env, ...extra };
}

function installInto(staged) {
	writeFileSync(join(staged.dir, 'package.json'), JSON.stringify({ name: 'lora-workbench-vscode-server', private: true }));
	const npmCli = npmCliPath();
	const quiet = ['--no-audit', '--no-fund', '--no-save', '--loglevel=error'];
	npm(process.execPath, npmCli, ['install', ...quiet, `${NODE24_PACKAGE}@${NODE24_VERSION}`], staged.dir, cleanNpmEnv(),
		`Node ${NODE24_VERSION} (npm package ${NODE24_PACKAGE}) could not be installed from the npm registry`);
	if (!existsSync(staged.node)) {
		throw new SetupError(`The npm package ${NODE24_PACKAGE}@${NODE24_VERSION} has no bin/node: this platform (${process.platform}-${process.arch}) is not supported by the offline VS Code server; set VSCODE_EXECUTABLE to a desktop VS Code instead.`);
	}
	const env = cleanNpmEnv({ PATH: `${dirname(staged.node)}${delimiter}${process.env.PATH}` });
	npm(staged.node, npmCli, ['install', ...quiet, `${NODE24_PACKAGE}@${NODE24_VERSION}`, `code-server@${CODE_SERVER_VERSION}`], staged.dir, env,
		`code-server ${CODE_SERVER_VERSION} could not be installed (its output is above); its native modules need g++, make, python3 and libkrb5-dev`);
	// A server that cannot load its native modules fails later with a less clear message: check it here.
	const check = spawnSync(staged.node, ['-e', `require(${JSON.stringify(join(dirname(staged.serverMain), '..', 'node_modules', '@vscode', 'spdlog'))})`], { encoding: 'utf8' });
	if (!existsSync(staged.serverMain) || check.status !== 0) {
		throw new SetupError(`code-server ${CODE_SERVER_VERSION} installed but is incomplete (${existsSync(staged.serverMain) ? 'its native modules do not load' : 'server-main.js is missing'}); run again, and if it repeats, check that g++, make, python3 and libkrb5-dev are installed.`);
	}
	writeFileSync(staged.marker, JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: NODE24_VERSION, installed: new Date().toISOString() }));
}

function npm(node, npmCli, args, cwd, env, failure) {
	const result = spawnSync(node, [npmCli, ...args], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
	if (result.status !== 0) {
		throw new SetupError(`${failure} (npm exited with ${result.status ?? result.signal}); run again, or delete ${cacheRoot()} and run again.`);
	}
}

/** npm's own CLI script, to run under another Node. */
function npmCliPath() {
	const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
	try {
		candidates.push(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim()));
	} catch {
		// no npm on PATH: the other candidates remain
	}
	const found = candidates.find((path) => path && basename(path) === 'npm-cli.js' && existsSync(path));
	if (!found) {
		throw new SetupError('npm\'s npm-cli.js was not found (needed to install the VS Code server under Node 24); run this through npm (npm test / npm start).');
	}
	return found;
}

/** Creates `dir` (and its parents) or throws a SetupError naming it: the one cache-folder check of the scripts. */
export function makeWritableFolder(dir) {
	try {
		mkdirSync(dir, { recursive: true });
		accessSync(dir, constants.W_OK);
	} catch (err) {
		throw new SetupError(`The cache folder ${dir} is not writable (${err.code ?? err.message}); fix its permissions or point XDG_CACHE_HOME at a writable folder, then run again.`);
	}
}

/** Staging folders of installs whose process is gone (killed, machine restarted) are only clutter. */
function sweepAbandonedStaging(parent) {
	for (const name of readdirSync(parent)) {
		const pid = Number(/^\.installing-(\d+)-/.exec(name)?.[1]);
		if (pid && !processAlive(pid)) { rmSync(join(parent, name), { recursive: true, force: true }); }
	}
}

function processAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
	try {
		const paths = ensureVscodeServer();
		console.log(`VS Code server ready: ${paths.serverMain}`);
	} catch (err) {
		console.error(err instanceof SetupError ? err.message : err);
		process.exitCode = 1;
	}
}
