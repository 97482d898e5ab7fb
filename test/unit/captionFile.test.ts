/**
 * The caption-file module (issue 17.5): strict decoding (BOM kept, invalid UTF-8 refused, never U+FFFD),
 * atomic writes that leave no temp file behind, and the changed-on-disk check, on real files.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/atomicWrite';
import {
	CaptionFile, changedOnDisk, decodeCaption, fileTextOf, readCaptionFile, readCaptionFileSync, writeCaptionFile,
} from '../../src/core/captionFile';
import { captionReadOf } from '../../src/core/datasetParse';

const LATIN1_CAFE = Buffer.from('caf\xe9, smile\n', 'latin1');
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function folder(): string {
	return mkdtempSync(join(tmpdir(), 'caption-file-'));
}

function tempFiles(dir: string): string[] {
	return readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

/** Both readers give the same answer (the sync one keeps no copy of a decoded file's bytes). */
async function readBoth(path: string): Promise<CaptionFile> {
	const file = await readCaptionFile(path);
	const expected = file.kind === 'text' ? { kind: file.kind, path: file.path, text: file.text, hasBom: file.hasBom } : file;
	assert.deepEqual(readCaptionFileSync(path), expected, 'the sync reader (scan, lint) agrees with the async one');
	return file;
}

test('caption file: a UTF-8 BOM is reported, left out of the text and kept when written back', async () => {
	const dir = folder();
	const path = join(dir, 'bom.txt');
	writeFileSync(path, Buffer.concat([UTF8_BOM, Buffer.from('café, smile\n')]));
	const file = await readBoth(path);
	assert.equal(file.kind, 'text');
	if (file.kind !== 'text') {
		return;
	}
	assert.equal(file.text, 'café, smile\n');
	assert.equal(file.hasBom, true);
	assert.equal(fileTextOf(file), '\uFEFFcafé, smile\n');
	await writeCaptionFile(path, fileTextOf({ ...file, text: 'café, smile, solo\n' }));
	assert.deepEqual(readFileSync(path), Buffer.concat([UTF8_BOM, Buffer.from('café, smile, solo\n')]));
	assert.deepEqual(tempFiles(dir), []);
});

test('caption file: CRLF line endings and further lines come back and are written back as they were', async () => {
	const dir = folder();
	const path = join(dir, 'crlf.txt');
	const bytes = Buffer.from('a, b\r\nsecond line\r\n');
	writeFileSync(path, bytes);
	const file = await readBoth(path);
	assert.equal(file.kind === 'text' && file.text, 'a, b\r\nsecond line\r\n');
	assert.equal(file.kind === 'text' && file.hasBom, false);
	await writeCaptionFile(path, fileTextOf(file as { text: string; hasBom: boolean }));
	assert.deepEqual(readFileSync(path), bytes, 'byte for byte');
});

test('caption file: bytes that are not UTF-8 are refused with the file named, never decoded into U+FFFD', async () => {
	const dir = folder();
	const path = join(dir, 'latin1.txt');
	writeFileSync(path, LATIN1_CAFE);
	const file = await readBoth(path);
	assert.equal(file.kind, 'not-utf8');
	assert.equal(file.path, path);
	if (file.kind !== 'not-utf8') {
		return;
	}
	assert.equal(file.problem, 'not UTF-8 (byte 0xE9 at offset 3; probably Latin-1 or Windows-1252)');
	assert.equal(file.utf16, false);
	assert.deepEqual(Buffer.from(file.bytes), LATIN1_CAFE, 'the bytes, for an undo that restores them exactly');
	assert.ok(!('text' in file), 'no text at all');
	const decoded = decodeCaption(LATIN1_CAFE);
	assert.equal(decoded.invalidUtf8, true);
	assert.equal(decoded.text, undefined, 'no lossy text with U+FFFD');
	assert.equal(decodeCaption(Buffer.concat([UTF8_BOM, LATIN1_CAFE])).hasBom, true, 'a UTF-8 BOM before Latin-1 bytes is still reported');
	assert.deepEqual(readFileSync(path), LATIN1_CAFE, 'reading changes nothing');
});

test('caption file: UTF-16 with a byte order mark (little- and big-endian) is named as such', async () => {
	const dir = folder();
	const le = join(dir, 'le.txt');
	const be = join(dir, 'be.txt');
	writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x, smile\n', 'utf16le')]));
	writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('x, smile\n', 'utf16le').swap16()]));
	const little = await readBoth(le);
	const big = await readBoth(be);
	assert.equal(little.kind === 'not-utf8' && little.problem, 'UTF-16 (little-endian, with a byte order mark), not UTF-8');
	assert.equal(little.kind === 'not-utf8' && little.utf16, true);
	assert.equal(big.kind === 'not-utf8' && big.problem, 'UTF-16 (big-endian, with a byte order mark), not UTF-8');
	assert.equal(big.kind === 'not-utf8' && big.utf16, true);
});

test('caption file: a missing file and an unreadable one are told apart, never thrown', async () => {
	const dir = folder();
	const missing = await readBoth(join(dir, 'none.txt'));
	assert.equal(missing.kind, 'missing');
	mkdirSync(join(dir, 'folder.txt'));
	const unreadable = await readBoth(join(dir, 'folder.txt'));
	assert.equal(unreadable.kind, 'unreadable');
	assert.equal(unreadable.kind === 'unreadable' && unreadable.code, 'EISDIR');
});

