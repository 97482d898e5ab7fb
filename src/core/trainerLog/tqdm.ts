/**
 * tqdm progress lines: `{desc}: {pct}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{, postfix}]`.
 * sd-scripts names its bars `steps`, `validation steps` and `epoch validation steps` (reference §6).
 *
 * A training log is mostly redraws of the `steps` bar, so this is the parser's hot path (issue 22): a frame is
 * located by hand and its parts are read on demand (`findTqdmFrame`, `tqdmPostfix`, `readTqdmTiming`), so a
 * redraw of a step already reported costs no clock parsing and no allocation beyond the bracketed part. The
 * results are exactly those of the patterns below (`FRAME`, `TIMES_AND_RATE`), which remain the definition and
 * the fallback for a line holding several frames.
 */

export type TqdmDesc = 'steps' | 'validation steps' | 'epoch validation steps';

export interface TqdmFrame {
	desc: TqdmDesc;
	n: number;
	total: number;
	elapsed?: number;
	remaining?: number;
	itPerSecond?: number;
	/** `key=value` pairs after the rate, values as printed. */
	postfix: Map<string, string>;
}

/** The last frame on a line, before its bracketed part is read. */
export interface TqdmFrameHead {
	desc: TqdmDesc;
	n: number;
	total: number;
	/** The bracketed part (times, rate and postfix as printed) is `line.slice(insideStart, insideEnd)`. */
	line: string;
	insideStart: number;
	insideEnd: number;
}

export interface TqdmTiming {
	elapsed?: number;
	remaining?: number;
	itPerSecond?: number;
}

/** Everything the log parser reads from a frame, in one call (`readTqdmFrame`); one object reused line after line. */
export interface TqdmReading extends TqdmTiming {
	desc: TqdmDesc;
	n: number;
	total: number;
	/** Postfix numbers (`parsePythonNumber` of the values): `avr_loss`; `loss`, else `current_loss`. */
	avrLoss?: number;
	loss?: number;
	/** `val_avg_loss` of a `validation steps` frame, `val_epoch_avg_loss` of an `epoch validation steps` one. */
	validationLoss?: number;
}

// Unanchored: under multi-GPU another process's text can land on the same line before or after a frame.
const FRAME = /(epoch validation steps|validation steps|steps):\s*\d+%\|[^|\n]*\|\s*(\d+)\/(\d+)\s*\[([^\]]*)\]/g;
// Kept as the definition of what readTqdmTiming reads (the unit tests compare the two).
export const TIMES_AND_RATE = /^\s*([\d:]+)(?:<([\d:]+|\?))?,\s*(\?|[\d.]+(?:e[+-]?\d+)?)\s*(it\/s|s\/it)/;

/** The last progress frame on the line (several can be glued together when `\r` was lost), if any. */
export function parseTqdmFrame(line: string): TqdmFrame | undefined {
	const head = findTqdmFrame(line);
	if (!head) {
		return undefined;
	}
	const frame: TqdmFrame = { desc: head.desc, n: head.n, total: head.total, postfix: new Map() };
	const timing = readTqdmTiming(line, head.insideStart, head.insideEnd, frame);
	const rest = line.slice(timing < 0 ? head.insideStart : timing, head.insideEnd);
	for (const piece of rest.split(',')) {
		const eq = piece.indexOf('=');
		if (eq > 0) {
			frame.postfix.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
		}
	}
	return frame;
}

/**
 * A reading to pass to `readTqdmFrame` again and again. Every field exists from the start: an object that gains
 * its fields on its first frame has another shape than the one the optimised parser last saw, and each new parser
 * would send it back to the interpreter (a third of a 200,000-line log's parse, issue 22).
 */
export function emptyTqdmReading(): TqdmReading {
	return { desc: 'steps', n: 0, total: 0, elapsed: undefined, remaining: undefined, itPerSecond: undefined, avrLoss: undefined, loss: undefined, validationLoss: undefined };
}

