/**
 * The lint helper thread (lintThread.ts starts it): reads the captions it claims from the shared counter and
 * counts them, answers with the counts, then lints what it read once it is told the dataset's prevailing tag style.
 * Its own heap holds the texts and the problems' objects while they are made, not the extension host's.
 */
import { parentPort } from 'node:worker_threads';
import { readCaptionFileSync } from '../captionFile';
import { TokenCounter, estimatedTokenCounter, loadClipTokenizer } from '../clipTokenizer';
import { runToEnd } from '../slices';
import { TagVocabulary, sharedVocabulary } from '../vocabulary';
import { CaptionLintShare, LintSetup, ShareCounts, captionContexts, ruleSelection } from './lintShare';
import { TagStyle } from './styleRules';

export interface LintThreadStart {
	kind: 'start';
	setup: LintSetup;
	paths: readonly string[];
	/** The subset index of each path. */
	subsets: Int32Array;
	/**
	 * Shared with the caller. [0]: the next path to claim (Atomics.add). [1]: 0 until this thread begins reading,
	 * then 1; -1 when the caller finished every path before this thread began, which then reads nothing.
	 */
	claims: Int32Array;
}

export type LintThreadRequest = LintThreadStart | { kind: 'lint'; tagStyle: TagStyle | undefined };

export type LintThreadReply =
	| { kind: 'read'; counts: ShareCounts; indices: number[] }
	/**
	 * The problems as JSON texts of up to ISSUES_PER_BATCH each: strings cross threads as one copy, where 30,000
	 * objects' structured clone held the caller's thread (the extension host) for about 80 ms at once. The caller
	 * parses a batch at a time, in slices.
	 */
	| { kind: 'linted'; batches: string[] }
	| { kind: 'failed'; message: string };

const ISSUES_PER_BATCH = 500;

let share: CaptionLintShare | undefined;
let setup: LintSetup | undefined;
let loaded: Promise<{ counter: TokenCounter; vocabulary?: TagVocabulary }> | undefined;

function reply(message: LintThreadReply): void {
	parentPort?.postMessage(message);
}

function start(request: LintThreadStart): void {
	setup = request.setup;
	const { tokenCounterFile, vocabulary } = setup;
	// Loaded while the captions are read: the unzip and the file reads run on libuv's threads meanwhile.
	loaded = Promise.all([
		tokenCounterFile ? loadClipTokenizer(tokenCounterFile) : estimatedTokenCounter,
		vocabulary ? sharedVocabulary(vocabulary.paths, vocabulary.root) : undefined,
	]).then(([counter, tags]) => ({ counter, vocabulary: tags }));
	loaded.catch(() => undefined); // reported when the lint asks for it
	share = new CaptionLintShare(setup, ruleSelection(setup));
	const indices: number[] = [];
	const { paths, subsets, claims } = request;
	if (Atomics.compareExchange(claims, 1, 0, 1) !== 0) {
		return;
	}
	for (let index = Atomics.add(claims, 0, 1); index < paths.length; index = Atomics.add(claims, 0, 1)) {
		share.addFile(paths[index], subsets[index], readCaptionFileSync(paths[index]));
		indices.push(index);
	}
	reply({ kind: 'read', counts: share.counts, indices });
}

async function lint(tagStyle: TagStyle | undefined): Promise<void> {
	const { counter, vocabulary } = await loaded!;
	const contexts = captionContexts(setup!, counter, vocabulary, tagStyle);
	const issues = runToEnd(share!.lintSteps(contexts));
	share = undefined;
	const batches: string[] = [];
	for (let start = 0; start < issues.length; start += ISSUES_PER_BATCH) {
		batches.push(JSON.stringify(issues.slice(start, start + ISSUES_PER_BATCH)));
	}
	reply({ kind: 'linted', batches });
}

parentPort?.on('message', (request: LintThreadRequest) => {
	void (async () => {
		try {
			if (request.kind === 'start') {
				start(request);
			} else {
				await lint(request.tagStyle);
			}
		} catch (err) {
			reply({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
		}
	})();
});
