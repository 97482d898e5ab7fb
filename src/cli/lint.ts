import { basename, dirname, relative, resolve, sep } from 'node:path';
import { CliCommand, UsageError, booleanFlag, listFlag, stringFlag } from './args';
import { LINT_RULES, LintIssue, lintDataset } from '../core/lint';
import { defaultClipVocabulary } from '../core/clipTokenizer';
import { countOf } from '../core/plural';
import { isDirectory, unreadableFolderProblems } from '../core/dataset';

/**
 * path.relative resolves both paths on every call; a dataset's problems lie in a few folders, so each folder
 * is made relative once (20,000 captions' problems are 30,000 lines; issue 22).
 */
class RelativePaths {
	private readonly dirs = new Map<string, string>();

	constructor(private readonly cwd: string) {}

	of(file: string): string {
		const dir = dirname(file);
		let relativeDir = this.dirs.get(dir);
		if (relativeDir === undefined) {
			relativeDir = relative(this.cwd, dir);
			this.dirs.set(dir, relativeDir);
		}
		const name = basename(file);
		return (relativeDir && name ? `${relativeDir}${sep}${name}` : relative(this.cwd, file)) || file;
	}
}

/** The line format the `$lora-lint` problem matcher in package.json reads: keep both in step. */
function issueLine(pathPrefix: string, issue: LintIssue): string {
	const message = issue.message.includes('\n') ? issue.message.replace(/\s*\n\s*/g, ' ') : issue.message;
	return `${pathPrefix}${issue.line}:${issue.column}: ${issue.severity}: ${message} [${issue.code}]\n`;
}

/** Lines per piece of output: 20,000 captions' problems are 30,000 lines and 10 M characters. */
const LINES_PER_WRITE = 256;

/**
 * Hands `write` the problems' lines a few hundred at a time, each piece ending in a line break. One string of every
 * line, joined, was built from 30,000 line strings and copied twice more (the join, then UTF-8); the pieces are
 * small, and a file's path is made relative once for its run of problems (issue 22).
 */
function writeIssueLines(issues: readonly LintIssue[], cwd: string, write: (text: string) => void): void {
	const paths = new RelativePaths(cwd);
	let file: string | undefined;
	let prefix = '';
	let piece = '';
	for (let i = 0; i < issues.length; i++) {
		const issue = issues[i];
		if (issue.file !== file) {
			file = issue.file;
			prefix = `${paths.of(file)}:`;
		}
		piece += issueLine(prefix, issue);
		if (i % LINES_PER_WRITE === LINES_PER_WRITE - 1) {
			write(piece);
			piece = '';
		}
	}
	if (piece) {
		write(piece);
	}
}

export const lintCommand: CliCommand = {
	name: 'lint',
	summary: 'check the captions of a training folder (one line per problem; exit 1 on errors)',
	usage: [
		'Usage: lora-workbench lint <folder> [--json] [--rules code,code...] [--clip-vocab <file>] [--offline] [--wait-for-terminal]',
		'',
		'Prints one line per problem: <path>:<line>:<column>: <error|warning|info>: <message> [<code>]',
		'(paths relative to the working directory). Exit 1 when an error was found.',
		'  --json            print an array of {file, line, column, endLine, endColumn, severity, code, message}',
		'  --rules           run only these rules',
		'  --clip-vocab      the CLIP vocabulary (bpe_simple_vocab_16e6.txt.gz or SD1.5 tokenizer/merges.txt);',
		'                    otherwise LORA_WORKBENCH_CLIP_VOCAB, else downloaded once into ~/.cache/lora-workbench',
		'  --offline         never download the vocabulary; token counts are then estimates',
		'  --wait-for-terminal  before exiting, wait until the terminal has shown every line (the VS Code',
		'                    lint task passes it, so its problem matcher reads the last lines too)',
		'',
		'Rules (configure in lora-workbench.yaml under lint.rules: <code>: error|warning|info|off):',
		...LINT_RULES.map((r) => `  ${r.code.padEnd(20)} ${r.severity.padEnd(8)} ${r.summary}`),
	].join('\n'),
	flags: { json: { type: 'boolean' }, rules: { type: 'list' }, 'clip-vocab': { type: 'string' }, offline: { type: 'boolean' }, 'wait-for-terminal': { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give exactly one training folder');
		}
		const folder = args.positionals[0];
		const rules = listFlag(args, 'rules');
		const unknown = rules?.filter((code) => !LINT_RULES.some((r) => r.code === code)) ?? [];
		if (unknown.length > 0) {
			throw new UsageError(`unknown rule ${unknown.join(', ')}; known rules: ${LINT_RULES.map((r) => r.code).join(', ')}`);
		}
		if (!(await isDirectory(resolve(io.cwd, folder)))) {
			io.err(`lora-workbench lint: ${folder} is not a folder. Give a training folder (the one holding images/).`);
			return 2;
		}
		const result = await lintDataset(resolve(io.cwd, folder), {
			rules,
			clipVocabulary: stringFlag(args, 'clip-vocab') ? { path: stringFlag(args, 'clip-vocab') } : defaultClipVocabulary(booleanFlag(args, 'offline')),
		});
		if (booleanFlag(args, 'json')) {
			const paths = new RelativePaths(io.cwd);
			io.out(JSON.stringify(result.issues.map(({ file, line, column, endLine, endColumn, severity, code, message }) => ({ file: paths.of(file), line, column, endLine, endColumn, severity, code, message })), null, 2));
		} else {
			writeIssueLines(result.issues, io.cwd, io.out);
		}
		if (result.tokenEstimateReason && (!rules || rules.includes('token-overflow'))) {
			io.err(`note: CLIP token counts are estimates: ${result.tokenEstimateReason}`);
		}
		const counts = { error: 0, warning: 0, info: 0 };
		result.issues.forEach((issue) => counts[issue.severity]++);
		// A folder that cannot be listed hides its captions: an error, named, not a silent skip.
		for (const problem of unreadableFolderProblems(result.folder)) {
			io.err(`error: ${problem.message} Its captions were not linted.`);
			counts.error++;
		}
		// Captions that could not be linted are counted apart, so the totals add up to the caption files there are.
		const skipped = [result.notUtf8 ? `${result.notUtf8} not UTF-8` : '', result.unreadable ? `${result.unreadable} unreadable` : ''].filter(Boolean).join(', ');
		io.err(`${countOf(result.captions, 'caption')}${skipped ? ` (and ${skipped}, not linted)` : ''}: ${countOf(counts.error, 'error')}, ${countOf(counts.warning, 'warning')}, ${countOf(counts.info, 'info', 'infos')}`);
		if (booleanFlag(args, 'wait-for-terminal')) {
			await io.waitForTerminal?.();
		}
		return counts.error > 0 ? 1 : 0;
	},
};
