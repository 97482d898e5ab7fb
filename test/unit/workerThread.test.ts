import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { BACKGROUND_NICE, startWorkerThread, startWorkerThreadsInBackground } from '../../src/core/workerThread';
import { SharedCaptionReads } from '../../src/core/captionReadThread';
import { threadNices } from '../support/threads';

const linux = process.platform === 'linux';

async function probePriority(): Promise<number> {
	const dir = mkdtempSync(join(tmpdir(), 'lw-priority-'));
	try {
		writeFileSync(join(dir, 'probe.js'), "require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority());\n");
		const worker = startWorkerThread(dir, 'probe.js', 'probe.ts');
		const [priority] = await once(worker, 'message') as [number];
		await worker.terminate();
		return priority;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

test('worker threads run at normal priority until the extension asks for the background', async () => {
	assert.equal(await probePriority(), getPriority());
});

test('in the background a worker thread lowers only its own priority, never the process (Linux)', { skip: !linux && 'a thread\'s own priority is Linux only' }, async () => {
	startWorkerThreadsInBackground();
	const before = getPriority();
	assert.equal(await probePriority(), BACKGROUND_NICE);
	// The calling thread (in VS Code: the extension host's) keeps its priority.
	assert.equal(getPriority(), before);
	assert.equal(threadNices()[0], before, 'the main thread, first in /proc/self/task');

	// The caption-read helper, which starts from its own source, gives way too. It waits for its paths meanwhile.
	assert.ok(!threadNices().includes(BACKGROUND_NICE), 'the probe thread is gone');
	const reads = new SharedCaptionReads(5_000);
	try {
		const deadline = Date.now() + 30_000;
		while (!threadNices().includes(BACKGROUND_NICE)) {
			assert.ok(Date.now() < deadline, `no thread at nice ${BACKGROUND_NICE}: ${threadNices().join(' ')}`);
			await new Promise((resolve) => setImmediate(resolve));
		}
	} finally {
		reads.close();
	}
});