test('caption file: the sync reader decodes from its shared buffer without mixing files up: empty, BOM only, past 16 KB, not UTF-8', async () => {
	const dir = folder();
	const long = `zq7lora, ${Array.from({ length: 3000 }, (_, i) => `tag ${i}`).join(', ')}\n`;
	const files: Array<[string, Buffer]> = [
		['long.txt', Buffer.from(long)],
		['empty.txt', Buffer.alloc(0)],
		['bom-only.txt', UTF8_BOM],
		['short.txt', Buffer.from('a, b\n')],
		['latin1.txt', LATIN1_CAFE],
		['after.txt', Buffer.from('c\n')],
	];
	for (const [name, bytes] of files) {
		writeFileSync(join(dir, name), bytes);
	}
	assert.ok(long.length > 16 * 1024, 'the long caption fills the first read');
	const read = await Promise.all(files.map(([name]) => readBoth(join(dir, name))));
	assert.deepEqual(read.map((f) => (f.kind === 'text' ? f.text : f.kind)), [long, '', '', 'a, b\n', 'not-utf8', 'c\n']);
	assert.equal(read[2].kind === 'text' && read[2].hasBom, true);
	const latin1 = readCaptionFileSync(join(dir, 'latin1.txt'));
	assert.deepEqual(latin1.kind === 'not-utf8' && [...latin1.bytes], [...LATIN1_CAFE], 'bytes that are not UTF-8 come back as they are, a copy');
	assert.deepEqual([captionReadOf(readCaptionFileSync(join(dir, 'empty.txt')) as never), captionReadOf(readCaptionFileSync(join(dir, 'bom-only.txt')) as never)],
		[{ kind: 'empty' }, { kind: 'ok', caption: '', lineCount: 0 }], 'zero bytes are empty to sd-scripts; a BOM alone is not');
});

test('caption file: an atomic write that fails or is refused leaves the target as it was and no temp file', async () => {
	const dir = folder();
	// Renaming a file over a non-empty folder fails after the temp file was written and flushed.
	const blocked = join(dir, 'blocked.txt');
	mkdirSync(blocked);
	writeFileSync(join(blocked, 'inside'), 'x');
	await assert.rejects(writeCaptionFile(blocked, 'a, b\n'), (err: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST', 'EPERM'].includes(err.code ?? ''));
	assert.deepEqual(tempFiles(dir), [], 'the temp file is removed when the rename fails');
	// A folder that does not exist: the temp cannot even be created.
	await assert.rejects(writeCaptionFile(join(dir, 'gone', 'c.txt'), 'a\n'), { code: 'ENOENT' });
	// Refused by the changed-on-disk check.
	const path = join(dir, 'caption.txt');
	writeFileSync(path, 'a, b\n');
	const outcome = await writeCaptionFile(path, 'a, b, c\n', { unchangedFrom: 'something else\n' });
	assert.deepEqual(outcome, { written: false, reason: 'it was changed on disk after it was read' });
	assert.equal(readFileSync(path, 'utf8'), 'a, b\n');
	assert.deepEqual(tempFiles(dir), []);
	const written = await writeCaptionFile(path, 'a, b, c\n', { unchangedFrom: 'a, b\n' });
	assert.deepEqual(written, { written: true });
	assert.equal(readFileSync(path, 'utf8'), 'a, b, c\n');
	assert.deepEqual(tempFiles(dir), []);
});

test('caption file: the temp file is named .lw-<pid>-<8 hex>.tmp beside the caption', async () => {
	const dir = folder();
	const path = join(dir, 'caption.txt');
	writeFileSync(path, 'a\n');
	let during: string[] = [];
	// The check runs right before the rename, when the temp file is on disk.
	await writeFileAtomic(path, 'b\n', { beforeRename: async () => { during = tempFiles(dir); return true; } });
	assert.equal(during.length, 1);
	assert.match(during[0], new RegExp(`^\\.lw-${process.pid}-[0-9a-f]{8}\\.tmp$`));
	const outcome = await writeCaptionFile(path, 'c\n', { unchangedFrom: 'b\n' });
	assert.deepEqual(outcome, { written: true });
	assert.deepEqual(tempFiles(dir), []);
});

test('caption file: changed on disk since it was read, deleted, re-encoded or created meanwhile', async () => {
	const dir = folder();
	const path = join(dir, 'caption.txt');
	writeFileSync(path, Buffer.concat([UTF8_BOM, Buffer.from('a, b\r\n')]));
	const read = await readCaptionFile(path);
	const before = fileTextOf(read as { text: string; hasBom: boolean });
	assert.equal(await changedOnDisk(path, before), undefined, 'unchanged');
	assert.equal(await changedOnDisk(path, 'a, b\r\n'), 'it was changed on disk after it was read', 'the BOM counts');
	assert.equal(await changedOnDisk(path, 'a, b\r\n', { ignoreBom: true }), undefined, 'unless the caller compares without it (VS Code documents)');
	writeFileSync(path, 'a, b, c\r\n');
	assert.equal(await changedOnDisk(path, before), 'it was changed on disk after it was read');
	writeFileSync(path, LATIN1_CAFE);
	assert.equal(await changedOnDisk(path, before), 'it is not UTF-8 (byte 0xE9 at offset 3; probably Latin-1 or Windows-1252); re-save it as UTF-8 to include it');
	rmSync(path);
	assert.equal(await changedOnDisk(path, before), 'it was deleted');
	assert.equal(await changedOnDisk(path, undefined), undefined, 'still missing, as it was');
	const created = await writeCaptionFile(path, 'new\n', { unchangedFrom: undefined });
	assert.deepEqual(created, { written: true }, 'a caption that did not exist may be created');
	const late = await writeCaptionFile(path, 'newer\n', { unchangedFrom: undefined });
	assert.equal(late.written, false, 'but not over one created meanwhile');
	assert.equal(readFileSync(path, 'utf8'), 'new\n');
	assert.deepEqual(tempFiles(dir), []);
});
