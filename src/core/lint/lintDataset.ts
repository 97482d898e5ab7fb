import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { readCaptionFileSync } from '../captionFile';
import { HELPER_MIN_CAPTIONS, readCaptionFiles } from '../captionReadThread';
import { tagKey } from './tagKey';
import { ClipVocabularyOptions, ResolvedTokenCounter, TokenCounter, defaultClipVocabulary, resolveTokenCounter } from '../clipTokenizer';
import { Subset, TrainingFolder, scanTrainingFolder } from '../dataset';
import { SETTINGS_FILE_NAME } from '../settings';
import { TagVocabulary, sharedVocabulary } from '../vocabulary';
import { conflictGroups } from './conflictRules';
import { CaptionContext, RuleSelection } from './context';
import { CaptionLintShare, LintSetup, ShareCounts, captionContexts, mergeCounts, ruleSelection } from './lintShare';
import { LintThread } from './lintThread';
import { costumeRatioRule, missingCaptionRule, orphanCaptionRule, sharedCaptionRule } from './datasetRules';
import { lintCaption } from './lintCaption';
import { prevailingStyle } from './styleRules';
import { LintIssue } from './types';
import { Steps, runInSlices, runToEnd, sortSteps } from '../slices';

export interface LintDatasetOptions {
	/** Run only these rule codes (`--rules`). */
	rules?: readonly string[];
	/** The token counter to use; otherwise resolved once per process from `clipVocabulary` (default: defaultClipVocabulary()). */
	tokenCounter?: TokenCounter;
	/** The vocabulary file `tokenCounter` was loaded from, so that a lint thread can load the same; without it, an exact counter keeps the lint on one thread. */
	tokenCounterFile?: string;
	clipVocabulary?: ClipVocabularyOptions;
	/** Caption texts to use instead of the files (unsaved editors), by path. */
	overrides?: ReadonlyMap<string, string>;
	/**
	 * Where a large folder's captions are linted. `helper`: all on a helper thread, the caller's thread only merges
	 * (the extension host, whose thread every extension shares: issue 22). `share`: the caller's thread and a helper,
	 * each its share. `one`: the caller's thread (its reads still shared with a reading thread). `auto` (default):
	 * `share` with 4 cores or more, else `one`: on 2 cores one lint thread already keeps both busy (V8's collector
	 * and compiler take the other; measured 140% CPU), and a second lint thread measured no faster.
	 */
	threads?: 'auto' | 'share' | 'helper' | 'one';
	/**
	 * `helper` lints only: how recently a caption may have changed and still be taken unread by the next lint when its
	 * stat is the same (CaptionMemo; default 2 s, the coarsest file timestamps). Tests that rewrite captions at once set 0.
	 */
	racyMs?: number;
}

export interface CaptionFile {
	path: string;
	subset: Subset;
}

export interface DatasetLintResult {
	folder: TrainingFolder;
	issues: LintIssue[];
	/** Caption files read (linted). */
	captions: number;
	/** Of those, how many a helper thread read and linted. */
	helperCaptions: number;
	/** Of the helper's, how many it took as its last lint left them, their files unchanged (the extension host's re-lints). */
	helperRemembered: number;
	/** Caption files left unlinted: not UTF-8, or unreadable (each has a caption-encoding issue). */
	notUtf8?: number;
	unreadable?: number;
	/** Set when token counts are estimates, with the reason. */
	tokenEstimateReason?: string;
}

const counters = new Map<string, Promise<ResolvedTokenCounter>>();

/** One tokenizer per vocabulary choice per process: loading the merges takes a moment. */
export function sharedTokenCounter(options: ClipVocabularyOptions = defaultClipVocabulary()): Promise<ResolvedTokenCounter> {
	const key = JSON.stringify(options);
	let counter = counters.get(key);
	if (!counter) {
		counter = resolveTokenCounter(options);
		counters.set(key, counter);
	}
	return counter;
}

function subsetClassWord(folder: TrainingFolder, subset: Subset): string | undefined {
	return folder.classWord ?? subset.classTokens.trim().split(/\s+/).slice(1).join(' ') ?? undefined;
}

