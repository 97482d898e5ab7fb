/** The caption linter: rules in this folder, one file per family; see rules.ts for the codes. */
export type { LintIssue, LintSeverity, LintFix, LintEdit } from './types';
export type { RuleInfo } from './rules';
export type { LintSettings } from './lintSettings';
export type { CaptionContext } from './context';
export type { DatasetLintResult, LintDatasetOptions } from './lintDataset';
export { LINT_RULES, ruleInfo } from './rules';
export { parseLintSettings, defaultLintSettings } from './lintSettings';
export { RuleSelection } from './context';
export { lintCaption, lintCaptionText } from './lintCaption';
export { DatasetLinter, lintDataset, sharedTokenCounter } from './lintDataset';
export { applyEdits } from './edits';
export { issuesByFileSteps } from './issuesByFile';
