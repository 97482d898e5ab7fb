import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, existsSync, mkdtempSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadCancelledError, DownloadError, DownloadProgress, downloadModel } from '../../src/core/tagger/download';
import { listCachedModels, removeCachedModel } from '../../src/core/tagger/modelCache';

const REPO = 'SmilingWolf/wd-v1-4-convnextv2-tagger-v2';

interface FakeHub {
	url: string;
	server: Server;
	/** Range headers of each GET of model.onnx, in order ('' for a full request). */
	ranges: string[];
	/** Cut the next N transfers of model.onnx after this many bytes. */
	cutAfter?: { bytes: number; times: number };
	/** Serve a different body than the announced hash (a damaged CDN copy). */
	corrupt?: boolean;
	/** Hold each chunk back this long (for cancelling mid-transfer). */
	slowMs?: number;
}

/** Files as Hugging Face serves them: LFS model.onnx behind a redirect with x-linked-size/x-linked-etag. */
async function startHub(model: Buffer, csv: Buffer): Promise<FakeHub> {
	const sha = createHash('sha256').update(model).digest('hex');
	const hub: FakeHub = { url: '', server: undefined as unknown as Server, ranges: [] };
	hub.server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const path = decodeURIComponent(req.url ?? '');
		if (path === `/${REPO}/resolve/main/model.onnx`) {
			res.writeHead(302, { location: '/cdn/model.onnx', 'x-linked-size': String(model.length), 'x-linked-etag': `"${sha}"`, etag: 'W/"git-etag"' });
			res.end();
		} else if (path === `/${REPO}/resolve/main/selected_tags.csv`) {
			res.writeHead(200, { 'content-length': String(csv.length), etag: '"0123456789abcdef0123456789abcdef01234567"' });
			res.end(req.method === 'HEAD' ? undefined : csv);
		} else if (path === '/cdn/model.onnx') {
			const body = hub.corrupt ? Buffer.from(model).fill(1, 0, 10) : model;
			if (req.method === 'HEAD') {
				res.writeHead(200, { 'content-length': String(body.length) });
				res.end();
				return;
			}
			const range = req.headers.range ?? '';
			hub.ranges.push(range);
			const start = range ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
			const slice = body.subarray(start);
			res.writeHead(range ? 206 : 200, { 'content-length': String(slice.length), ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
			if (hub.cutAfter && hub.cutAfter.times > 0) {
				hub.cutAfter.times--;
				res.write(slice.subarray(0, hub.cutAfter.bytes), () => setTimeout(() => res.destroy(), 20));
				return;
			}
			if (hub.slowMs) {
				let at = 0;
				const step = () => {
					if (at >= slice.length || res.destroyed) {
						res.end();
						return;
					}
					res.write(slice.subarray(at, at + 4096));
					at += 4096;
					setTimeout(step, hub.slowMs);
				};
				step();
				return;
			}
			res.end(slice);
		} else {
			res.writeHead(404, 'Not Found');
			res.end();
		}
	});
	await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
	hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
	return hub;
}

const model = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const csv = Buffer.from('tag_id,name,category,count\r\n1,general,9,1\r\n');

