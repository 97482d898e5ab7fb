import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { repoRoot } from '../support/paths';

async function tokenize(line: string): Promise<Array<{ text: string; scopes: string }>> {
	const wasm = readFileSync(join(repoRoot(), 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
	await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
	const registry = new textmate.Registry({
		onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
		loadGrammar: async () => textmate.parseRawGrammar(readFileSync(join(repoRoot(), 'syntaxes', 'lora-caption.tmLanguage.json'), 'utf8'), 'lora-caption.tmLanguage.json'),
	});
	const grammar = await registry.loadGrammar('source.lora-caption');
	assert.ok(grammar);
	const { tokens } = grammar.tokenizeLine(line, textmate.INITIAL);
	return tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.join(' ') }));
}

test('caption grammar: tags, separators, weights, escapes, emphasis, wildcards and BREAK', async () => {
	const tokens = await tokenize('3mm4w4ts0n, (long hair:1.2), ganyu \\(genshin\\), [smile], {red|blue} dress, BREAK, solo');
	const scopeOf = (text: string) => tokens.find((t) => t.text === text)?.scopes ?? `(no token "${text}" in ${JSON.stringify(tokens.map((t) => t.text))})`;
	assert.match(scopeOf('3mm4w4ts0n'), /entity\.name\.tag\.lora-caption/);
	assert.match(scopeOf(','), /punctuation\.separator\.tag/);
	assert.match(scopeOf('1.2'), /meta\.emphasis\.weighted.*constant\.numeric\.weight/);
	assert.match(scopeOf('long hair'), /meta\.emphasis\.weighted.*entity\.name\.tag/);
	assert.match(scopeOf('\\('), /constant\.character\.escape/);
	assert.doesNotMatch(scopeOf('genshin'), /meta\.emphasis/, 'escaped parentheses are not emphasis');
	assert.match(scopeOf('smile'), /meta\.emphasis\.reduced/);
	assert.match(scopeOf('|'), /meta\.wildcard.*keyword\.operator\.alternative/);
	assert.match(scopeOf('BREAK'), /keyword\.control\.break/);
	assert.doesNotMatch(scopeOf('solo'), /keyword/);
});