/**
 * Lints a training folder: every caption of every subset, plus the dataset rules. Built once per folder
 * scan; `lintText` re-lints one caption as the user types, with the dataset-wide facts of the last `lintAll`.
 */
export class DatasetLinter {
	/**
	 * The caption files in folder order, each once, with the index of its subset in the folder (the last subset naming
	 * it), and each path's position there. Kept as arrays, built in indexed loops: every change on disk makes a new
	 * linter in the extension host, where a for-of over 20,000 map entries, run once and so never optimised, held the
	 * thread for tens of milliseconds (issue 22).
	 */
	private readonly captionPaths: string[] = [];
	private readonly captionSubsets: Int32Array;
	private readonly captionPosition = new Map<string, number>();
	private contexts: CaptionContext[];

	private constructor(
		readonly folder: TrainingFolder,
		readonly rules: RuleSelection,
		private readonly setup: LintSetup,
		private readonly tokenCounter: TokenCounter,
		private readonly vocabulary: TagVocabulary | undefined,
		/** Whether a lint thread can load the same token counter and tag list (it cannot be handed a loaded one). */
		private readonly threadable: boolean,
		readonly setupIssues: LintIssue[],
		readonly tokenEstimateReason: string | undefined,
	) {
		const subsetOf: number[] = [];
		for (let s = 0; s < folder.subsets.length; s++) {
			const images = folder.subsets[s].images;
			for (let i = 0; i < images.length; i++) {
				const image = images[i];
				if (!image.hasCaption) {
					continue;
				}
				const at = this.captionPosition.get(image.captionPath);
				if (at === undefined) {
					this.captionPosition.set(image.captionPath, this.captionPaths.length);
					this.captionPaths.push(image.captionPath);
					subsetOf.push(s);
				} else {
					subsetOf[at] = s;
				}
			}
		}
		this.captionSubsets = Int32Array.from(subsetOf);
		this.contexts = captionContexts(setup, tokenCounter, vocabulary, undefined);
	}

	static async create(folder: TrainingFolder, options: LintDatasetOptions = {}): Promise<DatasetLinter> {
		const lint = folder.settings.lint;
		const ruleSettings: LintSetup['rules'] = { configured: lint.rules, only: options.rules };
		const rules = ruleSelection(ruleSettings);
		const training = folder.settings.trainer.settings;
		const setupIssues: LintIssue[] = [];
		let vocabulary: TagVocabulary | undefined;
		if (lint.vocabulary.length > 0 && rules.enabled('unknown-tag')) {
			try {
				vocabulary = await sharedVocabulary(lint.vocabulary, folder.root);
			} catch (err) {
				setupIssues.push({
					file: join(folder.root, SETTINGS_FILE_NAME), line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'warning', code: 'unknown-tag',
					message: `${(err instanceof Error ? err.message : String(err)).replace(/\.$/, '')}; unknown-tag is off until then.`,
				});
			}
		}
		const resolved: ResolvedTokenCounter = options.tokenCounter
			? { counter: options.tokenCounter, file: options.tokenCounterFile }
			: await sharedTokenCounter(options.clipVocabulary);
		const setup: LintSetup = {
			shared: {
				trigger: folder.trigger,
				shuffleCaption: training.shuffleCaption,
				keepTokens: training.keepTokens,
				weightedCaptions: training.extra.weighted_captions === true,
				maxTokens: training.maxTokenLength ?? 75,
				model: training.model,
				t5MaxTokens: typeof training.extra.t5xxl_max_token_length === 'number' ? training.extra.t5xxl_max_token_length : undefined,
				bakedTraits: lint.bakedTraits,
				conflictGroups: conflictGroups(lint.conflicts),
			},
			subsets: folder.subsets.map((subset) => ({ isReg: subset.isReg, classWord: subsetClassWord(folder, subset) })),
			rules: ruleSettings,
			tokenCounterFile: resolved.counter.estimated ? undefined : resolved.file,
			vocabulary: vocabulary ? { paths: lint.vocabulary, root: folder.root } : undefined,
			costumeKeys: lint.costumeTags.map(tagKey),
		};
		const threadable = resolved.counter.estimated || resolved.file !== undefined;
		return new DatasetLinter(folder, rules, setup, resolved.counter, vocabulary, threadable, setupIssues, resolved.counter.estimated ? resolved.fallbackReason ?? 'no CLIP vocabulary' : undefined);
	}

