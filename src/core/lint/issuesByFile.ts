import { Steps } from '../slices';
import { LintIssue } from './types';

/** The problems grouped by file, files in the order of their first problem, each file's problems in order. */
export function* issuesByFileSteps(issues: readonly LintIssue[]): Steps<Map<string, LintIssue[]>> {
	const byFile = new Map<string, LintIssue[]>();
	for (let i = 0; i < issues.length; i++) {
		const list = byFile.get(issues[i].file);
		if (list) {
			list.push(issues[i]);
		} else {
			byFile.set(issues[i].file, [issues[i]]);
		}
		if ((i & 63) === 63) {
			yield;
		}
	}
	return byFile;
}
