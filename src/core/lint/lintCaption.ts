import { parseCaption } from '../caption';
import { controlCharacterRule, emptyCaptionRule, duplicateTagRule, multiLineRule } from './captionFileRules';
import { bakedTraitRule, conflictingTagsRule } from './conflictRules';
import { CaptionContext, RuleSelection } from './context';
import { styleRules } from './styleRules';
import { subjectRules } from './subjectRules';
import { tokenOverflowRule } from './tokenRule';
import { triggerRules } from './triggerRules';
import { TagFacts, captionTagFacts } from './tagFacts';
import { LintIssue, LintSeverity, TextIssue } from './types';
import { unknownTagRule } from './vocabularyRule';

const BOM = '\uFEFF';
const LINE_BREAK = /[\r\n]/;

// The codes of each rule family, in the order they run.
const EMPTY = ['empty-caption'];
const MULTI_LINE = ['multi-line-caption'];
const TRIGGER = ['missing-trigger', 'trigger-not-first'];
const CONTROL = ['control-character'];
const DUPLICATE = ['duplicate-tag'];
const SUBJECT = ['class-conflict', 'multiple-people'];
const CONFLICT = ['conflicting-tags'];
const BAKED = ['baked-trait'];
const TOKENS = ['token-overflow'];
const UNKNOWN = ['unknown-tag'];
const STYLE = ['tag-style'];

/** A TextIssue with its severity settled. */
export interface ResolvedTextIssue extends TextIssue {
	severity: LintSeverity;
}

/**
 * Handed each caption's tag facts, in tag order, as the caption is linted: a whole-folder lint counts the dataset's
 * tag styles and costume tags from them (lintShare.ts) instead of parsing every caption a second time.
 */
export type TagFactsObserver = (facts: readonly TagFacts[]) => void;

/** Runs every enabled caption rule over one caption's text (a BOM is ignored, as VS Code does). */
export function lintCaptionText(text: string, ctx: CaptionContext, rules: RuleSelection, observe?: TagFactsObserver): ResolvedTextIssue[] {
	const body = text.startsWith(BOM) ? text.slice(1) : text;
	const parsed = parseCaption(body);
	// Each tag's facts are looked up once here, not once per rule.
	const facts = captionTagFacts(parsed.tags);
	observe?.(facts);
	const found: TextIssue[] = [];
	const add = (issues: readonly TextIssue[]): void => {
		for (const issue of issues) {
			found.push(issue);
		}
	};
	// Plain ifs over constant code lists: a closure and a list per rule per caption showed in the lint's profile.
	if (rules.anyEnabled(EMPTY)) { add(emptyCaptionRule(body, parsed, ctx)); }
	if (rules.anyEnabled(MULTI_LINE)) { add(multiLineRule(body, parsed)); }
	if (rules.anyEnabled(TRIGGER)) { add(triggerRules(parsed, ctx, facts)); }
	if (rules.anyEnabled(CONTROL)) { add(controlCharacterRule(body)); }
	if (rules.anyEnabled(DUPLICATE)) { add(duplicateTagRule(parsed, facts)); }
	if (rules.anyEnabled(SUBJECT)) { add(subjectRules(parsed, ctx, facts)); }
	if (rules.anyEnabled(CONFLICT)) { add(conflictingTagsRule(parsed, ctx, facts)); }
	if (rules.anyEnabled(BAKED)) { add(bakedTraitRule(parsed, ctx, facts)); }
	if (rules.anyEnabled(TOKENS)) { add(tokenOverflowRule(parsed, ctx, facts)); }
	if (rules.anyEnabled(UNKNOWN)) { add(unknownTagRule(parsed, ctx)); }
	if (rules.anyEnabled(STYLE)) { add(styleRules(parsed, ctx, facts)); }
	const resolved: ResolvedTextIssue[] = [];
	for (const issue of found) {
		const severity = rules.severity(issue.code, issue.severity);
		if (severity) {
			// The rules made these objects for this call: settled in place, not copied.
			const settled = issue as ResolvedTextIssue;
			settled.severity = severity;
			resolved.push(settled);
		}
	}
	return sortByStart(resolved);
}

/**
 * By offset, then code, in place: an insertion sort, as a caption has a few problems and Array.prototype.sort
 * made a work copy for every caption.
 */
function sortByStart(issues: ResolvedTextIssue[]): ResolvedTextIssue[] {
	for (let i = 1; i < issues.length; i++) {
		const issue = issues[i];
		let j = i - 1;
		while (j >= 0 && (issues[j].start - issue.start || issues[j].code.localeCompare(issue.code)) > 0) {
			issues[j + 1] = issues[j];
			j--;
		}
		issues[j + 1] = issue;
	}
	return issues;
}

/** Converts offsets of a text to 1-based line/column pairs. */
export class LinePositions {
	private readonly starts: number[] = [0];

	constructor(text: string) {
		if (!LINE_BREAK.test(text)) {
			return; // one line, as nearly every caption: no walk over its characters
		}
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
				this.starts.push(i + 1);
			}
		}
	}

	/** The 0-based line of an offset. */
	lineIndex(offset: number): number {
		let low = 0;
		let high = this.starts.length - 1;
		while (low < high) {
			const mid = (low + high + 1) >> 1;
			if (this.starts[mid] <= offset) {
				low = mid;
			} else {
				high = mid - 1;
			}
		}
		return low;
	}

	/** The 1-based column of an offset on its 0-based line. */
	column(offset: number, lineIndex: number): number {
		return offset - this.starts[lineIndex] + 1;
	}
}

export function positionIssue(file: string, issue: ResolvedTextIssue, positions: LinePositions): LintIssue {
	const startLine = positions.lineIndex(issue.start);
	const endLine = positions.lineIndex(issue.end);
	const result: LintIssue = {
		file, line: startLine + 1, column: positions.column(issue.start, startLine), endLine: endLine + 1, endColumn: positions.column(issue.end, endLine),
		severity: issue.severity, code: issue.code, message: issue.message,
	};
	if (issue.fix) {
		result.fix = issue.fix;
	}
	return result;
}

/** Lints one caption file's text; positions are 1-based. */
export function lintCaption(file: string, text: string, ctx: CaptionContext, rules: RuleSelection = new RuleSelection(), observe?: TagFactsObserver): LintIssue[] {
	const body = text.startsWith(BOM) ? text.slice(1) : text;
	const issues = lintCaptionText(body, ctx, rules, observe);
	if (issues.length === 0) {
		return [];
	}
	const positions = new LinePositions(body);
	return issues.map((issue) => positionIssue(file, issue, positions));
}
