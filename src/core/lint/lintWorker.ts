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
import { CaptionLintShare, LintSetup, captionContexts, ruleSelection } from './lintShare';
import { HelperRead, LintThreadReply, LintThreadRequest, LintThreadStart, packIssues, packTexts, unpackTexts } from './lintThreadProtocol';
import { TagStyle } from './styleRules';

let share: CaptionLintShare | undefined;
let setup: LintSetup | undefined;
let loaded: Promise<{ counter: TokenCounter; vocabulary?: TagVocabulary }> | undefined;

function reply(message: LintThreadReply): void {
	const buffer = message.kind === 'read' ? message.read.buffer : message.kind === 'linted' ? message.issues.buffer : undefined;
	parentPort?.postMessage(message, buffer ? [buffer] : []);
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
	const { subsets, claims } = request;
	const paths = [...unpackTexts(request.paths)];
	if (Atomics.compareExchange(claims, 1, 0, 1) !== 0) {
		return;
	}
	for (let index = Atomics.add(claims, 0, 1); index < paths.length; index = Atomics.add(claims, 0, 1)) {
		share.addFile(paths[index], subsets[index], readCaptionFileSync(paths[index]));
		indices.push(index);
	}
	const read: HelperRead = { counts: share.counts, indices };
	reply({ kind: 'read', read: packTexts([JSON.stringify(read)]) });
}

async function lint(tagStyle: TagStyle | undefined): Promise<void> {
	const { counter, vocabulary } = await loaded!;
	const contexts = captionContexts(setup!, counter, vocabulary, tagStyle);
	const issues = runToEnd(share!.lintSteps(contexts));
	share = undefined;
	reply({ kind: 'linted', issues: packIssues(issues) });
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
