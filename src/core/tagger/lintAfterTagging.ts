import { resolve } from 'node:path';
import { LintIssue, lintDataset } from '../lint';
import { countOf } from '../plural';

export interface LintAfterTagging {
	/** Problems in the captions this run wrote. */
	issues: LintIssue[];
	/** Per rule code, most frequent first, with one message as an example. */
	byCode: Array<{ code: string; count: number; example: string }>;
}

/**
 * What the caption linter (src/core/lint) now reports about the captions the tagger wrote, so the cleanup
 * step (for example `1boy` on a woman) starts right away.
 */
export async function lintAfterTagging(trainingRoot: string, captionPaths: readonly string[]): Promise<LintAfterTagging> {
	const written = new Set(captionPaths.map((p) => resolve(p)));
	const { issues } = await lintDataset(trainingRoot);
	const mine = issues.filter((issue) => written.has(resolve(issue.file)));
	const counts = new Map<string, { count: number; example: string }>();
	for (const issue of mine) {
		const entry = counts.get(issue.code) ?? { count: 0, example: issue.message };
		entry.count++;
		counts.set(issue.code, entry);
	}
	const byCode = [...counts].map(([code, v]) => ({ code, ...v })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
	return { issues: mine, byCode };
}

export function formatLintLines(lint: LintAfterTagging): string[] {
	if (lint.issues.length === 0) {
		return ['The caption linter reports no problems in the new captions.'];
	}
	return [
		`The caption linter now reports ${countOf(lint.issues.length, 'problem')} in the new captions:`,
		...lint.byCode.map((c) => `  ${c.code} x${c.count}  e.g. ${c.example}`),
	];
}
