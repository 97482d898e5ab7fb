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
	return new Worker(BOOTSTRAP, { eval: true, workerData });
}
