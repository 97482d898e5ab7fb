import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { checkImages } from '../../src/core/images/checkImages';
import { classifyDecodeError } from '../../src/core/images/decode';
import { imageCheckOptions } from '../../src/core/images/options';
import { sharedFixture } from '../support/paths';

/** A PNG whose header claims 30000x30000 pixels (900 MP) in a file of a few hundred bytes. */
function decompressionBomb(): Buffer {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) {
			c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		}
		return c >>> 0;
	});
	const crc = (bytes: Buffer) => {
		let c = 0xffffffff;
		for (const b of bytes) {
			c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
		}
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type: string, data: Buffer) => {
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const out = Buffer.alloc(12 + data.length);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc(body), 8 + data.length);
		return out;
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(30000, 0);
	ihdr.writeUInt32BE(30000, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(Buffer.alloc(30000 * 3 + 1))),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

describe('bad input: each file gets a clear problem and the rest is still checked', () => {
	let dir: string;
	const file = (name: string) => join(dir, name);
	let report: Awaited<ReturnType<typeof checkImages>>;
	const names = ['good.jpg', 'truncated.jpg', 'garbage.jpg', 'bomb.png', 'cmyk.jpg', 'deep.png', 'animated.gif', 'phone.heic', 'good2.jpg'];

	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-bad-'));
		const photo = sharedFixture('photos', 'people', 'obama.jpg');
		const bytes = await readFile(photo);
		await writeFile(file('good.jpg'), bytes);
		await writeFile(file('truncated.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2)));
		await writeFile(file('garbage.jpg'), Buffer.from('this is not a picture, just text saved as .jpg'));
		await writeFile(file('bomb.png'), decompressionBomb());
		await sharp(photo).toColourspace('cmyk').jpeg().toFile(file('cmyk.jpg'));
		await sharp(photo).toColourspace('rgb16').png().toFile(file('deep.png'));
		const frames = Buffer.alloc(64 * 64 * 3 * 3);
		frames.forEach((_, i) => { frames[i] = (i * 7) % 251; });
		await sharp(frames, { raw: { width: 64, height: 64 * 3, channels: 3, pageHeight: 64 } }).gif().toFile(file('animated.gif'));
		// An ISO-BMFF header with the HEIC brand, as an iPhone writes it; there is no HEVC decoder here.
		const ftyp = Buffer.alloc(32);
		ftyp.writeUInt32BE(24, 0);
		ftyp.write('ftypheic', 4, 'latin1');
		ftyp.write('mif1heic', 16, 'latin1');
		await writeFile(file('phone.heic'), Buffer.concat([ftyp, Buffer.alloc(200, 7)]));
		await sharp(sharedFixture('photos', 'people', 'obama1.jpg')).toFile(file('good2.jpg'));
		report = await checkImages(names.map((n) => ({ path: file(n), role: 'unknown' as const })), imageCheckOptions({ disabled: new Set(['same-shoot', 'near-duplicate']) }));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	const problemsOf = (name: string) => report.problems.filter((p) => p.file === file(name));

	it('a truncated JPEG is unreadable, and the message says so and what to do', () => {
		const [problem] = problemsOf('truncated.jpg');
		assert.equal(problem.code, 'unreadable');
		assert.equal(problem.severity, 'error');
		assert.match(problem.message, /truncated or corrupt/);
		assert.match(problem.message, /Re-export it or remove it/);
	});
	it('a decoder warning that reaches us without its text (raised on a libvips worker thread) still says truncated or corrupt', () => {
		const problem = classifyDecodeError('/data/cut.jpg', new Error('Warning treated as error due to failOn setting'));
		assert.equal(problem.code, 'unreadable');
		assert.match(problem.message, /truncated or corrupt.*Re-export it or remove it/);
	});
	it('a text file named .jpg is unreadable', () => {
		assert.deepEqual(problemsOf('garbage.jpg').map((p) => p.code), ['unreadable']);
	});
	it('a decompression bomb is refused before decoding, naming its size and the limit', () => {
		const [problem] = problemsOf('bomb.png');
		assert.equal(problem.code, 'too-many-pixels');
		assert.match(problem.message, /30000x30000 \(900 MP\).*100 MP limit/);
		assert.equal(problem.details.pixels, 900_000_000);
	});
	it('a CMYK JPEG is flagged, and still checked like any other picture', () => {
		assert.deepEqual(problemsOf('cmyk.jpg').map((p) => p.code), ['cmyk']);
		assert.ok(report.analyses.find((a) => a.entry.path === file('cmyk.jpg'))?.measures, 'it was measured');
	});
	it('a 16-bit PNG is flagged', () => {
		assert.deepEqual(problemsOf('deep.png').map((p) => p.code), ['16-bit']);
	});
	it('an animated GIF is flagged with its frame count', () => {
		const problem = problemsOf('animated.gif').find((p) => p.code === 'animated');
		assert.ok(problem);
		assert.equal(problem.details.frames, 3);
		assert.match(problem.message, /3 frames/);
	});
	it('a HEIC file says there is no decoder and to convert it', () => {
		const [problem] = problemsOf('phone.heic');
		assert.equal(problem.code, 'heic-unsupported');
		assert.match(problem.message, /Convert it to JPEG or PNG/);
	});
	it('the good pictures around them were checked normally', () => {
		assert.deepEqual(problemsOf('good.jpg'), []);
		assert.deepEqual(problemsOf('good2.jpg'), []);
		assert.equal(report.analyses.length, names.length);
	});
	it('no problem message carries a stack trace', () => {
		for (const problem of report.problems) {
			assert.doesNotMatch(problem.message, /\n\s+at /);
		}
	});
});
