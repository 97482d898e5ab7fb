/**
 * One thread's share of a whole-folder lint. A large folder is linted on two threads (lintThread.ts): each reads
 * the captions it claims, lints them and counts their tag styles and costume tags, the counts are merged (the
 * prevailing style is a fact of the whole dataset), then each settles the problems that style changes. What a
 * thread needs is plain data (`LintSetup`), so the same setup builds the caller's caption contexts and the helper's.
 */
import { CaptionTextFile } from '../captionFile';
import { TokenCounter } from '../clipTokenizer';
import { TagVocabulary } from '../vocabulary';
import { CaptionContext, RuleSelection } from './context';
import { lintCaption } from './lintCaption';
import { RuleSetting } from './lintSettings';
import { TagStyle } from './styleRules';
import { TagFacts } from './tagFacts';
import { LintIssue } from './types';
import { Steps } from '../slices';

/** The caption context every subset of the folder shares, less what is loaded (token counter, tag list). */
export type SharedContext = Omit<CaptionContext, 'isReg' | 'classWord' | 'tokenCounter' | 'vocabulary' | 'tagStyle'>;

export interface LintSetup {
	shared: SharedContext;
	/** By subset index: what differs between subsets. */
	subsets: ReadonlyArray<{ isReg: boolean; classWord?: string }>;
	/** The settings' lint.rules, and `--rules` when given. */
	rules: { configured: Readonly<Record<string, RuleSetting>>; only?: readonly string[] };
	/** The CLIP vocabulary file token counts come from; undefined when they are estimates. */
	tokenCounterFile?: string;
	/** lint.vocabulary and the root it is relative to; undefined when unknown-tag is off or the list did not load. */
	vocabulary?: { paths: readonly string[]; root: string };
	/** Keys of lint.costumeTags: costume-ratio asks only whether a caption has one. */
	costumeKeys: readonly string[];
}

/** The rule settings as the rules read them: the same on the caller's thread and the helper's. */
export function ruleSelection(rules: LintSetup['rules']): RuleSelection {
	return new RuleSelection(rules.configured, rules.only ? new Set(rules.only) : undefined);
}

/** Each subset's caption context, by subset index. */
export function captionContexts(setup: LintSetup, tokenCounter: TokenCounter, vocabulary: TagVocabulary | undefined, tagStyle: TagStyle | undefined): CaptionContext[] {
	return setup.subsets.map((subset) => ({ ...setup.shared, tokenCounter, vocabulary, tagStyle, isReg: subset.isReg, classWord: subset.classWord }));
}

/** What a share found before linting: merged across threads to settle the dataset-wide facts. */
export interface ShareCounts {
	styles: { underscore: number; space: number };
	/** Paths of captions with a costume tag, and which. */
	costumeKeys: Array<[string, readonly string[]]>;
	/** caption-encoding problems of the files that could not be linted. */
	issues: LintIssue[];
	notUtf8: number;
	unreadable: number;
	captions: number;
}

/** What a caption's tags showed as it was linted: whether the dataset's prevailing tag style can change its problems. */
const HAS_UNDERSCORE_TAG = 1;
const HAS_SPACE_TAG = 2;
/** unknown-tag writes its fix in the dataset's style when the tag itself shows none. */
const STYLE_DEPENDENT = 4;

interface LintedCaption {
	path: string;
	subset: number;
	text: string;
	flags: number;
	/** Where its problems begin in the share's list. */
	first: number;
}

/**
 * A caption's text as linted with the dataset's tag style left open, and what it adds to the counts: all a share needs
 * to add the same caption again without linting it (captionMemo.ts keeps these for the extension host's re-lints).
 */
export interface LintedText {
	readonly text: string;
	readonly issues: readonly LintIssue[];
	readonly flags: number;
	/** Its tags written with underscores, and with spaces. */
	readonly underscore: number;
	readonly space: number;
	/** Its costume tags' keys, when it has any. */
	readonly costumes: readonly string[] | undefined;
}

/**
 * The captions one thread read, each linted as it is added, and their counts. Whether a caption's tag-style
 * problems say "the rest of the dataset" depends on the dataset's prevailing style, which is known only once every
 * thread has counted its captions. The captions are linted at once with that style left open, which gives the same
 * problems for every caption but those with a tag written the other way (or an unknown tag, whose fix is written
 * in the dataset's style); `settleSteps` lints only those again. Linting while reading, not after a second pass
 * over every caption's tags, saves that pass and lets a helper thread lint without waiting for the other's count.
 */
export class CaptionLintShare {
	private captions: LintedCaption[] = [];
	private issues: LintIssue[] = [];
	private readonly costumeKeys: ReadonlySet<string>;
	readonly counts = emptyCounts();
	/** The caption being linted: what its tags showed, its tags in each style, and its costume tags. */
	private flags = 0;
	private underscore = 0;
	private space = 0;
	private costumes: string[] | undefined;
	private readonly observe = (facts: readonly TagFacts[]): void => {
		for (let i = 0; i < facts.length; i++) {
			const fact = facts[i];
			if (fact.style === 'underscore') {
				this.underscore++;
				this.flags |= HAS_UNDERSCORE_TAG;
			} else if (fact.style) {
				this.space++;
				this.flags |= HAS_SPACE_TAG;
			}
			if (this.costumeKeys.has(fact.key)) {
				(this.costumes ??= []).push(fact.key);
			}
		}
	};

