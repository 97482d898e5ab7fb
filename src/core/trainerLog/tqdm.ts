/**
 * tqdm progress lines: `{desc}: {pct}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{, postfix}]`.
 * sd-scripts names its bars `steps`, `validation steps` and `epoch validation steps` (reference §6).
 */

export interface TqdmFrame {
	desc: 'steps' | 'validation steps' | 'epoch validation steps';
	n: number;
	total: number;
	elapsed?: number;
	remaining?: number;
	itPerSecond?: number;
	/** `key=value` pairs after the rate, values as printed. */
	postfix: Map<string, string>;
}

// Unanchored: under multi-GPU another process's text can land on the same line before or after a frame.
const FRAME = /(epoch validation steps|validation steps|steps):\s*\d+%\|[^|\n]*\|\s*(\d+)\/(\d+)\s*\[([^\]]*)\]/g;
const TIMES_AND_RATE = /^\s*([\d:]+)(?:<([\d:]+|\?))?,\s*(\?|[\d.]+(?:e[+-]?\d+)?)\s*(it\/s|s\/it)/;

/** The last progress frame on the line (several can be glued together when `\r` was lost), if any. */
export function parseTqdmFrame(line: string): TqdmFrame | undefined {
	if (line.indexOf('%|') === -1) {
		return undefined;
	}
	let last: RegExpExecArray | undefined;
	FRAME.lastIndex = 0;
	for (let match = FRAME.exec(line); match; match = FRAME.exec(line)) {
		last = match;
	}
	if (!last) {
		return undefined;
	}
	const frame: TqdmFrame = {
		desc: last[1] as TqdmFrame['desc'],
		n: Number(last[2]),
		total: Number(last[3]),
		postfix: new Map(),
	};
	const inside = last[4];
	const timing = TIMES_AND_RATE.exec(inside);
	let rest = inside;
	if (timing) {
		frame.elapsed = parseClock(timing[1]);
		frame.remaining = timing[2] === undefined || timing[2] === '?' ? undefined : parseClock(timing[2]);
		if (timing[3] !== '?') {
			const rate = Number(timing[3]);
			frame.itPerSecond = timing[4] === 'it/s' ? rate : rate > 0 ? 1 / rate : undefined;
		}
		rest = inside.slice(timing[0].length);
	}
	for (const piece of rest.split(',')) {
		const eq = piece.indexOf('=');
		if (eq > 0) {
			frame.postfix.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
		}
	}
	return frame;
}

/** tqdm's `mm:ss` or `h:mm:ss` in seconds. */
export function parseClock(text: string): number | undefined {
	const parts = text.split(':').map(Number);
	if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p))) {
		return undefined;
	}
	return parts.reduce((total, part) => total * 60 + part, 0);
}

/** A postfix number as Python printed it (`0.0912`, `nan`, `inf`). */
export function parsePythonNumber(text: string | undefined): number | undefined {
	if (text === undefined) {
		return undefined;
	}
	const lower = text.trim().toLowerCase();
	if (lower === 'nan' || lower === '-nan') {
		return NaN;
	}
	if (lower === 'inf' || lower === '-inf') {
		return lower.startsWith('-') ? -Infinity : Infinity;
	}
	const value = Number(lower);
	return lower.length > 0 && !Number.isNaN(value) ? value : undefined;
}
