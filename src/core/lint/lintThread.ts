/**
 * The caller's side of a two-thread lint: starts the helper (lintWorker.ts), shares the claim counter with it,
 * and turns its replies into promises that resolve undefined when it fails, so the caller lints the rest itself.
 */
import type { Worker } from 'node:worker_threads';
import { Steps, runInSlices } from '../slices';
import { startWorkerThread } from '../workerThread';
import { issuesByFileSteps } from './issuesByFile';
import { LintSetup, emptyCounts } from './lintShare';
import { HelperRead, LintThreadReply, LintThreadRequest, PackedIssue, PackedTexts, packTexts, unpackIssue, unpackTexts } from './lintThreadProtocol';
import { TagStyle } from './styleRules';
import { LintIssue } from './types';

function* parseSteps(batches: PackedTexts, paths: readonly string[]): Steps<LintIssue[]> {
	const issues: LintIssue[] = [];
	for (const batch of unpackTexts(batches)) {
		yield;
		const parsed = JSON.parse(batch) as PackedIssue[];
		yield;
		for (let i = 0; i < parsed.length; i++) {
			issues.push(unpackIssue(parsed[i], paths));
			if ((i & 63) === 63) {
				yield;
			}
		}
	}
	return issues;
}

/**
 * The helper's problems in its order, each caption's taken from `baseline` when the helper said they are unchanged, and
 * kept by path for the next lint; undefined when one of those is not in `baseline` (then the caller lints them itself).
 */
function* assembleSteps(fresh: readonly LintIssue[], unchanged: readonly number[], read: readonly number[], paths: readonly string[], baseline: ReadonlyMap<string, readonly LintIssue[]> | undefined): Steps<{ issues: LintIssue[]; byPath: Map<string, readonly LintIssue[]> } | undefined> {
	const freshByPath = yield* issuesByFileSteps(fresh);
	const same = new Uint8Array(paths.length);
	for (let u = 0; u < unchanged.length; u++) {
		same[unchanged[u]] = 1;
	}
	const issues: LintIssue[] = [];
	const byPath = new Map<string, readonly LintIssue[]>();
	for (let r = 0; r < read.length; r++) {
		const path = paths[read[r]];
		const list = same[read[r]] ? baseline?.get(path) : freshByPath.get(path) ?? NO_ISSUES;
		if (!list) {
			return undefined;
		}
		freshByPath.delete(path);
		byPath.set(path, list);
		for (let i = 0; i < list.length; i++) {
			issues.push(list[i] as LintIssue);
		}
		if ((r & 15) === 15) {
			yield;
		}
	}
	for (const list of freshByPath.values()) {
		for (let i = 0; i < list.length; i++) {
			issues.push(list[i]);
		}
	}
	return { issues, byPath };
}

/** How long a helper waits for the next lint: the host re-lints after every change on disk, and a kept helper has its CLIP tables loaded. */
const IDLE_MS = 60_000;

/**
 * The problems of the last lint the kept helper answered, by caption, as decoded here: the helper sends the next lint
 * only the captions whose problems changed, and the rest are taken from here (the same objects).
 */
let lastDecoded: { session: number; byPath: ReadonlyMap<string, readonly LintIssue[]> } | undefined;
const NO_ISSUES: readonly LintIssue[] = Object.freeze([]);

/** The helper kept between lints (one per process), unreferenced so that it never keeps a process alive. */
let idle: { worker: Worker; timer: NodeJS.Timeout } | undefined;
let sessions = 0;
let started = 0;

function takeWorker(): Worker {
	if (idle) {
		const { worker, timer } = idle;
		idle = undefined;
		clearTimeout(timer);
		worker.ref();
		return worker;
	}
	const worker = startWorkerThread(__dirname, 'lintWorker.js', 'lintWorker.ts');
	started++;
	// Always listened to, also while kept idle: an unheard 'error' would end the process.
	const forget = (): void => {
		lastDecoded = undefined;
		if (idle?.worker === worker) {
			clearTimeout(idle.timer);
			idle = undefined;
		}
	};
	worker.on('error', forget);
	worker.on('exit', forget);
	return worker;
}

function keepWorker(worker: Worker): void {
	if (idle) {
		clearTimeout(idle.timer);
		void idle.worker.terminate();
	}
	worker.unref();
	const timer = setTimeout(() => {
		if (idle?.worker === worker) {
			idle = undefined;
			lastDecoded = undefined;
			void worker.terminate();
		}
	}, IDLE_MS);
	timer.unref();
	idle = { worker, timer };
}

