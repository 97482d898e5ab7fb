/** The parts of a TTY read stream the wait uses (process.stdin when it is a terminal). */
export interface TerminalInput {
	isTTY?: boolean;
	isRaw?: boolean;
	setRawMode?(raw: boolean): unknown;
	on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
	off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
	resume(): unknown;
	pause(): unknown;
}

/** The parts of a TTY write stream the wait uses (process.stdout when it is a terminal). */
export interface TerminalOutput {
	isTTY?: boolean;
	write(text: string): unknown;
}

export type TerminalWait = 'answered' | 'not a terminal' | 'no answer';

/** A cursor position report, `ESC [ row ; column R`: the terminal's answer to `ESC [ 6 n`. */
const CURSOR_REPORT = /\x1b\[\d+;\d+R/;

/**
 * Resolves once the terminal has taken in everything written before: it is asked for the cursor position
 * (DSR 6), and a terminal answers only after it has processed the output that came before the question.
 *
 * Why: VS Code's task system stops reading a task's output about 200 ms after its process ends, and its
 * terminal can be seconds behind a process that printed a few MB of problems (it stops reading the pty
 * until the renderer catches up). A lint task that exited at once lost its last lines, so the `$lora-lint`
 * matcher missed their problems. A terminal that never answers is given up on after `timeoutMs`.
 */
export function waitForTerminal(input: TerminalInput, output: TerminalOutput, timeoutMs = 30_000): Promise<TerminalWait> {
	if (!input.isTTY || !output.isTTY || typeof input.setRawMode !== 'function') {
		return Promise.resolve('not a terminal');
	}
	const setRawMode = input.setRawMode.bind(input);
	const wasRaw = input.isRaw === true;
	return new Promise((resolve) => {
		let received = '';
		const finish = (how: TerminalWait) => {
			clearTimeout(timer);
			input.off('data', onData);
			setRawMode(wasRaw);
			input.pause();
			resolve(how);
		};
		const onData = (chunk: Buffer | string) => {
			received += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
			if (CURSOR_REPORT.test(received)) {
				finish('answered');
			}
		};
		const timer = setTimeout(() => finish('no answer'), timeoutMs);
		// Raw, so the answer is neither echoed on the screen nor held until a newline.
		setRawMode(true);
		input.on('data', onData);
		input.resume();
		output.write('\x1b[6n');
	});
}