const scratchHead: TqdmFrameHead = { desc: 'steps', n: 0, total: 0, line: '', insideStart: 0, insideEnd: 0 };

/**
 * Reads the last frame on the line into `into` (every field set, undefined where the frame has none), what
 * `parseTqdmFrame` gives without building the postfix map. Returns false, leaving `into` alone, when the line
 * has no frame.
 */
export function readTqdmFrame(line: string, into: TqdmReading): boolean {
	const head = findTqdmFrame(line, scratchHead);
	if (!head) {
		return false;
	}
	const { insideStart, insideEnd } = head;
	into.desc = head.desc;
	into.n = head.n;
	into.total = head.total;
	into.elapsed = undefined;
	into.remaining = undefined;
	into.itPerSecond = undefined;
	const timed = readTqdmTiming(line, insideStart, insideEnd, into);
	const from = timed < 0 ? insideStart : timed;
	// One backward pass over the postfix pieces: the last piece of each key wins.
	let avrLoss = -1;
	let loss = -1;
	let currentLoss = -1;
	let validation = -1;
	const steps = head.desc === 'steps';
	const validationKey = head.desc === 'validation steps' ? 'val_avg_loss' : 'val_epoch_avg_loss';
	let end = insideEnd;
	for (;;) {
		let start = end;
		let eq = -1;
		while (start > from) {
			const c = line.charCodeAt(start - 1);
			if (c === 44 /* , */) {
				break;
			}
			if (c === 61 /* = */) {
				eq = start - 1;
			}
			start--;
		}
		if (eq > start) {
			if (steps) {
				if (avrLoss === -1 && sameKey(line, start, eq, 'avr_loss')) {
					avrLoss = eq;
				} else if (loss === -1 && sameKey(line, start, eq, 'loss')) {
					loss = eq;
				} else if (currentLoss === -1 && sameKey(line, start, eq, 'current_loss')) {
					currentLoss = eq;
				}
			} else if (validation === -1 && sameKey(line, start, eq, validationKey)) {
				validation = eq;
			}
		}
		if (start <= from) {
			break;
		}
		end = start - 1;
	}
	const lossAt = loss !== -1 ? loss : currentLoss;
	into.avrLoss = avrLoss === -1 ? undefined : pythonNumberIn(line, avrLoss + 1, tqdmValueEnd(line, avrLoss, insideEnd));
	into.loss = lossAt === -1 ? undefined : pythonNumberIn(line, lossAt + 1, tqdmValueEnd(line, lossAt, insideEnd));
	into.validationLoss = validation === -1 ? undefined : pythonNumberIn(line, validation + 1, tqdmValueEnd(line, validation, insideEnd));
	return true;
}

/**
 * Finds the last frame on the line: what `FRAME`'s last match gives. With one `%|` on the line (every real
 * frame has exactly one, and any match needs one) the match, if any, is fixed by that `%|`: the digits before it,
 * whitespace, `:` and the longest desc ending there (the leftmost start wins), then the bar up to the next `|`.
 */
