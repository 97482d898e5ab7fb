import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { captionTags } from '../caption';
import { readCaptionFiles } from '../captionReadThread';
import { tagKey } from './tagKey';
import { ClipVocabularyOptions, TokenCounter, defaultClipVocabulary, resolveTokenCounter } from '../clipTokenizer';
import { Subset, TrainingFolder, scanTrainingFolder } from '../dataset';
import { SETTINGS_FILE_NAME } from '../settings';
import { TagVocabulary, sharedVocabulary } from '../vocabulary';
import { conflictGroups } from './conflictRules';
import { CaptionContext, RuleSelection } from './context';
import { costumeRatioRule, missingCaptionRule, orphanCaptionRule, sharedCaptionRule } from './datasetRules';
import { lintCaption } from './lintCaption';
import { TagStyle, countStyles, prevailingStyle } from './styleRules';
import { tagFacts } from './tagFacts';
import { LintIssue } from './types';
import { Steps, runInSlices, runToEnd, sortSteps } from '../slices';

export interface LintDatasetOptions {
	/** Run only these rule codes (`--rules`). */
	rules?: readonly string[];
	/** The token counter to use; otherwise resolved once per process from `clipVocabulary` (default: defaultClipVocabulary()). */
	tokenCounter?: TokenCounter;
	clipVocabulary?: ClipVocabularyOptions;
	/** Caption texts to use instead of the files (unsaved editors), by path. */
	overrides?: ReadonlyMap<string, string>;
}

export interface CaptionFile {
	path: string;
	subset: Subset;
}

/** The captions' texts as read for a whole-folder lint, with the problems of those that could not be. */
interface CaptionTexts {
	texts: Map<string, string>;
	issues: LintIssue[];
	notUtf8: number;
	unreadable: number;
}

export interface DatasetLintResult {
	folder: TrainingFolder;
	issues: LintIssue[];
	/** Caption files read (linted). */
	captions: number;
	/** Caption files left unlinted: not UTF-8, or unreadable (each has a caption-encoding issue). */
	notUtf8?: number;
	unreadable?: number;
	/** Set when token counts are estimates, with the reason. */
	tokenEstimateReason?: string;
}

const counters = new Map<string, Promise<{ counter: TokenCounter; fallbackReason?: string }>>();

