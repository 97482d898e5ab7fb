import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compileFilter, FilterParseError, matchesFilter, parseFilterExpression } from '../../src/core/filterExpression';
import { normalizeTag } from '../../src/core/caption';

function keys(caption: string): Set<string> {
	return new Set(caption.split(',').map(normalizeTag));
}

function matches(expression: string, caption: string): boolean {
	return matchesFilter(parseFilterExpression(expression), keys(caption));
}

test('tags with spaces, AND NOT', () => {
	assert.equal(matches('blonde hair AND NOT smile', 'emw, blonde hair, looking at viewer'), true);
	assert.equal(matches('blonde hair AND NOT smile', 'emw, blonde_hair, smile'), false);
	assert.equal(matches('blonde hair AND NOT smile', 'emw, brown hair'), false);
});

test('precedence: NOT over AND over OR, and parentheses', () => {
	assert.equal(matches('a OR b AND c', 'a'), true);
	assert.equal(matches('(a OR b) AND c', 'a'), false);
	assert.equal(matches('(a OR b) AND c', 'b, c'), true);
	assert.equal(matches('NOT a AND b', 'b'), true);
	assert.equal(matches('NOT (a AND b)', 'a, b'), false);
	assert.equal(matches('NOT NOT a', 'a'), true);
});

test('lower-case and/or stay part of a tag; quotes take operators literally', () => {
	assert.equal(matches('black and white', 'black and white, 1girl'), true);
	assert.equal(matches('black and white', 'black, white'), false);
	assert.equal(matches('"AND" OR x', 'and'), true);
	assert.equal(matches('"say \\"hi\\""', 'say "hi"'), true);
});

test('a parenthesis right after a tag belongs to it; tags compare like normalizeTag', () => {
	assert.equal(matches('yor briar (cosplay) AND smile', 'yor_briar_(cosplay), smile'), true);
	assert.equal(matches('Blonde_Hair', '(blonde hair:1.2)'), true);
});

test('* matches any characters', () => {
	assert.equal(matches('*hair AND NOT blue*', 'long hair, red eyes'), true);
	assert.equal(matches('*hair AND NOT blue*', 'long hair, blue eyes'), false);
	assert.equal(matches('*hair', 'smile'), false);
});

function parseError(expression: string): FilterParseError {
	const result = compileFilter(expression);
	assert.equal(result.ok, false, `"${expression}" should not parse`);
	return (result as { ok: false; error: FilterParseError }).error;
}

test('parse errors say the column and what was expected', () => {
	let error = parseError('blonde hair AND');
	assert.equal(error.column, 16);
	assert.match(error.message, /^Column 16: expected a tag, NOT or "\(", found the end of the expression\.$/);

	error = parseError('(a OR b AND c');
	assert.equal(error.column, 14);
	assert.match(error.message, /expected "\)" to close the "\(" at column 1/);

	error = parseError('a OR b) AND c');
	assert.equal(error.column, 7);
	assert.match(error.message, /closes nothing/);

	error = parseError('smile AND OR a');
	assert.equal(error.column, 11);
	assert.match(error.message, /found OR/);

	error = parseError('"a" b');
	assert.equal(error.column, 5);
	assert.match(error.message, /expected AND, OR or the end of the expression, found the tag "b"/);

	error = parseError('a AND "unclosed');
	assert.equal(error.column, 16);
	assert.match(error.message, /closing quote for the quote at column 7/);

	error = parseError('   ');
	assert.equal(error.column, 1);
	assert.match(error.message, /empty expression/);

	error = parseError('a (b OR c)');
	assert.equal(error.column, 3, 'a group after a tag needs AND or OR');
});