export function findTqdmFrame(line: string, into?: TqdmFrameHead): TqdmFrameHead | undefined {
	const mark = line.indexOf('%|');
	if (mark === -1) {
		return undefined;
	}
	if (line.indexOf('%|', mark + 2) !== -1) {
		return findWithPattern(line, into);
	}
	// backwards: \d+ then \s* then ':' then the desc
	let i = mark;
	while (i > 0 && isDigit(line.charCodeAt(i - 1))) {
		i--;
	}
	if (i === mark) {
		return undefined;
	}
	while (i > 0 && isSpace(line.charCodeAt(i - 1))) {
		i--;
	}
	if (i === 0 || line.charCodeAt(i - 1) !== 58 /* : */) {
		return undefined;
	}
	const colon = i - 1;
	let desc: TqdmDesc;
	if (colon >= 5 && line.startsWith('steps', colon - 5)) {
		desc = colon >= 22 && line.startsWith('epoch validation steps', colon - 22) ? 'epoch validation steps'
			: colon >= 16 && line.startsWith('validation steps', colon - 16) ? 'validation steps' : 'steps';
	} else {
		return undefined;
	}
	// forwards: the bar ([^|\n]*\|), \s*, n/total, \s*, '[', [^\]]*, ']'
	let j = mark + 2;
	while (j < line.length) {
		const c = line.charCodeAt(j);
		if (c === 124 /* | */ || c === 10) {
			break;
		}
		j++;
	}
	if (j >= line.length || line.charCodeAt(j) !== 124) {
		return undefined;
	}
	j++;
	while (j < line.length && isSpace(line.charCodeAt(j))) {
		j++;
	}
	let n = 0;
	const nStart = j;
	while (j < line.length && isDigit(line.charCodeAt(j))) {
		n = n * 10 + line.charCodeAt(j) - 48;
		j++;
	}
	if (j === nStart || j >= line.length || line.charCodeAt(j) !== 47 /* / */) {
		return undefined;
	}
	const nEnd = j;
	j++;
	let total = 0;
	const totalStart = j;
	while (j < line.length && isDigit(line.charCodeAt(j))) {
		total = total * 10 + line.charCodeAt(j) - 48;
		j++;
	}
	const totalEnd = j;
	if (j === totalStart) {
		return undefined;
	}
	while (j < line.length && isSpace(line.charCodeAt(j))) {
		j++;
	}
	if (j >= line.length || line.charCodeAt(j) !== 91 /* [ */) {
		return undefined;
	}
	const close = line.indexOf(']', j + 1);
	if (close === -1) {
		return undefined;
	}
	// long digit runs: what Number() gives, rounding included
	return head(into, desc,
		nEnd - nStart > 15 ? Number(line.slice(nStart, nEnd)) : n,
		totalEnd - totalStart > 15 ? Number(line.slice(totalStart, totalEnd)) : total,
		line, j + 1, close);
}

function head(into: TqdmFrameHead | undefined, desc: TqdmDesc, n: number, total: number, line: string, insideStart: number, insideEnd: number): TqdmFrameHead {
	if (!into) {
		return { desc, n, total, line, insideStart, insideEnd };
	}
	into.desc = desc;
	into.n = n;
	into.total = total;
	into.line = line;
	into.insideStart = insideStart;
	into.insideEnd = insideEnd;
	return into;
}

function findWithPattern(line: string, into: TqdmFrameHead | undefined): TqdmFrameHead | undefined {
	let last: RegExpExecArray | undefined;
	FRAME.lastIndex = 0;
	for (let match = FRAME.exec(line); match; match = FRAME.exec(line)) {
		last = match;
	}
	if (!last) {
		return undefined;
	}
	const insideEnd = last.index + last[0].length - 1;
	return head(into, last[1] as TqdmDesc, Number(last[2]), Number(last[3]), line, insideEnd - last[4].length, insideEnd);
}

/**
 * Reads the times and rate at the start of a frame's bracketed part, `text.slice(from, to)`, into `into` (when
 * given), as `TIMES_AND_RATE` matches them. Returns where in `text` the postfix starts (the end of that match),
 * or -1 when the part does not start with times and a rate (then nothing is set and the postfix is the whole
 * part).
 */