/** One tokenizer per vocabulary choice per process: loading the merges takes a moment. */
export function sharedTokenCounter(options: ClipVocabularyOptions = defaultClipVocabulary()): Promise<{ counter: TokenCounter; fallbackReason?: string }> {
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
	private tagStyle: TagStyle | undefined;
	private readonly bySubset = new Map<string, CaptionContext>();
	private readonly captionSubset = new Map<string, Subset>();

	private constructor(
		readonly folder: TrainingFolder,
		readonly rules: RuleSelection,
		private readonly base: Omit<CaptionContext, 'isReg' | 'classWord'>,
		readonly setupIssues: LintIssue[],
		readonly tokenEstimateReason: string | undefined,
	) {
		for (const subset of folder.subsets) {
			for (const image of subset.images.filter((i) => i.hasCaption)) {
				this.captionSubset.set(image.captionPath, subset);
			}
		}
	}

	static async create(folder: TrainingFolder, options: LintDatasetOptions = {}): Promise<DatasetLinter> {
		const lint = folder.settings.lint;
		const rules = new RuleSelection(lint.rules, options.rules ? new Set(options.rules) : undefined);
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
		const resolved = options.tokenCounter ? { counter: options.tokenCounter } : await sharedTokenCounter(options.clipVocabulary);
		const base = {
			trigger: folder.trigger,
			shuffleCaption: training.shuffleCaption,
			keepTokens: training.keepTokens,
			weightedCaptions: training.extra.weighted_captions === true,
			maxTokens: training.maxTokenLength ?? 75,
			model: training.model,
			t5MaxTokens: typeof training.extra.t5xxl_max_token_length === 'number' ? training.extra.t5xxl_max_token_length : undefined,
			tokenCounter: resolved.counter,
			vocabulary,
			bakedTraits: lint.bakedTraits,
			conflictGroups: conflictGroups(lint.conflicts),
		};
		return new DatasetLinter(folder, rules, base, setupIssues, resolved.counter.estimated ? resolved.fallbackReason ?? 'no CLIP vocabulary' : undefined);
	}

	/** Every caption file sd-scripts reads (orphans are only reported, never linted), in folder order. */
	captionFiles(): CaptionFile[] {
		return [...this.captionSubset].map(([path, subset]) => ({ path, subset }));
	}

	/** Whether the path is one of this folder's caption files. */
	owns(path: string): boolean {
		return this.captionSubset.has(path);
	}

	private context(subset: Subset): CaptionContext {
		let ctx = this.bySubset.get(subset.dir);
		if (!ctx) {
			ctx = { ...this.base, tagStyle: this.tagStyle, isReg: subset.isReg, classWord: subsetClassWord(this.folder, subset) };
			this.bySubset.set(subset.dir, ctx);
		}
		return ctx;
	}

	/** Lints one caption's text (e.g. an editor's unsaved content) in this dataset's context. */
	lintText(path: string, text: string): LintIssue[] {
		const subset = this.captionSubset.get(path);
		if (!subset) {
			return [];
		}
		return lintCaption(path, text, this.context(subset), this.rules);
	}

	async lintAll(options: Pick<LintDatasetOptions, 'overrides'> = {}): Promise<DatasetLintResult> {
		const settingsText = await fs.readFile(join(this.folder.root, SETTINGS_FILE_NAME), 'utf8').catch(() => '');
		const read = await this.readCaptions(options.overrides);
		// In slices (slices.ts) on the host and in the CLI alike: a setImmediate every 8 ms costs the CLI nothing
		// while 20,000 captions' parse, rules and sort held the host for ~300 ms.
		return runInSlices(this.lintAllSteps(read, settingsText));
	}

	/**
	 * Every caption's text (an unsaved editor's when given), and a problem for each that cannot be linted. Read
	 * synchronously in slices, with a helper thread for a large folder (captionReadThread.ts), not through
	 * fs.promises.readFile's four thread-pool round trips per file (issue 22).
	 */
	private async readCaptions(overrides: ReadonlyMap<string, string> | undefined): Promise<CaptionTexts> {
		const read: CaptionTexts = { texts: new Map(), issues: [...this.setupIssues], notUtf8: 0, unreadable: 0 };
		const fromDisk: string[] = [];
		for (const path of this.captionSubset.keys()) {
			const override = overrides?.get(path);
			if (override === undefined) {
				fromDisk.push(path);
			} else {
				read.texts.set(path, override);
			}
		}
		await readCaptionFiles(fromDisk, (_, file) => {
			const path = file.path;
			if (file.kind === 'not-utf8') {
				read.notUtf8++;
				const severity = this.rules.severity('caption-encoding');
				if (severity) {
					read.issues.push({ file: path, line: 1, column: 1, endLine: 1, endColumn: 1, severity, code: 'caption-encoding', message: `The caption is ${file.problem}: sd-scripts stops on it. Re-save it as UTF-8${file.utf16 ? ' (in VS Code: Reopen with Encoding UTF-16, then Save with Encoding UTF-8)' : ''}.` });
				}
			} else if (file.kind === 'text') {
				read.texts.set(path, file.text);
			} else {
				read.unreadable++;
				read.issues.push({ file: path, line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: 'caption-encoding', message: `The caption cannot be read (${file.error.code ?? String(file.error)}); check its permissions.` });
			}
		});
		return read;
	}

	private *lintAllSteps({ texts, issues, notUtf8, unreadable }: CaptionTexts, settingsText: string): Steps<DatasetLintResult> {
		// costume-ratio asks only whether a caption has a costume tag: the other keys are not kept.
		const costumeKeys = new Set(this.folder.settings.lint.costumeTags.map(tagKey));
		const tagKeys = new Map<string, Set<string>>();
		const styles = { underscore: 0, space: 0 };
		for (const [path, text] of texts) {
			yield;
			// The tags' texts only: this pass needs no offsets (a BOM is whitespace to both parsers).
			const facts = captionTags(text).map(tagFacts);
			countStyles([], styles, facts);
			if (costumeKeys.size > 0) {
				tagKeys.set(path, new Set(facts.map((f) => f.key).filter((key) => costumeKeys.has(key))));
			}
		}
		this.tagStyle = prevailingStyle(styles);
		this.bySubset.clear();
		for (const path of this.captionSubset.keys()) {
			yield;
			const text = texts.get(path);
			if (text !== undefined) {
				issues.push(...this.lintText(path, text));
			}
		}
		issues.push(...missingCaptionRule(this.folder, this.rules));
		yield;
		issues.push(...orphanCaptionRule(this.folder, this.rules));
		yield;
		issues.push(...sharedCaptionRule(this.folder, this.rules));
		yield;
		issues.push(...costumeRatioRule(this.folder, this.rules, tagKeys, settingsText));
		return { folder: this.folder, issues: yield* sortIssuesSteps(issues), captions: texts.size, notUtf8, unreadable, tokenEstimateReason: this.tokenEstimateReason };
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
