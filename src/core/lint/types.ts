/**
 * What the linter reports. Positions are 1-based (line, column) as the CLI prints them and the problem
 * matcher reads them; columns count UTF-16 code units of the decoded caption (BOM not counted), as editors do.
 */
export type LintSeverity = 'error' | 'warning' | 'info';

/** One replacement in a caption's text, by offsets into the decoded text (without BOM). */
export interface LintEdit {
	start: number;
	end: number;
	newText: string;
}

export interface LintFix {
	/** Shown as the quick fix title, e.g. `Remove duplicate "smile"`. */
	title: string;
	edits: LintEdit[];
}

export interface LintIssue {
	file: string;
	line: number;
	column: number;
	endLine: number;
	endColumn: number;
	severity: LintSeverity;
	code: string;
	message: string;
	fix?: LintFix;
}

/** An issue found inside one text, by offsets; positioned into a LintIssue once the file is known. */
export interface TextIssue {
	code: string;
	start: number;
	end: number;
	message: string;
	fix?: LintFix;
	/** Overrides the rule's configured severity (a rule may report milder cases more softly). */
	severity?: LintSeverity;
}

/** Tags of which one image can have only one; `unless` tags (e.g. heterochromia) allow several. */
export interface ConflictGroup {
	what: string;
	tags: readonly string[];
	unless?: readonly string[];
}