test('tagger download: files land in <cache>/<owner>_<name> with progress, sizes and the LFS sha256 checked', async () => {
	const hub = await startHub(model, csv);
	try {
		const cache = mkdtempSync(join(tmpdir(), 'tagger-cache-'));
		const progress: DownloadProgress[] = [];
		const dir = await downloadModel(REPO, cache, { endpoint: hub.url, onProgress: (p) => progress.push(p) });
		assert.equal(dir, join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2'));
		assert.deepEqual(await fs.readFile(join(dir, 'model.onnx')), model);
		assert.deepEqual(await fs.readFile(join(dir, 'selected_tags.csv')), csv);
		const last = progress.at(-1)!;
		assert.equal(last.overallTotal, model.length + csv.length);
		assert.equal(last.overallReceived, model.length + csv.length);
		assert.ok(progress.some((p) => p.file === 'model.onnx' && p.received > 0 && p.received < model.length), 'progress is reported during the transfer');
		const cached = await listCachedModels(cache);
		assert.deepEqual(cached.map((m) => [m.repoId, m.complete]), [[REPO, true]]);
		const requests = hub.ranges.length;
		await downloadModel(REPO, cache, { endpoint: hub.url });
		assert.equal(hub.ranges.length, requests, 'a complete cached model is not downloaded again');
		await removeCachedModel(cache, REPO);
		assert.deepEqual(await listCachedModels(cache), []);
	} finally {
		hub.server.close();
	}
});

test('tagger download: an interrupted transfer resumes with a Range request from the bytes already on disk', async () => {
	const hub = await startHub(model, csv);
	try {
		const cache = mkdtempSync(join(tmpdir(), 'tagger-cache-'));
		hub.cutAfter = { bytes: 100_000, times: 1 };
		const dir = await downloadModel(REPO, cache, { endpoint: hub.url });
		assert.deepEqual(hub.ranges, ['', 'bytes=100000-']);
		assert.deepEqual(await fs.readFile(join(dir, 'model.onnx')), model);
		assert.equal(existsSync(join(dir, 'model.onnx.part')), false);
	} finally {
		hub.server.close();
	}
});

test('tagger download: a failed run keeps the part file, and the next run resumes from it', async () => {
	const hub = await startHub(model, csv);
	try {
		const cache = mkdtempSync(join(tmpdir(), 'tagger-cache-'));
		hub.cutAfter = { bytes: 120_000, times: 2 };
		await assert.rejects(downloadModel(REPO, cache, { endpoint: hub.url, retries: 1 }), (err: Error) => err instanceof DownloadError && /next download resumes/.test(err.message));
		const part = join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2', 'model.onnx.part');
		assert.equal((await fs.stat(part)).size, 240_000);
		assert.equal((await listCachedModels(cache))[0].complete, false);
		await downloadModel(REPO, cache, { endpoint: hub.url });
		assert.equal(hub.ranges.at(-1), 'bytes=240000-');
		assert.deepEqual(await fs.readFile(join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2', 'model.onnx')), model);
	} finally {
		hub.server.close();
	}
});

test('tagger download: cancelling stops the transfer and keeps the part for resuming', async () => {
	const hub = await startHub(model, csv);
	hub.slowMs = 5;
	try {
		const cache = mkdtempSync(join(tmpdir(), 'tagger-cache-'));
		const controller = new AbortController();
		await assert.rejects(downloadModel(REPO, cache, {
			endpoint: hub.url, signal: controller.signal,
			onProgress: (p) => { if (p.file === 'model.onnx' && p.received > 20_000) { controller.abort(); } },
		}), DownloadCancelledError);
		const part = join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2', 'model.onnx.part');
		const kept = (await fs.stat(part)).size;
		assert.ok(kept > 20_000 && kept < model.length, `part keeps what arrived (${kept})`);
		assert.equal(existsSync(join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2', 'model.onnx')), false);
	} finally {
		hub.server.close();
	}
});

test('tagger download: a hash mismatch removes the damaged file; a missing repository is named', async () => {
	const hub = await startHub(model, csv);
	try {
		const cache = mkdtempSync(join(tmpdir(), 'tagger-cache-'));
		hub.corrupt = true;
		await assert.rejects(downloadModel(REPO, cache, { endpoint: hub.url }), /model\.onnx: sha256 [0-9a-f]{64} does not match/);
		assert.equal(existsSync(join(cache, 'SmilingWolf_wd-v1-4-convnextv2-tagger-v2', 'model.onnx.part')), false);
		await assert.rejects(downloadModel('SmilingWolf/no-such-model', cache, { endpoint: hub.url }), /SmilingWolf\/no-such-model\/model\.onnx: the server answered 404/);
		await assert.rejects(downloadModel('../etc', cache, { endpoint: hub.url }), /not a Hugging Face repository id/);
	} finally {
		hub.server.close();
	}
});
