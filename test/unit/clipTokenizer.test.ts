import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CLIP_MERGES_URL, cachedMergesPath, estimatedTokenCounter, loadClipTokenizer, resolveTokenCounter } from '../../src/core/clipTokenizer';
import { sharedFixture } from '../support/paths';

const VOCAB = sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz');

test('CLIP tokenizer gives the token ids of SD1.5\'s tokenizer', async () => {
	const tokenizer = await loadClipTokenizer(VOCAB);
	// Reference ids from transformers' CLIPTokenizer (openai/clip-vit-large-patch14, same vocabulary as SD1.5).
	assert.deepEqual(tokenizer.encode('a photo of a cat'), [49406, 320, 1125, 539, 320, 2368, 49407]);
	assert.deepEqual(tokenizer.encode('Hello World!! it\'s'), [49406, 3306, 1002, 748, 585, 568, 49407]);
	assert.deepEqual(tokenizer.tokenize('3mm4w4ts0n, long_hair'), ['3</w>', 'mm</w>', '4</w>', 'w</w>', '4</w>', 'ts</w>', '0</w>', 'n</w>', ',</w>', 'long</w>', '_</w>', 'hair</w>']);
	assert.equal(tokenizer.count('  looking   at\tviewer '), 3, 'whitespace is collapsed as transformers does');
	assert.equal(tokenizer.count('“smile”'), tokenizer.count('"smile"'), 'curly quotes are straightened (ftfy)');
	assert.equal(tokenizer.estimated, false);
});

test('the pinned download is fetched once, checked and cached; a wrong file is refused', async () => {
	const gz = readFileSync(VOCAB);
	// Serve what the Hugging Face tokenizer folder holds: merges.txt with a "#version" header, plain text.
	const lines = gunzipSync(gz).toString('utf8').split('\n');
	const mergesTxt = `#version: 0.2\n${lines.slice(1, 48895).join('\n')}\n`;
	const requests: string[] = [];
	const server = createServer((req, res) => {
		requests.push(req.url ?? '');
		if (req.url === '/good/merges.txt') {
			res.end(mergesTxt);
		} else if (req.url === '/bad/merges.txt') {
			res.end(`#version: 0.2\n${lines.slice(2, 48896).join('\n')}\n`);
		} else {
			res.statusCode = 404;
			res.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	try {
		const cacheDir = mkdtempSync(join(tmpdir(), 'clip-cache-'));
		const first = await resolveTokenCounter({ cacheDir, url: `${base}/good/merges.txt` });
		assert.equal(first.counter.estimated, false, first.fallbackReason);
		assert.equal(first.counter.count('a photo of a cat'), 5);
		assert.ok(existsSync(cachedMergesPath(cacheDir)));
		const second = await resolveTokenCounter({ cacheDir, url: `${base}/good/merges.txt` });
		assert.equal(second.counter.estimated, false);
		assert.deepEqual(requests, ['/good/merges.txt'], 'the second use reads the cache');

		const badCache = mkdtempSync(join(tmpdir(), 'clip-cache-'));
		const bad = await resolveTokenCounter({ cacheDir: badCache, url: `${base}/bad/merges.txt` });
		assert.equal(bad.counter.estimated, true);
		assert.match(bad.fallbackReason ?? '', /not the Stable Diffusion 1.5 CLIP vocabulary/);
		assert.equal(existsSync(cachedMergesPath(badCache)), false, 'a wrong file is not cached');

		const missing = await resolveTokenCounter({ cacheDir: badCache, url: `${base}/nothing` });
		assert.match(missing.fallbackReason ?? '', /HTTP 404/);
		const offline = await resolveTokenCounter({ cacheDir: badCache, download: false });
		assert.equal(offline.counter.estimated, true);
	} finally {
		server.close();
	}
});

test('the download URL is pinned to one commit of the SD1.5 tokenizer files', () => {
	assert.match(CLIP_MERGES_URL, /^https:\/\/huggingface\.co\/stable-diffusion-v1-5\/stable-diffusion-v1-5\/resolve\/[0-9a-f]{40}\/tokenizer\/merges\.txt$/);
});

test('without the vocabulary, a letter run is estimated at a token per 6 letters, a digit or a run of punctuation at one', () => {
	const ends = (text: string) => estimatedTokenCounter.tokenEnds(text);
	// "zq7lora": letters, a digit, letters; "blue eyes" two words; "(smile)" punctuation on each side.
	assert.deepEqual(ends('zq7lora, blue eyes'), [2, 3, 7, 8, 13, 18]);
	assert.deepEqual(ends('abcdefghijklm'), [13, 13, 13], '13 letters: 3 tokens');
	assert.deepEqual(ends("(smile), it's"), [1, 6, 8, 11, 13]);
	assert.deepEqual(ends('Éclair 日本語 😀'), [6, 10, 13], 'non-ASCII letters count as letters, an emoji as punctuation');
	assert.equal(estimatedTokenCounter.count('<|endoftext|>'), 1);
});
