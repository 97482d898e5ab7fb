/**
 * Filter expressions over caption tags: `blonde hair AND NOT (smile OR open mouth)`.
 *
 * - Operators are the upper-case words AND, OR, NOT (lower-case `and` stays part of a tag, because real
 *   tags such as `black and white` contain it). NOT binds tighter than AND, AND tighter than OR.
 * - A tag is a run of words; spaces inside it are kept (`blonde hair`). Tags are compared like
 *   normalizeTag compares them (case, `_` versus space, weights).
 * - Double quotes take a tag literally: `"AND"`, `"(cosplay)"`. `\"` inside quotes is a quote.
 * - Parentheses right after a tag belong to it when they hold no operator: `yor briar (cosplay)`.
 * - `*` in a tag matches any characters: `*hair`, `blue*`.
 */
import { normalizeTag } from './caption';

export type FilterNode =
	| { kind: 'tag'; text: string; key: string; pattern?: RegExp; start: number; end: number }
	| { kind: 'not'; operand: FilterNode }
	| { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

export class FilterParseError extends Error {
	constructor(
		/** 1-based column of the problem in the expression. */
		public readonly column: number,
		/** What the parser expected there, in words. */
		public readonly expected: string,
		/** What it found there, in words. */
		public readonly found: string,
	) {
		super(`Column ${column}: expected ${expected}, found ${found}.`);
		this.name = 'FilterParseError';
	}
}

type Token =
	| { type: 'tag'; text: string; quoted: boolean; start: number; end: number }
	| { type: 'and' | 'or' | 'not' | '(' | ')'; start: number; end: number };

const OPERATORS: Record<string, 'and' | 'or' | 'not'> = { AND: 'and', OR: 'or', NOT: 'not' };

function describe(token: Token | undefined): string {
	if (!token) {
		return 'the end of the expression';
	}
	if (token.type === 'tag') {
		return `the tag "${token.text}"`;
	}
	return token.type === '(' || token.type === ')' ? `"${token.type}"` : token.type.toUpperCase();
}

function readWord(text: string, from: number): number {
	let end = from;
	while (end < text.length && !/[\s()"]/.test(text[end])) {
		end++;
	}
	return end;
}

/** The offset just past the `)` that closes the `(` at `open`, or -1. */
function matchingParen(text: string, open: number): number {
	let depth = 0;
	for (let i = open; i < text.length; i++) {
		if (text[i] === '(') {
			depth++;
		} else if (text[i] === ')' && --depth === 0) {
			return i + 1;
		}
	}
	return -1;
}

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let pos = 0;
	while (pos < text.length) {
		const char = text[pos];
		if (/\s/.test(char)) {
			pos++;
			continue;
		}
		const last = tokens[tokens.length - 1];
		const extendable = last?.type === 'tag' && !last.quoted;
		if (char === '(') {
			const close = matchingParen(text, pos);
			const inner = close > 0 ? text.slice(pos + 1, close - 1) : '';
			if (extendable && close > 0 && !/(^|[\s("])(AND|OR|NOT)(?=$|[\s()"])/.test(inner) && !inner.includes('"')) {
				last.text = `${last.text} ${text.slice(pos, close)}`;
				last.end = close;
				pos = close;
				continue;
			}
			tokens.push({ type: '(', start: pos, end: pos + 1 });
			pos++;
		} else if (char === ')') {
			tokens.push({ type: ')', start: pos, end: pos + 1 });
			pos++;
		} else if (char === '"') {
			let end = pos + 1;
			let value = '';
			while (end < text.length && text[end] !== '"') {
				if (text[end] === '\\' && text[end + 1] === '"') {
					end++;
				}
				value += text[end];
				end++;
			}
			if (end >= text.length) {
				throw new FilterParseError(text.length + 1, `a closing quote for the quote at column ${pos + 1}`, 'the end of the expression');
			}
			if (value.trim() === '') {
				throw new FilterParseError(pos + 1, 'a tag inside the quotes', 'empty quotes');
			}
			tokens.push({ type: 'tag', text: value.trim(), quoted: true, start: pos, end: end + 1 });
			pos = end + 1;
		} else {
			const end = readWord(text, pos);
			const word = text.slice(pos, end);
			const operator = OPERATORS[word];
			if (operator) {
				tokens.push({ type: operator, start: pos, end });
			} else if (extendable) {
				last.text = `${last.text} ${word}`;
				last.end = end;
			} else {
				tokens.push({ type: 'tag', text: word, quoted: false, start: pos, end });
			}
			pos = end;
		}
	}
	return tokens;
}

function globPattern(key: string): RegExp | undefined {
	if (!key.includes('*')) {
		return undefined;
	}
	const source = key.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
	return new RegExp(`^${source}$`);
}

/** Parses an expression; throws FilterParseError naming the column and what was expected. */
export function parseFilterExpression(text: string): FilterNode {
	const tokens = tokenize(text);
	let index = 0;
	const peek = () => tokens[index];
	const columnOf = (token: Token | undefined) => (token ? token.start + 1 : text.length + 1);

	const parseOr = (): FilterNode => {
		let left = parseAnd();
		while (peek()?.type === 'or') {
			index++;
			left = { kind: 'or', left, right: parseAnd() };
		}
		return left;
	};
	const parseAnd = (): FilterNode => {
		let left = parseNot();
		while (peek()?.type === 'and') {
			index++;
			left = { kind: 'and', left, right: parseNot() };
		}
		return left;
	};
	const parseNot = (): FilterNode => {
		if (peek()?.type === 'not') {
			index++;
			return { kind: 'not', operand: parseNot() };
		}
		return parsePrimary();
	};
	const parsePrimary = (): FilterNode => {
		const token = peek();
		if (token?.type === 'tag') {
			index++;
			const key = normalizeTag(token.text);
			return { kind: 'tag', text: token.text, key, pattern: token.quoted ? undefined : globPattern(key), start: token.start, end: token.end };
		}
		if (token?.type === '(') {
			index++;
			const inner = parseOr();
			const close = peek();
			if (close?.type !== ')') {
				throw new FilterParseError(columnOf(close), `")" to close the "(" at column ${token.start + 1}`, describe(close));
			}
			index++;
			return inner;
		}
		throw new FilterParseError(columnOf(token), 'a tag, NOT or "("', describe(token));
	};

	if (tokens.length === 0) {
		throw new FilterParseError(1, 'a tag', 'an empty expression');
	}
	const tree = parseOr();
	const rest = peek();
	if (rest) {
		throw new FilterParseError(columnOf(rest), rest.type === ')' ? 'a tag, AND or OR (this ")" closes nothing)' : 'AND, OR or the end of the expression', describe(rest));
	}
	return tree;
}

/** Whether a caption with these normalised tag keys matches. */
export function matchesFilter(node: FilterNode, keys: ReadonlySet<string>): boolean {
	switch (node.kind) {
		case 'tag':
			if (node.pattern) {
				for (const key of keys) {
					if (node.pattern.test(key)) {
						return true;
					}
				}
				return false;
			}
			return keys.has(node.key);
		case 'not':
			return !matchesFilter(node.operand, keys);
		case 'and':
			return matchesFilter(node.left, keys) && matchesFilter(node.right, keys);
		case 'or':
			return matchesFilter(node.left, keys) || matchesFilter(node.right, keys);
	}
}

/** The tags an expression names, for highlighting. */
export function filterTags(node: FilterNode): string[] {
	switch (node.kind) {
		case 'tag':
			return [node.key];
		case 'not':
			return filterTags(node.operand);
		default:
			return [...filterTags(node.left), ...filterTags(node.right)];
	}
}

export type FilterCompileResult = { ok: true; node: FilterNode } | { ok: false; error: FilterParseError };

/** parseFilterExpression without throwing, for UIs. */
export function compileFilter(text: string): FilterCompileResult {
	try {
		return { ok: true, node: parseFilterExpression(text) };
	} catch (err) {
		if (err instanceof FilterParseError) {
			return { ok: false, error: err };
		}
		throw err;
	}
}