export function readTqdmTiming(text: string, from: number, to: number, into?: TqdmTiming): number {
	const inside = text;
	const length = to;
	let i = from;
	while (i < length && isSpace(inside.charCodeAt(i))) {
		i++;
	}
	const elapsedStart = i;
	while (i < length && isClockChar(inside.charCodeAt(i))) {
		i++;
	}
	const elapsedEnd = i;
	if (elapsedEnd === elapsedStart) {
		return -1;
	}
	let remainingStart = -1;
	let remainingEnd = -1;
	if (i < length && inside.charCodeAt(i) === 60 /* < */) {
		let k = i + 1;
		if (k < length && inside.charCodeAt(k) === 63 /* ? */) {
			k++;
		} else {
			remainingStart = k;
			while (k < length && isClockChar(inside.charCodeAt(k))) {
				k++;
			}
			remainingEnd = k;
			if (remainingEnd === remainingStart) {
				return -1;
			}
		}
		i = k;
	}
	if (i >= length || inside.charCodeAt(i) !== 44 /* , */) {
		return -1;
	}
	i++;
	while (i < length && isSpace(inside.charCodeAt(i))) {
		i++;
	}
	const rateStart = i;
	let unknownRate = false;
	if (i < length && inside.charCodeAt(i) === 63 /* ? */) {
		unknownRate = true;
		i++;
	} else {
		while (i < length && (isDigit(inside.charCodeAt(i)) || inside.charCodeAt(i) === 46 /* . */)) {
			i++;
		}
		if (i === rateStart) {
			return -1;
		}
		if (i < length && inside.charCodeAt(i) === 101 /* e */) {
			let k = i + 1;
			if (k < length && (inside.charCodeAt(k) === 43 || inside.charCodeAt(k) === 45)) {
				k++;
			}
			const digits = k;
			while (k < length && isDigit(inside.charCodeAt(k))) {
				k++;
			}
			if (k > digits) {
				i = k;
			}
		}
	}
	const rateEnd = i;
	while (i < length && isSpace(inside.charCodeAt(i))) {
		i++;
	}
	let perSecond: boolean;
	if (inside.startsWith('it/s', i)) {
		perSecond = true;
	} else if (inside.startsWith('s/it', i)) {
		perSecond = false;
	} else {
		return -1;
	}
	if (!into) {
		return i + 4;
	}
	into.elapsed = parseClockRange(inside, elapsedStart, elapsedEnd);
	into.remaining = remainingStart === -1 ? undefined : parseClockRange(inside, remainingStart, remainingEnd);
	if (!unknownRate) {
		const rate = plainDecimal(inside, rateStart, rateEnd) ?? Number(inside.slice(rateStart, rateEnd));
		into.itPerSecond = perSecond ? rate : rate > 0 ? 1 / rate : undefined;
	}
	return i + 4;
}

/**
 * A postfix value as printed (trimmed), what the `postfix` map of `parseTqdmFrame` holds for `key`: the text
 * `text.slice(from, to)` (from where `readTqdmTiming` says the postfix starts to the end of the bracketed part)
 * cut at commas, each piece split at its first `=`; the last piece with that key wins.
 */
export function tqdmPostfix(text: string, key: string, from: number, to: number): string | undefined {
	const eq = findTqdmPostfix(text, key, from, to);
	return eq === -1 ? undefined : text.slice(eq + 1, tqdmValueEnd(text, eq, to)).trim();
}

/** Where the `=` of the postfix piece that `tqdmPostfix` reads is, or -1. */
export function findTqdmPostfix(text: string, key: string, from: number, to: number): number {
	let end = to;
	for (;;) {
		// the piece [start, end): back to the comma before it, noting its first `=`
		let start = end;
		let eq = -1;
		while (start > from) {
			const c = text.charCodeAt(start - 1);
			if (c === 44 /* , */) {
				break;
			}
			if (c === 61 /* = */) {
				eq = start - 1;
			}
			start--;
		}
		if (eq > start && sameKey(text, start, eq, key)) {
			return eq;
		}
		if (start <= from) {
			return -1;
		}
		end = start - 1;
	}
}

/** `parsePythonNumber(tqdmPostfix(text, key, from, to))`. */
export function postfixNumber(text: string, key: string, from: number, to: number): number | undefined {
	const eq = findTqdmPostfix(text, key, from, to);
	return eq === -1 ? undefined : pythonNumberIn(text, eq + 1, tqdmValueEnd(text, eq, to));
}

