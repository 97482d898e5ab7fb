/** Fault suite (issue 20): runs the built CLI (bin/lora-workbench.js) as a child process, optionally SIGKILLed. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';

export interface CliRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	ms: number;
	/** True when the kill landed before the process ended by itself. */
	killed: boolean;
	timedOut: boolean;
}

export const BIN = join(repoRoot(), 'bin', 'lora-workbench.js');

/**
 * Runs `lora-workbench <args>` in `cwd`; SIGKILL after `killAfterMs` when given, or `killWhen.afterMs` after the file
 * `killWhen.exists` appears (the lock or the journal: the writes have begun), and after `timeoutMs` always.
 */
export function runCliProcess(args: string[], cwd: string, options: { killAfterMs?: number; killWhen?: { exists: string; afterMs: number }; timeoutMs?: number; asUser?: AsUser } = {}): Promise<CliRun> {
	return new Promise((resolvePromise) => {
		const started = performance.now();
		const [command, ...prefix] = options.asUser ? [...options.asUser.prefix, process.execPath] : [process.execPath];
		const env = options.asUser ? { ...process.env, HOME: options.asUser.home } : process.env;
		const child = spawn(command, [...prefix, BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		let killed = false;
		let timedOut = false;
		child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
		child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
		const killTimer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
			if (child.exitCode === null && child.signalCode === null) {
				killed = true;
				child.kill('SIGKILL');
			}
		}, options.killAfterMs);
		const watch = options.killWhen && setInterval(() => {
			if (existsSync(options.killWhen!.exists)) {
				clearInterval(watch);
				setTimeout(() => {
					if (child.exitCode === null && child.signalCode === null) {
						killed = true;
						child.kill('SIGKILL');
					}
				}, options.killWhen!.afterMs);
			}
		}, 1);
		const timeout = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, options.timeoutMs ?? 120_000);
		child.on('close', (code, signal) => {
			clearTimeout(killTimer);
			clearInterval(watch);
			clearTimeout(timeout);
			resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - started, killed, timedOut });
		});
	});
}

/** A command line that runs what follows it as another user (`setpriv ... --`), and the HOME to give it. */
export interface AsUser { user: string; prefix: string[]; home: string }

/**
 * How to run the CLI as the unprivileged user `nobody` from root (chmod 000 stops nobody but root): `setpriv`
 * (util-linux, execs in place) or else `runuser`, each tried with `node -e 0`; undefined when neither works.
 * Called as root only: any other user is stopped by chmod 000 and runs the commands as itself.
 */
export function unprivilegedRunner(home: string): AsUser | undefined {
	const user = 'nobody';
	const candidates = [
		['setpriv', `--reuid=${user}`, '--regid=nogroup', '--clear-groups', '--'],
		['runuser', '-u', user, '--'],
	];
	for (const prefix of candidates) {
		const probe = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, '-e', '0'], { stdio: 'ignore', timeout: 20_000 });
		if (probe.status === 0) {
			return { user, prefix, home };
		}
	}
	return undefined;
}

/** Lines of a Node stack trace ("    at f (file:1:2)") or an uncaught error's name shown to the user. */
export function stackTrace(text: string): string | undefined {
	const match = /^\s+at .+$/m.exec(text) ?? /^(TypeError|RangeError|ReferenceError|SyntaxError|Error): .*$/m.exec(text)
		?? /Cannot read properties of|is not a function|Maximum call stack/.exec(text);
	return match?.[0];
}
