/**
 * Starts one of our worker threads. The bundles (dist/extension.js, dist/cli.js) have the worker's own bundle
 * beside them (esbuild.mjs builds each as dist/<name>.js); run from source (tsx: tests, bench) the worker is its
 * .ts file, compiled by tsx's require hook inside the thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) { require(workerData.tsx).register(); }
require(workerData.file);
`;

/**
 * `dir` is the caller's `__dirname`: dist/ in a bundle, the source folder under tsx. `built` is the bundle's file
 * name there (`imageWorker.js`), `source` the worker's .ts file beside the caller in the source tree.
 * `LORA_WORKBENCH_WORKER_BUNDLES` names a dist/ folder whose worker bundles a run from source uses instead: `npm run
 * bench` sets it after building, so that a timed run does not pay for tsx compiling each thread's sources, which
 * no user pays.
 */
export function startWorkerThread(dir: string, built: string, source: string): Worker {
	const bundled = join(process.env.LORA_WORKBENCH_WORKER_BUNDLES || dir, built);
	const workerData = existsSync(bundled)
		? { file: bundled }
		: { file: join(dir, source), tsx: createRequire(__filename).resolve('tsx/cjs/api') };
	return new Worker(threadPriorityPrelude() + BOOTSTRAP, { eval: true, workerData });
}

/** The nice value of a thread that runs in the background (Linux: 0 is normal, 19 the lowest). */
export const BACKGROUND_NICE = 10;
let inBackground = false;

/**
 * Worker threads started from now on run below normal priority. The extension calls it: the extension host's one
 * thread serves every extension, and with a 20,000-caption folder most of its long blocks were time spent waiting for
 * a core while our lint, caption-read and image threads held both (issue 22). A thread in the background still gets
 * every core nothing else wants, so on an idle machine nothing is slower.
 */
export function startWorkerThreadsInBackground(): void {
	inBackground = true;
}

/**
 * A line of worker source that lowers the priority of the thread it runs in (and of the threads it starts, such as
 * onnxruntime's), once threads start in the background. Linux only: there a thread's nice value is its own, while on
 * macOS and Windows os.setPriority changes the whole process, which would put the extension host itself behind.
 */
export function threadPriorityPrelude(): string {
	return inBackground && process.platform === 'linux' ? `try { require('node:os').setPriority(${BACKGROUND_NICE}); } catch {}\n` : '';
}
