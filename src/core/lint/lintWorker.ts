/**
 * The lint helper thread (lintThread.ts starts it): reads the captions it claims from the shared counter and
 * counts them, answers with the counts, then lints what it read once it is told the dataset's prevailing tag style.
 * Its own heap holds the texts and the problems' objects while they are made, not the extension host's. It keeps
 * each caption's problems as last sent: a caption whose problems are the same as in the lint the caller still holds
 * crosses as its index only.
 */
import { parentPort } from 'node:worker_threads';
import { readCaptionFileSync } from '../captionFile';
import { TokenCounter, estimatedTokenCounter, loadClipTokenizer } from '../clipTokenizer';
import { runToEnd } from '../slices';
import { TagVocabulary, sharedVocabulary } from '../vocabulary';
import { CaptionLintShare, LintSetup, captionContexts, ruleSelection } from './lintShare';
import { HelperRead, LintThreadReply, LintThreadRequest, LintThreadStart, changedProblems, packIssues, packTexts, unpackTexts } from './lintThreadProtocol';
import { TagStyle } from './styleRules';

/** The lint in progress: its number, setup, the captions read (their indices too), what it loads, and its baseline. */
let current: {
	session: number; setup: LintSetup; share: CaptionLintShare; loaded: Promise<{ counter: TokenCounter; vocabulary?: TagVocabulary }>;
	paths: readonly string[]; read: number[]; baseline?: number; incremental: boolean;
} | undefined;
/** The last lint answered: each caption's problems as sent, for the next lint to send only those that changed. */
let answered: { session: number; problems: ReadonlyMap<string, string> } | undefined;
/** CLIP tables by vocabulary file, kept while this thread waits for the next lint (lintThread.ts keeps it). */
const tokenizers = new Map<string, Promise<TokenCounter>>();

function tokenizer(file: string): Promise<TokenCounter> {
	let loading = tokenizers.get(file);
	if (!loading) {
		loading = loadClipTokenizer(file);
		loading.catch(() => tokenizers.delete(file));
		tokenizers.set(file, loading);
	}
	return loading;
}

function reply(message: LintThreadReply): void {
	const buffer = message.kind === 'read' ? message.read.buffer : message.kind === 'linted' ? message.issues.buffer : undefined;
	parentPort?.postMessage(message, buffer ? [buffer] : []);
}

function start(request: LintThreadStart): void {
	const { session, setup, subsets, claims } = request;
	const { tokenCounterFile, vocabulary } = setup;
	// Loaded while the captions are read: the unzip and the file reads run on libuv's threads meanwhile.
	const loaded = Promise.all([
		tokenCounterFile ? tokenizer(tokenCounterFile) : estimatedTokenCounter,
		vocabulary ? sharedVocabulary(vocabulary.paths, vocabulary.root) : undefined,
	]).then(([counter, tags]) => ({ counter, vocabulary: tags }));
	loaded.catch(() => undefined); // reported when the lint asks for it
	const share = new CaptionLintShare(setup, ruleSelection(setup.rules));
	const paths = [...unpackTexts(request.paths)];
	const indices: number[] = [];
	current = { session, setup, share, loaded, paths, read: indices, baseline: request.baseline, incremental: request.incremental };
	if (Atomics.compareExchange(claims, 1, 0, 1) !== 0) {
		current = undefined;
		return; // the caller read every caption before this thread began
	}
	for (let index = Atomics.add(claims, 0, 1); index < paths.length; index = Atomics.add(claims, 0, 1)) {
		share.addFile(paths[index], subsets[index], readCaptionFileSync(paths[index]));
		indices.push(index);
	}
	const read: HelperRead = { counts: share.counts, indices };
	reply({ kind: 'read', session, read: packTexts([JSON.stringify(read)]) });
}

async function lint(session: number, tagStyle: TagStyle | undefined): Promise<void> {
	const lint = current;
	if (lint?.session !== session) {
		throw new Error('no captions were read for this lint');
	}
	current = undefined;
	const { counter, vocabulary } = await lint.loaded;
	const contexts = captionContexts(lint.setup, counter, vocabulary, tagStyle);
	const issues = runToEnd(lint.share.lintSteps(contexts));
	if (!lint.incremental) {
		answered = undefined;
		reply({ kind: 'linted', session, issues: packIssues(issues, lint.paths), unchanged: [] });
		return;
	}
	const baseline = answered !== undefined && answered.session === lint.baseline ? answered.problems : undefined;
	const { changed, unchanged, problems } = changedProblems(issues, lint.paths, lint.read, baseline);
	answered = { session, problems };
	reply({ kind: 'linted', session, issues: packIssues(changed, lint.paths), unchanged });
}

parentPort?.on('message', (request: LintThreadRequest) => {
	void (async () => {
		try {
			if (request.kind === 'start') {
				start(request);
			} else {
				await lint(request.session, request.tagStyle);
			}
		} catch (err) {
			current = undefined;
			reply({ kind: 'failed', session: request.session, message: err instanceof Error ? err.message : String(err) });
		}
	})();
});