	/** Every caption file sd-scripts reads (orphans are only reported, never linted), in folder order. */
	captionFiles(): CaptionFile[] {
		return this.captionPaths.map((path, at) => ({ path, subset: this.folder.subsets[this.captionSubsets[at]] }));
	}

	/** Whether the path is one of this folder's caption files. */
	owns(path: string): boolean {
		return this.captionPosition.has(path);
	}

	/** Lints one caption's text (e.g. an editor's unsaved content) in this dataset's context. */
	lintText(path: string, text: string): LintIssue[] {
		const at = this.captionPosition.get(path);
		if (at === undefined) {
			return [];
		}
		return lintCaption(path, text, this.contexts[this.captionSubsets[at]], this.rules);
	}

	/**
	 * Every caption (an unsaved editor's text when given) and the dataset rules. A large folder's captions are read
	 * and linted on a helper thread too (lintShare.ts); read synchronously (captionFile.ts), not through
	 * fs.promises.readFile's four thread-pool round trips per file, and in slices on the caller's thread.
	 */
	async lintAll(options: Pick<LintDatasetOptions, 'overrides' | 'threads' | 'racyMs'> = {}): Promise<DatasetLintResult> {
		const settingsText = await fs.readFile(join(this.folder.root, SETTINGS_FILE_NAME), 'utf8').catch(() => '');
		// Captions are linted as they are read, the dataset's tag style left open until every one is counted.
		const open = captionContexts(this.setup, this.tokenCounter, this.vocabulary, undefined);
		const here = new CaptionLintShare(this.setup, this.rules, open);
		let paths: readonly string[] = this.captionPaths;
		let subsets: Int32Array = this.captionSubsets;
		const overrides = options.overrides;
		if (overrides && overrides.size > 0) {
			const fromDisk: string[] = [];
			const fromDiskSubsets: number[] = [];
			for (let at = 0; at < this.captionPaths.length; at++) {
				const override = overrides.get(this.captionPaths[at]);
				if (override === undefined) {
					fromDisk.push(this.captionPaths[at]);
					fromDiskSubsets.push(this.captionSubsets[at]);
				} else {
					here.addText(this.captionPaths[at], this.captionSubsets[at], override);
				}
			}
			paths = fromDisk;
			subsets = Int32Array.from(fromDiskSubsets);
		}
		const threads = options.threads === undefined || options.threads === 'auto' ? (availableParallelism() >= 4 ? 'share' : 'one') : options.threads;
		const thread = threads !== 'one' && this.threadable && paths.length >= HELPER_MIN_CAPTIONS ? LintThread.start(this.setup, paths, subsets, threads === 'helper', { racyMs: options.racyMs, folder: this.folder.root }) : undefined;
		try {
			if (!thread) {
				await readCaptionFiles(paths, (index, file) => here.addFile(paths[index], subsets[index], file));
			}
			return await this.lintShares(here, open, paths, subsets, thread, threads === 'helper', settingsText);
		} finally {
			thread?.close();
		}
	}

