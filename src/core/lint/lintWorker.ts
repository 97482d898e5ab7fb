/**
 * The lint helper thread (lintThread.ts starts it): reads the captions it claims from the shared counter, lints
 * them once its CLIP tables and tag list are loaded, answers with their counts, then settles their problems once it
 * is told the dataset's prevailing tag style.
 * Its own heap holds the texts and the problems' objects while they are made, not the extension host's. It keeps
 * each caption's problems as last sent: a caption whose problems are the same as in the lint the caller still holds
 * crosses as its index only. For the extension host's re-lints it also remembers each caption it read, with its file's
 * stat, and takes a caption whose file is unchanged without reading or linting it again (captionMemo.ts).
 */
import { parentPort } from 'node:worker_threads';
import { CaptionTextFile, readCaptionFileSync } from '../captionFile';
import { TokenCounter, estimatedTokenCounter, loadClipTokenizer } from '../clipTokenizer';
import { runToEnd } from '../slices';
import { TagVocabulary, sharedVocabulary } from '../vocabulary';
import { CaptionMemos, FileStamp, stampOfOpenFile } from './captionMemo';
import { CaptionLintShare, LintSetup, LintedText, captionContexts, ruleSelection } from './lintShare';
import { HelperRead, LintThreadReply, LintThreadRequest, LintThreadStart, changedProblems, packIssues, packTexts, unpackTexts } from './lintThreadProtocol';
import { TagStyle } from './styleRules';

/** The lint in progress: its number, setup, the captions read and linted (their indices too), what it loaded, and its baseline. */
let current: {
	session: number; setup: LintSetup; share: CaptionLintShare; counter: TokenCounter; vocabulary?: TagVocabulary;
	paths: readonly string[]; read: number[]; baseline?: number; incremental: boolean;
} | undefined;
/** The last lint answered: each caption's problems as sent, for the next lint to send only those that changed. */
let answered: { session: number; problems: ReadonlyMap<string, string> } | undefined;
/** CLIP tables by vocabulary file, kept while this thread waits for the next lint (lintThread.ts keeps it). */
const tokenizers = new Map<string, Promise<TokenCounter>>();
/** Each training folder's captions as its last incremental lint read them, with their files' stats (kept while this thread waits for the next lint). */
const memos = new CaptionMemos();

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

/** Files read between turns, so that the load's promise can settle and the thread start linting as it reads. */
const FILES_PER_TURN = 64;

async function start(request: LintThreadStart): Promise<void> {
	const { session, setup, subsets, claims, racyMs } = request;
	const memo = request.incremental ? memos.of(request.folder ?? '') : undefined;
	const { tokenCounterFile, vocabulary: tagList } = setup;
	// Loaded while the first captions are read: the unzip and the file reads run on libuv's threads meanwhile.
	const loading = Promise.all([
		tokenCounterFile ? tokenizer(tokenCounterFile) : estimatedTokenCounter,
		tagList ? sharedVocabulary(tagList.paths, tagList.root) : undefined,
	]);
	let loaded: Awaited<typeof loading> | undefined;
	loading.then((value) => { loaded = value; }, () => undefined); // a failure is reported below
	if (Atomics.compareExchange(claims, 1, 0, 1) !== 0) {
		return; // the caller read every caption before this thread began
	}
	const paths = [...unpackTexts(request.paths)];
	const indices: number[] = [];
	/** Each subset's part of the captions' context, as the memory compares it. */
	const contextOf = setup.subsets.map((subset) => JSON.stringify(subset));
	// Read and kept until the tables are loaded; from then on each caption is linted as it is read, so that this
	// thread claims captions at the pace it lints them and a share stays even.
	const waiting: CaptionTextFile[] = [];
	const waitingStamps: Array<FileStamp | undefined> = [];
	let share: CaptionLintShare | undefined;
	let remembered = 0;
	const keep = (index: number, stamp: FileStamp | undefined, linted: LintedText | undefined): void => {
		memo?.remember(paths[index], contextOf[subsets[index]], stamp, linted, racyMs);
	};
	const begin = ([counter, vocabulary]: Awaited<typeof loading>): CaptionLintShare => {
		const started = new CaptionLintShare(setup, ruleSelection(setup.rules), captionContexts(setup, counter, vocabulary, undefined));
		memo?.begin([JSON.stringify({ ...setup, subsets: undefined }), counter, vocabulary]);
		for (let k = 0; k < waiting.length; k++) {
			keep(indices[k], waitingStamps[k], started.addFile(paths[indices[k]], subsets[indices[k]], waiting[k]));
		}
		waiting.length = 0;
		waitingStamps.length = 0;
		return started;
	};
	if (memo && memo.size > 0) {
		// A re-lint: the tables are this thread's already, and the captions it remembers are taken from the start.
		share = begin(await loading);
	}
	for (let index = Atomics.add(claims, 0, 1); index < paths.length; index = Atomics.add(claims, 0, 1)) {
		indices.push(index);
		if (share && memo) {
			const known = memo.recall(paths[index], contextOf[subsets[index]]);
			if (known) {
				share.addLinted(paths[index], subsets[index], known);
				remembered++;
				continue;
			}
		}
		let stamp: FileStamp | undefined;
		const file = readCaptionFileSync(paths[index], memo ? (fd) => { stamp = stampOfOpenFile(fd); } : undefined);
		if (share) {
			keep(index, stamp, share.addFile(paths[index], subsets[index], file));
			continue;
		}
		waiting.push(file);
		waitingStamps.push(stamp);
		if (waiting.length % FILES_PER_TURN === 0) {
			await new Promise<void>((resolve) => setImmediate(resolve));
			if (loaded) {
				share = begin(loaded);
			}
		}
	}
	const [counter, vocabulary] = await loading;
	share ??= begin([counter, vocabulary]);
	memo?.end();
	current = { session, setup, share, counter, vocabulary, paths, read: indices, baseline: request.baseline, incremental: request.incremental };
	const read: HelperRead = { counts: share.counts, indices, remembered };
	reply({ kind: 'read', session, read: packTexts([JSON.stringify(read)]) });
}

/** Settles the problems of what `start` read with the dataset's tag style, and sends them (only those that changed, incrementally). */
function lint(session: number, tagStyle: TagStyle | undefined): void {
	const lint = current;
	if (lint?.session !== session) {
		throw new Error('no captions were read for this lint');
	}
	current = undefined;
	const contexts = captionContexts(lint.setup, lint.counter, lint.vocabulary, tagStyle);
	const issues = runToEnd(lint.share.settleSteps(contexts, tagStyle));
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
				await start(request);
			} else {
				lint(request.session, request.tagStyle);
			}
		} catch (err) {
			if (current?.session === request.session) {
				current = undefined;
			}
			reply({ kind: 'failed', session: request.session, message: err instanceof Error ? err.message : String(err) });
		}
	})();
});
