import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalInput, waitForTerminal } from '../../src/cli/terminalSync';
import { repoRoot } from '../support/paths';

/** A terminal's two ends: what the CLI writes, and its keyboard side with raw mode; `answer` plays the terminal. */
function fakeTerminal(answer: (question: string, input: PassThrough) => void): { input: TerminalInput & PassThrough; output: { isTTY: boolean; write(text: string): boolean }; written: string[]; modes: boolean[] } {
	const written: string[] = [];
	const modes: boolean[] = [];
	const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(raw: boolean) { modes.push(raw); input.isRaw = raw; return input; } });
	const output = { isTTY: true, write(text: string) { written.push(text); answer(text, input); return true; } };
	return { input, output, written, modes };
}

test('waitForTerminal: asks for the cursor position and resolves on the answer, in raw mode only while it waits', async () => {
	const terminal = fakeTerminal((question, input) => {
		// The answer arrives in two pieces, after other keys.
		setImmediate(() => { input.write('x\x1b[12;'); setImmediate(() => input.write('1R')); });
		assert.equal(question, '\x1b[6n');
	});
	assert.equal(await waitForTerminal(terminal.input, terminal.output, 60_000), 'answered');
	assert.deepEqual(terminal.written, ['\x1b[6n']);
	assert.deepEqual(terminal.modes, [true, false], 'raw while waiting, then back');
	assert.equal(terminal.input.listenerCount('data'), 0, 'no listener left behind');
});

test('waitForTerminal: a terminal that never answers is given up on; output that is not a terminal is not asked', async () => {
	const silent = fakeTerminal(() => undefined);
	assert.equal(await waitForTerminal(silent.input, silent.output, 20), 'no answer');
	assert.deepEqual(silent.modes, [true, false]);
	const piped = fakeTerminal(() => assert.fail('nothing is written to a pipe'));
	piped.output.isTTY = false;
	assert.equal(await waitForTerminal(piped.input, piped.output), 'not a terminal');
});

test('lint CLI: --wait-for-terminal with output to a pipe exits at once with the same output', () => {
	const root = mkdtempSync(join(tmpdir(), 'lint-wait-'));
	const subset = join(root, 'images', '5_zq7 woman');
	mkdirSync(subset, { recursive: true });
	writeFileSync(join(subset, 'a.png'), '');
	writeFileSync(join(subset, 'a.txt'), 'solo, zq7');
	const run = (extra: string[]) => spawnSync(process.execPath, [join(repoRoot(), 'bin', 'lora-workbench.js'), 'lint', '--offline', root, ...extra], { encoding: 'utf8', timeout: 60_000 });
	const plain = run([]);
	const waited = run(['--wait-for-terminal']);
	assert.equal(waited.status, plain.status);
	assert.equal(waited.stdout, plain.stdout);
	assert.match(waited.stdout, /trigger-not-first/);
	assert.ok(!waited.stdout.includes('\x1b[6n'), 'no terminal question on a pipe');
});