	/** Without a thread, `here` holds every caption already; with one, each thread reads what it claims. */
	private async lintShares(here: CaptionLintShare, open: readonly CaptionContext[], paths: readonly string[], subsets: Int32Array, thread: LintThread | undefined, helperAlone: boolean, settingsText: string): Promise<DatasetLintResult> {
		const readHere = new Uint8Array(paths.length);
		if (thread && !helperAlone) {
			await runInSlices(readSteps(here, paths, subsets, readHere, () => thread.claim()));
		}
		const helper = await thread?.read(helperAlone);
		if (thread && !helper) {
			// The helper failed before it answered: what it had claimed is read here.
			const unread = paths.map((_, index) => index).filter((index) => !readHere[index]);
			await runInSlices(readSteps(here, paths, subsets, readHere, listClaims(unread)));
		}
		const counts = mergeCounts(helper ? [here.counts, helper.counts] : [here.counts]);
		const tagStyle = prevailingStyle(counts.styles);
		this.contexts = captionContexts(this.setup, this.tokenCounter, this.vocabulary, tagStyle);
		const helperIssues = helper ? thread!.lint(tagStyle) : undefined;
		const issues = [...this.setupIssues, ...counts.issues];
		append(issues, await runInSlices(here.settleSteps(this.contexts, tagStyle)));
		let helperCaptions = 0;
		let helperRemembered = 0;
		if (helper) {
			const linted = await helperIssues;
			if (linted) {
				append(issues, linted);
				helperCaptions = helper.counts.captions;
				helperRemembered = helper.remembered;
			} else {
				// The helper failed while linting: its captions are read and linted here.
				const rest = new CaptionLintShare(this.setup, this.rules, open);
				await runInSlices(readSteps(rest, paths, subsets, new Uint8Array(paths.length), listClaims(helper.indices)));
				append(issues, await runInSlices(rest.settleSteps(this.contexts, tagStyle)));
			}
		}
		return runInSlices(this.datasetRuleSteps(issues, counts, { helperCaptions, helperRemembered }, settingsText));
	}

	private *datasetRuleSteps(issues: LintIssue[], counts: ShareCounts, helper: Pick<DatasetLintResult, 'helperCaptions' | 'helperRemembered'>, settingsText: string): Steps<DatasetLintResult> {
		issues.push(...missingCaptionRule(this.folder, this.rules));
		yield;
		issues.push(...orphanCaptionRule(this.folder, this.rules));
		yield;
		issues.push(...sharedCaptionRule(this.folder, this.rules));
		yield;
		const costumeKeys = new Map(counts.costumeKeys.map(([path, keys]) => [path, new Set(keys)]));
		issues.push(...costumeRatioRule(this.folder, this.rules, costumeKeys, settingsText));
		return {
			folder: this.folder, issues: yield* sortIssuesSteps(issues), captions: counts.captions, ...helper, notUtf8: counts.notUtf8,
			unreadable: counts.unreadable, tokenEstimateReason: this.tokenEstimateReason,
		};
	}
}

function* readSteps(share: CaptionLintShare, paths: readonly string[], subsets: Int32Array, readHere: Uint8Array, claim: () => number | undefined): Steps<void> {
	for (let index = claim(); index !== undefined; index = claim()) {
		readHere[index] = 1;
		share.addFile(paths[index], subsets[index], readCaptionFileSync(paths[index]));
		yield;
	}
}

function listClaims(indices: readonly number[]): () => number | undefined {
	let k = 0;
	return () => (k < indices.length ? indices[k++] : undefined);
}

/** Indexed: a for-of here, run a few times per lint and so never optimised, made an iterator result per problem. */
function append<T>(to: T[], items: readonly T[]): void {
	for (let i = 0; i < items.length; i++) {
		to.push(items[i]);
	}
}

export function sortIssues(issues: LintIssue[]): LintIssue[] {
	return runToEnd(sortIssuesSteps(issues));
}

function sortIssuesSteps(issues: LintIssue[]): Steps<LintIssue[]> {
	return sortSteps(issues, (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

/**
 * Lints the training folder at `root` (or an already scanned one): what the CLI, the tagger summary and
 * the caption editor call.
 */
export async function lintDataset(root: string | TrainingFolder, options: LintDatasetOptions = {}): Promise<DatasetLintResult> {
	// Lint reads no image: buckets are the scan's business (bucketPreview off skips every image's header).
	const folder = typeof root === 'string' ? await scanTrainingFolder(root, { readCaptions: false, bucketPreview: false }) : root;
	const linter = await DatasetLinter.create(folder, options);
	return linter.lintAll(options);
}
