// The set-up scripts (npm test, npm start, the VS Code server install) on the paths a fresh or broken machine takes:
// each stops with one line saying what to do, and the test runner exits after a tier that could not start.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const repoRoot = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'lora-setup-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Ran { code: number | null; stdout: string; stderr: string; exited: boolean }

/** Runs a script to its end; `exited` is false when it had to be killed after `limitMs` (it hung). */
function runScript(args: string[], env: NodeJS.ProcessEnv, limitMs = 120_000): Promise<Ran> {
	return new Promise((resolveRun) => {
		const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env } });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => { stdout += d; });
		child.stderr.on('data', (d) => { stderr += d; });
		const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolveRun({ code, stdout, stderr, exited: signal !== 'SIGKILL' });
		});
	});
}

function assertOneLine(text: string, pattern: RegExp): void {
	const lines = text.trim().split('\n');
	assert.equal(lines.length, 1, `one line, got:\n${text}`);
	assert.match(lines[0], pattern);
	assert.doesNotMatch(text, /^\s+at /m, 'no stack trace');
}

/**
 * A VS Code server folder that looks complete but whose Node exits at once (or, `runnable: false`, cannot even be
 * started): a tier that cannot start.
 */
function fakeBrokenServer(runnable = true): string {
	const dir = join(scratch, runnable ? 'broken-server' : 'unrunnable-server');
	const bin = join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin');
	const out = join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'out');
	mkdirSync(bin, { recursive: true });
	mkdirSync(out, { recursive: true });
	writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "fake VS Code server: cannot start" >&2\nexit 3\n');
	chmodSync(join(bin, 'node'), runnable ? 0o755 : 0o644);
	writeFileSync(join(out, 'server-main.js'), '');
	writeFileSync(join(dir, '.lora-workbench-complete.json'), '{}');
	return dir;
}

describe('set-up scripts', () => {
	before(() => {
		if (!existsSync(join(repoRoot, 'out', 'test', 'integration', 'index.js'))) {
			spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'ignore' });
		}
	});

	it('npm test exits, failing, after a VS Code tier whose server could not start', async () => {
		const ran = await runScript(['scripts/test.mjs', 'integration', '--no-build'], {
			LORA_VSCODE_SERVER_DIR: fakeBrokenServer(),
			CHROMIUM_PATH: process.execPath, // any existing file: the browser is never reached
			VSCODE_EXECUTABLE: '',
			LORA_TEST_ELECTRON: '',
		});
		assert.ok(ran.exited, `the runner exited by itself; it printed:\n${ran.stdout}\n${ran.stderr}`);
		assert.equal(ran.code, 1);
		assert.match(ran.stderr, /the VS Code server exited with code 3 before it was ready/);
		assert.match(ran.stdout, /^integration: 0 passed, 1 failed$/m);
		assert.match(ran.stdout, /^0 passed, 1 failed$/m);
		assert.doesNotMatch(ran.stderr, /still open after the tiers/, 'nothing was left open');
	});

	it('the VS Code server\'s npm install does not inherit the outer npm\'s settings (its user agent names Node 20)', async () => {
		const code = 'import("./scripts/vscode-server.mjs").then((m) => console.log(JSON.stringify(m.cleanNpmEnv({ PATH: "/x" }))))';
		const ran = await runScript(['-e', code], { npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64', npm_execpath: '/npm-cli.js', INIT_CWD: '/w', KEEP_ME: '1' });
		const env = JSON.parse(ran.stdout) as Record<string, string>;
		assert.deepEqual(Object.keys(env).filter((key) => /^npm_|^INIT_CWD$/i.test(key)), []);
		assert.equal(env.KEEP_ME, '1');
		assert.equal(env.PATH, '/x');
	});

	it('npm test exits, failing, when the VS Code server cannot even be spawned', async () => {
		const ran = await runScript(['scripts/test.mjs', 'integration', '--no-build'], {
			LORA_VSCODE_SERVER_DIR: fakeBrokenServer(false),
			CHROMIUM_PATH: process.execPath,
			VSCODE_EXECUTABLE: '',
			LORA_TEST_ELECTRON: '',
		});
		assert.ok(ran.exited, `the runner exited by itself; it printed:\n${ran.stdout}\n${ran.stderr}`);
		assert.equal(ran.code, 1);
		assert.match(ran.stderr, /the VS Code server could not be started \(spawn .* EACCES\)/);
		assert.doesNotMatch(ran.stderr, /still open after the tiers/, 'nothing was left open');
	});

	it('an unwritable cache folder stops the server install with one line', async () => {
		const file = join(scratch, 'a-file');
		writeFileSync(file, '');
		const ran = await runScript(['scripts/vscode-server.mjs'], { XDG_CACHE_HOME: join(file, 'cache'), LORA_VSCODE_SERVER_DIR: '' });
		assert.equal(ran.code, 1);
		assertOneLine(ran.stderr, /The cache folder .*a-file\/cache\/lora-workbench is not writable \(ENOTDIR\); .*XDG_CACHE_HOME/);
	});

	it('npm start on a port already taken stops with one line naming another port', async () => {
		const taken = createServer();
		await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
		const port = (taken.address() as { port: number }).port;
		try {
			const ran = await runScript(['scripts/start.mjs'], { PORT: String(port), HOST: '127.0.0.1' });
			assert.equal(ran.code, 1);
			assertOneLine(ran.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use .*PORT=${port + 1} npm start`));
		} finally {
			taken.close();
		}
	});

	it('a failed apt-get stops with one line naming the command to run', async () => {
		const bin = join(scratch, 'bin');
		mkdirSync(bin, { recursive: true });
		writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\necho "E: could not reach the mirror" >&2\nexit 100\n');
		writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n'); // password-less sudo, for a run that is not root
		chmodSync(join(bin, 'apt-get'), 0o755);
		chmodSync(join(bin, 'sudo'), 0o755);
		const code = 'import("./scripts/system-packages.mjs").then((m) => m.ensureSystemPackages(["chromium"], "The tests", () => undefined))' +
			'.catch((e) => { console.error(e.message); process.exit(1); })';
		const ran = await runScript(['-e', code], { PATH: `${bin}:${process.env.PATH}`, CHROMIUM_PATH: join(scratch, 'no-chromium') });
		assert.equal(ran.code, 1);
		const message = ran.stderr.trim().split('\n').at(-1)!;
		assert.match(message, /^"apt-get update -qq" failed \(exit 100\); .*run "sudo apt-get install -y chromium" yourself/);
	});
});
