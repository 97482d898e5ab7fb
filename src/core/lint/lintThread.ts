/**
 * The caller's side of a two-thread lint: starts the helper (lintWorker.ts), shares the claim counter with it,
 * and turns its replies into promises that resolve undefined when it fails, so the caller lints the rest itself.
 */
import type { Worker } from 'node:worker_threads';
import { Steps, runInSlices } from '../slices';
import { startWorkerThread } from '../workerThread';
import { LintSetup, emptyCounts } from './lintShare';
import { HelperRead, LintThreadReply, LintThreadRequest, PackedTexts, packTexts, unpackTexts } from './lintThreadProtocol';
import { TagStyle } from './styleRules';
import { LintIssue } from './types';

/** Below this many captions one thread lints them sooner than a second one starts (about 50 ms of the other core). */
export const LINT_THREAD_MIN_CAPTIONS = 2_000;

function* parseSteps(batches: PackedTexts): Steps<LintIssue[]> {
	const issues: LintIssue[] = [];
	for (const batch of unpackTexts(batches)) {
		for (const issue of JSON.parse(batch) as LintIssue[]) {
			issues.push(issue);
		}
		yield;
	}
	return issues;
}

export class LintThread {
	private readonly claims = new Int32Array(new SharedArrayBuffer(8));
	private readonly replies: LintThreadReply[] = [];
	private waiting: ((reply: LintThreadReply | undefined) => void) | undefined;
	private gone = false;

	private constructor(private readonly worker: Worker, private readonly count: number) {
		worker.on('message', (reply: LintThreadReply) => this.deliver(reply));
		worker.on('error', () => this.end());
		worker.on('exit', () => this.end());
	}

	/** Starts the helper on `paths`; undefined when no thread can be had (the caller lints alone). */
	static start(setup: LintSetup, paths: readonly string[], subsets: Int32Array): LintThread | undefined {
		let worker: Worker;
		try {
			worker = startWorkerThread(__dirname, 'lintWorker.js', 'lintWorker.ts');
		} catch {
			return undefined;
		}
		const thread = new LintThread(worker, paths.length);
		const packed = packTexts(paths);
		const subsetsCopy = subsets.slice();
		thread.worker.postMessage({ kind: 'start', setup, paths: packed, subsets: subsetsCopy, claims: thread.claims } satisfies LintThreadRequest, [packed.buffer, subsetsCopy.buffer]);
		return thread;
	}

	/** The index of the next caption for the caller to read, or undefined when every one is claimed. */
	claim(): number | undefined {
		const index = Atomics.add(this.claims, 0, 1);
		return index < this.count ? index : undefined;
	}

	/**
	 * The helper's counts and the indices it read, once every caption is claimed; undefined when it failed (the
	 * caller reads those itself). A helper that had not begun when the caller claimed the last caption never will:
	 * its share is empty. `alone`: the caller claimed nothing, so the helper reads every caption, however late it begins.
	 */
	async read(alone = false): Promise<HelperRead | undefined> {
		if (!alone && Atomics.compareExchange(this.claims, 1, 0, -1) === 0) {
			this.close();
			return { counts: emptyCounts(), indices: [] };
		}
		const reply = await this.next();
		return reply?.kind === 'read' ? JSON.parse([...unpackTexts(reply.read)][0]) as HelperRead : undefined;
	}

	/** The problems of the captions the helper read, linted with `tagStyle`; undefined when it failed. */
	async lint(tagStyle: TagStyle | undefined): Promise<LintIssue[] | undefined> {
		this.worker.postMessage({ kind: 'lint', tagStyle } satisfies LintThreadRequest);
		const reply = await this.next();
		return reply?.kind === 'linted' ? runInSlices(parseSteps(reply.issues)) : undefined;
	}

	close(): void {
		this.end();
		void this.worker.terminate();
	}

	private next(): Promise<LintThreadReply | undefined> {
		const reply = this.replies.shift();
		if (reply || this.gone) {
			return Promise.resolve(reply);
		}
		return new Promise((resolve) => { this.waiting = resolve; });
	}

	private deliver(reply: LintThreadReply): void {
		const waiting = this.waiting;
		this.waiting = undefined;
		if (waiting) {
			waiting(reply);
		} else {
			this.replies.push(reply);
		}
	}

	private end(): void {
		this.gone = true;
		const waiting = this.waiting;
		this.waiting = undefined;
		waiting?.(undefined);
	}
}