export class LintThread {
	private readonly claims = new Int32Array(new SharedArrayBuffer(8));
	/** Replies carry their lint's number: a kept helper may still answer an earlier lint that was given up. */
	private readonly session = ++sessions;
	private readonly replies: LintThreadReply[] = [];
	private waiting: ((reply: LintThreadReply | undefined) => void) | undefined;
	private gone = false;
	/** Whether the helper can take the next lint: it answered this one to the end, or never began it. */
	private reusable = false;
	/** The indices of the captions the helper read, in its order (its problems come in that order). */
	private helperRead: readonly number[] = [];
	/** The lint whose decoded problems this one may take over (lastDecoded's, when the helper was told of it). */
	private baseline: number | undefined;
	private incremental = false;
	private readonly onMessage = (reply: LintThreadReply): void => {
		if (reply.session === this.session) {
			this.deliver(reply);
		}
	};
	private readonly onEnd = (): void => this.end();

	private constructor(private readonly worker: Worker, private readonly paths: readonly string[]) {
		worker.on('message', this.onMessage);
		worker.on('error', this.onEnd);
		worker.on('exit', this.onEnd);
	}

	/** Helper threads started in this process so far (tests: a kept helper is used again). */
	static get started(): number {
		return started;
	}

	/**
	 * Starts the helper on `paths` (or wakes the kept one); undefined when no thread can be had (the caller lints alone).
	 * `incremental`: the extension host's re-lints, where the helper reads every caption: only the captions whose
	 * problems changed since the last lint cross, and this lint's problems are kept for the next (a CLI lint is one
	 * per process).
	 */
	static start(setup: LintSetup, paths: readonly string[], subsets: Int32Array, incremental = false, memory: { racyMs?: number; folder?: string } = {}): LintThread | undefined {
		let worker: Worker;
		try {
			worker = takeWorker();
		} catch {
			return undefined;
		}
		const thread = new LintThread(worker, paths);
		thread.incremental = incremental;
		thread.baseline = incremental ? lastDecoded?.session : undefined;
		const packed = packTexts(paths);
		const subsetsCopy = subsets.slice();
		worker.postMessage({ kind: 'start', session: thread.session, setup, paths: packed, subsets: subsetsCopy, claims: thread.claims, baseline: thread.baseline, incremental, ...memory } satisfies LintThreadRequest, [packed.buffer, subsetsCopy.buffer]);
		return thread;
	}

	/** The index of the next caption for the caller to read, or undefined when every one is claimed. */
	claim(): number | undefined {
		const index = Atomics.add(this.claims, 0, 1);
		return index < this.paths.length ? index : undefined;
	}

	/**
	 * The helper's counts and the indices it read, once every caption is claimed; undefined when it failed (the
	 * caller reads those itself). A helper that had not begun when the caller claimed the last caption never will:
	 * its share is empty. `alone`: the caller claimed nothing, so the helper reads every caption, however late it begins.
	 */
	async read(alone = false): Promise<HelperRead | undefined> {
		if (!alone && Atomics.compareExchange(this.claims, 1, 0, -1) === 0) {
			this.reusable = true;
			this.close();
			return { counts: emptyCounts(), indices: [], remembered: 0 };
		}
		const reply = await this.next();
		const read = reply?.kind === 'read' ? JSON.parse([...unpackTexts(reply.read)][0]) as HelperRead : undefined;
		this.helperRead = read?.indices ?? [];
		return read;
	}

	/** The problems of the captions the helper read, linted with `tagStyle`; undefined when it failed. */
	async lint(tagStyle: TagStyle | undefined): Promise<LintIssue[] | undefined> {
		this.worker.postMessage({ kind: 'lint', session: this.session, tagStyle } satisfies LintThreadRequest);
		const reply = await this.next();
		if (reply?.kind !== 'linted') {
			return undefined;
		}
		this.reusable = true;
		const fresh = await runInSlices(parseSteps(reply.issues, this.paths));
		const baseline = lastDecoded !== undefined && lastDecoded.session === this.baseline ? lastDecoded.byPath : undefined;
		const assembled = await runInSlices(assembleSteps(fresh, reply.unchanged, this.helperRead, this.paths, baseline));
		if (assembled && this.incremental) {
			lastDecoded = { session: this.session, byPath: assembled.byPath };
		}
		return assembled?.issues;
	}

	/** Ends this lint's use of the helper: kept for the next lint when it finished cleanly, else stopped. */
	close(): void {
		if (this.gone) {
			return;
		}
		this.end();
		this.worker.off('message', this.onMessage);
		this.worker.off('error', this.onEnd);
		this.worker.off('exit', this.onEnd);
		if (this.reusable) {
			keepWorker(this.worker);
		} else {
			void this.worker.terminate();
		}
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
