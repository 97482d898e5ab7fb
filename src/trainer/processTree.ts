import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * Starting and stopping the trainer as a whole process tree: accelerate launches train_network.py as a child,
 * and that starts data-loader workers, so killing the first process alone would leave the GPU busy.
 * On POSIX the tree gets its own process group (detached) and signals go to the group; on Windows taskkill /T.
 */
export function spawnTree(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
	return spawn(command, [...args], { ...options, detached: process.platform !== 'win32', windowsHide: true, shell: false });
}

function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) {
		return;
	}
	if (process.platform === 'win32') {
		const args = ['/pid', String(child.pid), '/T'];
		if (signal === 'SIGKILL' || signal === 'SIGTERM') {
			args.push('/F');
		}
		spawn('taskkill', args, { windowsHide: true, stdio: 'ignore' }).on('error', () => undefined);
		return;
	}
	try {
		process.kill(-child.pid, signal);
	} catch {
		// the group is already gone
	}
}

export function isGroupAlive(pid: number): boolean {
	try {
		process.kill(process.platform === 'win32' ? pid : -pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * Stops cleanly: an interrupt first (Ctrl+C, so Python unwinds), then terminate, then kill, each after a grace
 * period, until the whole group is gone. Resolves when the first process has exited.
 */
export async function stopTree(child: ChildProcess, graceMs = 5000): Promise<void> {
	const exited = new Promise<void>((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) {
			resolve();
		} else {
			child.once('exit', () => resolve());
		}
	});
	const pid = child.pid;
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
		if (pid === undefined || !isGroupAlive(pid)) {
			break;
		}
		signalTree(child, signal);
		const deadline = Date.now() + graceMs;
		while (Date.now() < deadline && isGroupAlive(pid)) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	await exited;
}
