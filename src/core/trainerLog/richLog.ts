/**
 * sd-scripts logs through rich's RichHandler on stderr: `time level message path:line`, wrapped to 80 columns
 * when stderr is not a terminal. Continuation rows are indented under the message column; this joins them back
 * into one logical line so messages like `No data found. Please verify arguments ...` can be matched whole.
 */

export interface LogicalLine {
	text: string;
	/** Set for rich log records. */
	level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
	/** `file.py:line` from the right-hand column. */
	source?: string;
}

// rich prints the time with sd-scripts' datefmt, and leaves the column blank when it repeats the previous one.
const HEADER = /^(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\[\d{2}:\d{2}:\d{2}\]|\s{8,19}) ?(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(.*)$/;
const SOURCE = /\s+([\w.-]+\.py:\d+)\s*$/;
const CONTINUATION_INDENT = 20;

export class RichRecordJoiner {
	private pending: LogicalLine | undefined;

	/** Returns the logical lines completed by this physical line (a record stays open until a non-continuation arrives). */
	push(line: string): LogicalLine[] {
		const header = HEADER.exec(line);
		if (header) {
			const done = this.flush();
			let message = header[2];
			let source: string | undefined;
			const tail = SOURCE.exec(message);
			if (tail) {
				source = tail[1];
				message = message.slice(0, tail.index);
			}
			this.pending = { text: message.trim(), level: header[1] as LogicalLine['level'], source };
			return done;
		}
		if (this.pending && isContinuation(line)) {
			const piece = line.trim();
			const tail = SOURCE.exec(piece);
			const text = tail && !this.pending.source ? piece.slice(0, tail.index).trim() : piece;
			if (tail && !this.pending.source) {
				this.pending.source = tail[1];
			}
			this.pending.text = this.pending.text.length === 0 ? text : `${this.pending.text} ${text}`;
			return [];
		}
		const done = this.flush();
		done.push({ text: line });
		return done;
	}

	/** Ends the open record (the stream ended or went quiet). */
	flush(): LogicalLine[] {
		const record = this.pending;
		this.pending = undefined;
		return record ? [record] : [];
	}

	get hasPending(): boolean {
		return this.pending !== undefined;
	}
}

function isContinuation(line: string): boolean {
	if (line.length <= CONTINUATION_INDENT) {
		return false;
	}
	for (let i = 0; i < CONTINUATION_INDENT; i++) {
		if (line.charCodeAt(i) !== 32) {
			return false;
		}
	}
	return line.trim().length > 0;
}
