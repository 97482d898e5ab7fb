import type { CliIo } from '../../src/cli/args';

/** A CliIo that keeps what a command printed, for runCli in unit tests. */
export function captureIo(cwd: string): { io: CliIo; out: string[]; err: string[]; text: () => string } {
	const out: string[] = [];
	const err: string[] = [];
	return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd }, out, err, text: () => [...out, ...err].join('\n') };
}