/** The end of the value after the `=` at `eq` (the next comma, or `to`). */
export function tqdmValueEnd(text: string, eq: number, to: number): number {
	let i = eq + 1;
	while (i < to && text.charCodeAt(i) !== 44) {
		i++;
	}
	return i;
}

/** Whether `text.slice(from, to).trim()` is `key`. */
function sameKey(text: string, from: number, to: number, key: string): boolean {
	while (from < to && isSpace(text.charCodeAt(from))) {
		from++;
	}
	while (to > from && isSpace(text.charCodeAt(to - 1))) {
		to--;
	}
	if (to - from !== key.length) {
		return false;
	}
	for (let i = 0; i < key.length; i++) {
		if (text.charCodeAt(from + i) !== key.charCodeAt(i)) {
			return false;
		}
	}
	return true;
}

/**
 * `parsePythonNumber(text.slice(from, to))`. A plain decimal (`-0.0912`, at most 15 digits) is read here: its
 * digits as an integer divided by a power of ten, both exact in a double, is the correctly rounded value that
 * `Number()` gives too.
 */
export function pythonNumberIn(text: string, from: number, to: number): number | undefined {
	while (from < to && isSpace(text.charCodeAt(from))) {
		from++;
	}
	while (to > from && isSpace(text.charCodeAt(to - 1))) {
		to--;
	}
	const value = plainDecimal(text, from, to);
	return value !== undefined ? value : parsePythonNumber(text.slice(from, to));
}

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** `-?\d*\.?\d*` with 1 to 15 digits, as a number; undefined for anything else. */
function plainDecimal(text: string, from: number, to: number): number | undefined {
	let i = from;
	const negative = i < to && text.charCodeAt(i) === 45;
	if (negative) {
		i++;
	}
	let mantissa = 0;
	let digits = 0;
	let fraction = -1;
	for (; i < to; i++) {
		const c = text.charCodeAt(i);
		if (c >= 48 && c <= 57) {
			mantissa = mantissa * 10 + c - 48;
			digits++;
			if (fraction >= 0) {
				fraction++;
			}
		} else if (c === 46 && fraction < 0) {
			fraction = 0;
		} else {
			return undefined;
		}
	}
	if (digits === 0 || digits > 15) {
		return undefined;
	}
	const value = fraction > 0 ? mantissa / POWERS_OF_TEN[fraction] : mantissa;
	return negative ? -value : value;
}

/** tqdm's `mm:ss` or `h:mm:ss` in seconds. */
export function parseClock(text: string): number | undefined {
	const parts = text.split(':').map(Number);
	if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p))) {
		return undefined;
	}
	return parts.reduce((total, part) => total * 60 + part, 0);
}

/** `parseClock` of `text.slice(from, to)`, which holds only digits and colons, without the slicing. */
function parseClockRange(text: string, from: number, to: number): number | undefined {
	let total = 0;
	let part = 0;
	let digits = 0;
	let parts = 1;
	for (let i = from; i < to; i++) {
		const c = text.charCodeAt(i);
		if (c === 58) {
			if (++parts > 3) {
				return undefined;
			}
			total = total * 60 + part;
			part = 0;
			digits = 0;
		} else if (++digits > 15) {
			return parseClock(text.slice(from, to));
		} else {
			part = part * 10 + c - 48;
		}
	}
	return parts < 2 ? undefined : total * 60 + part;
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

function isDigit(c: number): boolean {
	return c >= 48 && c <= 57;
}

function isClockChar(c: number): boolean {
	return (c >= 48 && c <= 57) || c === 58;
}

/** What `\s` matches (and what `String.prototype.trim` removes). */
function isSpace(c: number): boolean {
	if (c <= 32) {
		return c === 32 || (c >= 9 && c <= 13);
	}
	if (c < 0xa0) {
		return false;
	}
	return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
