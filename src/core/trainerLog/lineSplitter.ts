/**
 * Turns a stream of console output into lines. sd-scripts' progress bar (tqdm) redraws with `\r`, so a
 * carriage return ends a line just like `\n` does; `\r\n` counts once, even when split across chunks.
 */

export interface ConsoleLine {
	text: string;
	/**
	 * Ended by a bare `\r`: the terminal would overwrite it with the next one (a tqdm redraw). When the `\n` of a
	 * `\r\n` arrives in the next chunk, the line was already handed out marked as a redraw; nothing depends on it.
	 */
	redraw: boolean;
	/** Longer than the limit: only the beginning was kept. */
	truncated: boolean;
}

/** Long enough for any real sd-scripts line (a full `Command '[...]'` list), short enough to regex cheaply. */
export const DEFAULT_MAX_LINE_LENGTH = 16_384;

// CSI sequences (colours, cursor moves tqdm uses for nested bars) and OSC titles; the terminal would not print them.
const ANSI_PATTERN = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
	return text.indexOf('\x1b') === -1 ? text : text.replace(ANSI_PATTERN, '');
}

export class LineSplitter {
	private readonly decoder = new TextDecoder('utf-8', { fatal: false });
	private pending = '';
	private pendingTruncated = false;
	private afterCarriageReturn = false;

	constructor(private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH) {}

	/** Feeds raw bytes (decoded as UTF-8, a character split across chunks is kept whole; bad bytes become U+FFFD) or text. */
	feed(chunk: Uint8Array | string): ConsoleLine[] {
		const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
		return this.split(text);
	}

	/** The stream ended: whatever is left (a log that stops mid-line) is the last line. */
	end(): ConsoleLine[] {
		const lines = this.split(this.decoder.decode());
		if (this.pending.length > 0 || this.pendingTruncated) {
			lines.push(this.take(false));
		}
		return lines;
	}

	/** The line still being written (no `\r`/`\n` yet): tqdm writes `\r` before a frame, not after it. */
	peek(): string {
		return this.pendingTruncated ? '' : stripAnsi(this.pending);
	}

	private split(text: string): ConsoleLine[] {
		const lines: ConsoleLine[] = [];
		// No escape anywhere in the chunk: no line cut from it needs stripping.
		const plain = text.indexOf('\x1b') === -1;
		let start = 0;
		let nextCr = text.indexOf('\r');
		let nextLf = text.indexOf('\n');
		while (nextCr !== -1 || nextLf !== -1) {
			let i: number;
			let code: number;
			if (nextLf === -1 || (nextCr !== -1 && nextCr < nextLf)) {
				i = nextCr;
				code = 13;
				nextCr = text.indexOf('\r', i + 1);
			} else {
				i = nextLf;
				code = 10;
				nextLf = text.indexOf('\n', i + 1);
			}
			if (code === 10 && this.afterCarriageReturn && i === start && this.pending.length === 0 && !this.pendingTruncated) {
				// the `\n` of a `\r\n` whose `\r` already ended the line
				this.afterCarriageReturn = false;
				if (lines.length > 0) {
					lines[lines.length - 1].redraw = false;
				}
				start = i + 1;
				continue;
			}
			if (this.pending.length === 0 && !this.pendingTruncated && i - start <= this.maxLineLength) {
				// the usual case, a whole line inside this chunk: no concatenation
				const line = text.slice(start, i);
				lines.push({ text: plain ? line : stripAnsi(line), redraw: code === 13, truncated: false });
			} else {
				this.append(text, start, i);
				lines.push(this.take(code === 13));
			}
			this.afterCarriageReturn = code === 13;
			start = i + 1;
		}
		if (start < text.length) {
			this.afterCarriageReturn = false;
			this.append(text, start, text.length);
		}
		return lines;
	}

	private append(text: string, from: number, to: number): void {
		if (this.pendingTruncated || from >= to) {
			return;
		}
		const room = this.maxLineLength - this.pending.length;
		if (to - from > room) {
			this.pending += text.slice(from, from + room);
			this.pendingTruncated = true;
		} else {
			this.pending += text.slice(from, to);
		}
	}

	private take(redraw: boolean): ConsoleLine {
		const line: ConsoleLine = { text: stripAnsi(this.pending), redraw, truncated: this.pendingTruncated };
		this.pending = '';
		this.pendingTruncated = false;
		return line;
	}
}
