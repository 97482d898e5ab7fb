// The Debian/Ubuntu packages `npm start` and `npm test` need beyond npm's own: a C++ tool chain and the Kerberos
// headers to build the VS Code server's native modules, and Chromium to drive the workbench in tests.
// Missing ones are installed through apt-get when that can happen without a password (root, or password-less
// sudo); otherwise the scripts stop with the exact command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SetupError } from './setup-error.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** How to tell each package is there: by what it puts on disk, so it works with or without dpkg. */
const PRESENT = {
	chromium: () => existsSync(CHROMIUM),
	'libkrb5-dev': () => existsSync('/usr/include/krb5.h') || onPath('krb5-config'),
	'g++': () => onPath('g++'),
	make: () => onPath('make'),
	python3: () => onPath('python3'),
	'python3-pil': () => debianPython('PIL'),
	'python3-numpy': () => debianPython('numpy'),
	'python3-opencv': () => debianPython('cv2'),
};

export const SERVER_BUILD_PACKAGES = ['g++', 'make', 'python3', 'libkrb5-dev'];
export const BROWSER_PACKAGES = ['chromium'];
/** What bench/wd14_preprocess.py (sd-scripts' own preprocessing) imports: the unit tier compares the tagger with it. */
export const SD_SCRIPTS_REFERENCE_PACKAGES = ['python3-pil', 'python3-numpy', 'python3-opencv'];

/** A module of Debian's python3 (a package folder, or an extension module such as cv2.cpython-311-….so). */
function debianPython(module) {
	const dir = '/usr/lib/python3/dist-packages';
	return existsSync(dir) && readdirSync(dir).some((name) => name === module || name.startsWith(`${module}.`));
}

function onPath(command) {
	return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

export function missingPackages(packages) {
	return packages.filter((name) => !PRESENT[name]());
}

/** How apt-get can run here without asking for a password, or undefined. */
function aptRunner() {
	if (!onPath('apt-get')) { return undefined; }
	if (process.getuid?.() === 0) { return []; }
	if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) { return ['sudo', '-n']; }
	return undefined;
}

/**
 * Makes sure `packages` are installed; `purpose` says why, for the messages. Throws a SetupError whose
 * message names the command to run when they are missing and cannot be installed from here.
 */
export function ensureSystemPackages(packages, purpose, log = console.log) {
	const missing = missingPackages(packages);
	if (missing.length === 0) { return; }
	const command = `sudo apt-get install -y ${missing.join(' ')}`;
	if (!onPath('apt-get')) {
		throw new SetupError(`${purpose} needs ${missing.join(', ')}, which this system lacks; install them with its package manager and run again.`);
	}
	const runner = aptRunner();
	if (!runner) {
		throw new SetupError(`${purpose} needs ${missing.join(', ')}; run "${command}" and then run again.`);
	}
	log(`${purpose} needs ${missing.join(', ')}: installing with apt-get (${runner.length ? 'through sudo' : 'as root'})...`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', ...missing]]) {
		const [cmd, ...rest] = [...runner, ...args];
		const result = spawnSync(cmd, rest, { env, stdio: ['ignore', 'inherit', 'inherit'] });
		if (result.status !== 0) {
			throw new SetupError(`"${args.join(' ')}" failed (exit ${result.status ?? result.signal}); fix the package sources, run "${command}" yourself, then run again.`);
		}
	}
	const stillMissing = missingPackages(missing);
	if (stillMissing.length) {
		throw new SetupError(`apt-get finished but ${stillMissing.join(', ')} is still not found; run "${command}" and check its output.`);
	}
}
