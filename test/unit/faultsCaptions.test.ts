/**
 * Fault suite (issue 20), bad captions: encodings other than UTF-8, control characters, captions shared by
 * two images. Every case gets a message naming the file and what to do, and no caption is garbled.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { buildMeanColourModel, selectedTagsCsv } from '../support/onnxBuilder';

function captureIo(cwd: string) {
	const out: string[] = [];
	const err: string[] = [];
	return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd }, out, err, text: () => [...out, ...err].join('\n') };
}

const LATIN1_CAFE = Buffer.from('caf\xe9, smile\n', 'latin1');
const UTF16_CAPTION = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x, smile\n', 'utf16le')]);

test('faults (issue 21.4): tag --mode append decodes captions and skips non-UTF-8 ones with a message naming the file', async () => {
	const model = mkdtempSync(join(tmpdir(), 'faults-tagger-model-'));
	await fs.writeFile(join(model, 'model.onnx'), buildMeanColourModel({ tagCount: 5, weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], bias: [0, 0, 0, 0, 5] }));
	await fs.writeFile(join(model, 'selected_tags.csv'), selectedTagsCsv(['solo']));
	const dir = mkdtempSync(join(tmpdir(), 'faults-tag-append-'));
	const sharp = (await import('sharp')).default;
	for (const name of ['latin1', 'utf16', 'bom']) {
		await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(join(dir, `${name}.png`));
	}
	writeFileSync(join(dir, 'latin1.txt'), LATIN1_CAFE);
	writeFileSync(join(dir, 'utf16.txt'), UTF16_CAPTION);
	writeFileSync(join(dir, 'bom.txt'), '\uFEFFcafé, smile\n');
	const { io, err, text } = captureIo(dir);
	assert.equal(await runCli(['tag', dir, '--model', model, '--mode', 'append', '--no-trigger'], io), 1, text());
	assert.deepEqual(readFileSync(join(dir, 'latin1.txt')), LATIN1_CAFE, 'the Latin-1 caption is left byte for byte');
	assert.deepEqual(readFileSync(join(dir, 'utf16.txt')), UTF16_CAPTION, 'the UTF-16 caption is left byte for byte');
	assert.equal(readFileSync(join(dir, 'bom.txt'), 'utf8'), '\uFEFFcafé, smile, solo\n', 'a UTF-8 caption with BOM is appended to, BOM kept');
	const messages = err.join('\n');
	assert.match(messages, /latin1\.txt is not UTF-8 \(byte 0xE9 at offset 3; probably Latin-1[^]*was not tagged[^]*Re-save the caption as UTF-8/);
	assert.match(messages, /utf16\.txt is UTF-16 \(little-endian, with a byte order mark\), not UTF-8/);
	assert.doesNotMatch(messages, /\n\s+at /, 'no stack trace');
});
