/**
 * One thread's share of a whole-folder lint. A large folder is linted on two threads (lintThread.ts): each reads
 * the captions it claims and counts their tag styles and costume tags, the counts are merged (the prevailing style
 * is a fact of the whole dataset), then each lints the captions it read. What a thread needs is plain data
 * (`LintSetup`), so the same setup builds the caller's caption contexts and the helper thread's.
 */
import { forEachCaptionTag } from '../caption';
import { CaptionTextFile } from '../captionFile';
import { TokenCounter } from '../clipTokenizer';
import { TagVocabulary } from '../vocabulary';
import { CaptionContext, RuleSelection } from './context';
import { lintCaption } from './lintCaption';
import { RuleSetting } from './lintSettings';
import { TagStyle } from './styleRules';
import { tagFacts } from './tagFacts';
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
	costumeKeys: Array<[string, string[]]>;
	/** caption-encoding problems of the files that could not be linted. */
	issues: LintIssue[];
	notUtf8: number;
	unreadable: number;
	captions: number;
}

/** The captions one thread read, their counts, then their problems. */
export class CaptionLintShare {
	private readonly texts: Array<{ path: string; subset: number; text: string }> = [];
	private readonly costumeKeys: ReadonlySet<string>;
	readonly counts = emptyCounts();

	constructor(setup: LintSetup, private readonly rules: RuleSelection) {
		this.costumeKeys = new Set(setup.costumeKeys);
	}

	/** A caption as read from disk: its text, or the caption-encoding problem that keeps it from being linted. */
	addFile(path: string, subset: number, file: CaptionTextFile): void {
		if (file.kind === 'text') {
			this.addText(path, subset, file.text);
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
	}

	/** A caption's text (read, or an editor's unsaved content), counted for the dataset-wide pass. */
	addText(path: string, subset: number, text: string): void {
		this.texts.push({ path, subset, text });
		this.counts.captions++;
		// The tags' texts only: this pass needs no offsets (a BOM is whitespace to both parsers), and no lists.
		const { styles } = this.counts;
		let costumes: string[] | undefined;
		forEachCaptionTag(text, (tag) => {
			const fact = tagFacts(tag);
			if (fact.style) {
				styles[fact.style]++;
			}
			if (this.costumeKeys.has(fact.key)) {
				(costumes ??= []).push(fact.key);
			}
		});
		if (costumes) {
			this.counts.costumeKeys.push([path, costumes]);
		}
	}

	/** Every caption of this share linted with the settled contexts; the texts are let go as they are linted. */
	*lintSteps(contexts: readonly CaptionContext[]): Steps<LintIssue[]> {
		const issues: LintIssue[] = [];
		for (let i = 0; i < this.texts.length; i++) {
			const { path, subset, text } = this.texts[i];
			for (const issue of lintCaption(path, text, contexts[subset], this.rules)) {
				issues.push(issue);
			}
			yield;
		}
		this.texts.length = 0;
		return issues;
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