	/** `contexts`: each subset's caption context with the dataset's tag style left open (undefined). */
	constructor(setup: LintSetup, private readonly rules: RuleSelection, private readonly contexts: readonly CaptionContext[]) {
		this.costumeKeys = new Set(setup.costumeKeys);
	}

	/** A caption as read from disk: its text (what it added, returned), or the caption-encoding problem that keeps it from being linted. */
	addFile(path: string, subset: number, file: CaptionTextFile): LintedText | undefined {
		if (file.kind === 'text') {
			return this.addText(path, subset, file.text);
		} else if (file.kind === 'not-utf8') {
			this.counts.notUtf8++;
			const severity = this.rules.severity('caption-encoding');
			if (severity) {
				this.counts.issues.push({ file: path, line: 1, column: 1, endLine: 1, endColumn: 1, severity, code: 'caption-encoding', message: `The caption is ${file.problem}: sd-scripts stops on it. Re-save it as UTF-8${file.utf16 ? ' (in VS Code: Reopen with Encoding UTF-16, then Save with Encoding UTF-8)' : ''}.` });
			}
		} else {
			this.counts.unreadable++;
			this.counts.issues.push({ file: path, line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: 'caption-encoding', message: `The caption cannot be read (${file.error.code ?? String(file.error)}); check its permissions.` });
		}
		return undefined;
	}

	/** A caption's text (read, or an editor's unsaved content): linted, and counted for the dataset-wide facts. */
	addText(path: string, subset: number, text: string): LintedText {
		this.flags = 0;
		this.underscore = 0;
		this.space = 0;
		this.costumes = undefined;
		const issues = lintCaption(path, text, this.contexts[subset], this.rules, this.observe);
		for (let i = 0; i < issues.length; i++) {
			if (issues[i].code === 'unknown-tag') {
				this.flags |= STYLE_DEPENDENT;
			}
		}
		const linted: LintedText = { text, issues, flags: this.flags, underscore: this.underscore, space: this.space, costumes: this.costumes };
		this.addLinted(path, subset, linted);
		return linted;
	}

	/** A caption linted before, in a context like this share's, added as it was linted then. */
	addLinted(path: string, subset: number, linted: LintedText): void {
		const { counts } = this;
		counts.captions++;
		counts.styles.underscore += linted.underscore;
		counts.styles.space += linted.space;
		const first = this.issues.length;
		for (let i = 0; i < linted.issues.length; i++) {
			this.issues.push(linted.issues[i]);
		}
		this.captions.push({ path, subset, text: linted.text, flags: linted.flags, first });
		if (linted.costumes) {
			counts.costumeKeys.push([path, linted.costumes]);
		}
	}

	/**
	 * The share's problems with the dataset's prevailing style settled: the captions it can change are linted again
	 * with `settled` (the contexts that carry it), the rest keep theirs. The texts are let go.
	 */
	*settleSteps(settled: readonly CaptionContext[], tagStyle: TagStyle | undefined): Steps<LintIssue[]> {
		const { captions, issues } = this;
		this.captions = [];
		this.issues = [];
		if (!tagStyle) {
			return issues; // the style each caption was linted with
		}
		const changeable = (tagStyle === 'underscore' ? HAS_SPACE_TAG : HAS_UNDERSCORE_TAG) | STYLE_DEPENDENT;
		let result: LintIssue[] | undefined;
		for (let c = 0; c < captions.length; c++) {
			const caption = captions[c];
			if (caption.flags & changeable) {
				result ??= issues.slice(0, caption.first);
				const found = lintCaption(caption.path, caption.text, settled[caption.subset], this.rules);
				for (let i = 0; i < found.length; i++) {
					result.push(found[i]);
				}
				yield;
			} else if (result) {
				const end = c + 1 < captions.length ? captions[c + 1].first : issues.length;
				for (let i = caption.first; i < end; i++) {
					result.push(issues[i]);
				}
			}
			if ((c & 63) === 63) {
				yield;
			}
		}
		return result ?? issues;
	}
}

export function emptyCounts(): ShareCounts {
	return { styles: { underscore: 0, space: 0 }, costumeKeys: [], issues: [], notUtf8: 0, unreadable: 0, captions: 0 };
}

/** Counts of every share, as one. */
export function mergeCounts(shares: readonly ShareCounts[]): ShareCounts {
	const merged = emptyCounts();
	for (const share of shares) {
		merged.styles.underscore += share.styles.underscore;
		merged.styles.space += share.styles.space;
		for (const entry of share.costumeKeys) {
			merged.costumeKeys.push(entry);
		}
		for (const issue of share.issues) {
			merged.issues.push(issue);
		}
		merged.notUtf8 += share.notUtf8;
		merged.unreadable += share.unreadable;
		merged.captions += share.captions;
	}
	return merged;
}
