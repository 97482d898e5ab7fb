import * as vscode from 'vscode';
import { sep } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import type { TrainingFolder } from '../core/dataset';
import { readCaptionFile } from '../core/captionFile';
import { ResolvedTokenCounter, estimatedTokenCounter } from '../core/clipTokenizer';
import { clipVocabularyOption } from '../services/clipVocabulary';
import { DatasetLintResult, DatasetLinter, LintIssue, issuesByFileSteps, sharedTokenCounter } from '../core/lint';
import { Disposable } from '../util/dispose';
import { countOf } from '../core/plural';
import { Steps, runInSlices } from '../core/slices';

export const LINT_SOURCE = 'lora';

export type LintCounts = Pick<DatasetLintResult, 'captions' | 'helperCaptions' | 'helperRemembered'>;

export function toDiagnostic(issue: LintIssue): vscode.Diagnostic {
	const range = new vscode.Range(issue.line - 1, issue.column - 1, issue.endLine - 1, issue.endColumn - 1);
	const severity = issue.severity === 'error' ? vscode.DiagnosticSeverity.Error
		: issue.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
	const diagnostic = new vscode.Diagnostic(range, issue.message, severity);
	diagnostic.source = LINT_SOURCE;
	diagnostic.code = issue.code;
	return diagnostic;
}

/**
 * The `lora` diagnostics: every caption of every training folder, not only open files. A folder is linted
 * whole when its scan changes (files added, edited or removed on disk); an open caption is re-linted as the
 * user types. Whole-folder lints run one at a time, in chunks that yield, so the extension host stays free.
 */
export class CaptionDiagnostics extends Disposable {
	private readonly collection = this.register(vscode.languages.createDiagnosticCollection(LINT_SOURCE));
	private readonly linters = new Map<string, DatasetLinter>();
	/**
	 * What each folder's last whole-folder lint put in the collection, by file, so that a re-lint clears what is no
	 * longer a problem and sends only the files whose problems changed: sending all 20,000 captions' problems again
	 * after every rescan queued megabytes of messages in the host (issue 22). Undefined: set since by other means
	 * (typing), so never taken as unchanged.
	 */
	private readonly published = new Map<string, Map<string, readonly LintIssue[] | undefined>>();
	private readonly pendingFolders = new Map<string, TrainingFolder | undefined>();
	private readonly typingTimers = new Map<string, NodeJS.Timeout>();
	private running: Promise<void> = Promise.resolve();
	/** The lints of closed documents' files, in the order their documents closed. */
	private relints: Promise<void> = Promise.resolve();
	private counterKey: string | undefined;
	private exactCounter: ResolvedTokenCounter | undefined;
	private counterLoading: Promise<void> = Promise.resolve();
	private readonly lastLints = new Map<string, LintCounts>();
	/** Why each file's problems were last set: tests that check what a change sends again say who did. */
	private readonly lastSetBy = new Map<string, string>();
	private readonly lintedEmitter = this.register(new vscode.EventEmitter<string>());
	/** Fires with a folder root after its whole-folder lint has updated the Problems panel. */
	public readonly onDidLintFolder = this.lintedEmitter.event;

	static register(services: WorkbenchServices): CaptionDiagnostics {
		return new CaptionDiagnostics(services);
	}

	private constructor(private readonly services: WorkbenchServices) {
		super();
		this.register(services.trainingFolders.onDidChange((change) => this.schedule(change.root, change.folder)));
		this.register(vscode.workspace.onDidChangeTextDocument((event) => this.scheduleTyping(event.document)));
		// A deleted or moved caption (Exclude from Training, Explorer) loses its problems at once; the rescan re-lints the rest.
		this.register(vscode.workspace.onDidDeleteFiles((event) => this.forget(event.files)));
		this.register(vscode.workspace.onDidRenameFiles((event) => this.forget(event.files.map((f) => f.oldUri))));
		this.register(vscode.workspace.onDidCloseTextDocument((document) => {
			this.relints = this.relints.then(() => this.relintFromDisk(document.uri)).catch((err: unknown) => {
				this.services.log.warn(`Linting ${document.uri.fsPath} again after its document closed failed: ${err instanceof Error ? err.message : String(err)}`);
			});
		}));
		this.register(vscode.workspace.onDidChangeConfiguration((event) => {
			if (event.affectsConfiguration('loraWorkbench.lint')) {
				this.services.trainingFolders.folders().forEach((folder) => this.schedule(folder.root, folder));
			}
		}));
		this.register({ dispose: () => this.typingTimers.forEach((timer) => clearTimeout(timer)) });
		void services.trainingFolders.ready().then(() => {
			services.trainingFolders.folders().forEach((folder) => this.schedule(folder.root, folder));
		});
	}

	/** The linter of the training folder a caption belongs to (as of the last whole-folder lint). */
	public linterFor(path: string): DatasetLinter | undefined {
		let best: DatasetLinter | undefined;
		for (const [root, linter] of this.linters) {
			if (path.startsWith(root + sep) && (!best || root.length > best.folder.root.length)) {
				best = linter;
			}
		}
		return best;
	}

	/** The linter of the training folder at `root`, once it has been linted. */
	public linterOf(root: string): DatasetLinter | undefined {
		return this.linters.get(root);
	}

	/** How many captions the folder's last whole-folder lint read, how many of them on a helper thread, and how many of those it remembered. */
	public lastLint(root: string): LintCounts | undefined {
		return this.lastLints.get(root);
	}

	/**
	 * What last set a file's problems: a whole-folder lint (and why it sent them; after typing or a closed document, which of
	 * them), typing, or a closed document (its URI). Undefined once a lint found none, or the file or its folder went away.
	 */
	public whyLastSet(path: string): string | undefined {
		return this.lastSetBy.get(path);
	}

	/** Resolves when every lint asked for so far is done (for tests and the fix-all command). */
	public async idle(): Promise<void> {
		await this.services.trainingFolders.ready();
		for (;;) {
			const running = this.running;
			const loading = this.counterLoading;
			const relints = this.relints;
			await loading;
			await running;
			await relints;
			if (running === this.running && loading === this.counterLoading && relints === this.relints && this.pendingFolders.size === 0) {
				return;
			}
		}
	}

	private schedule(root: string, folder: TrainingFolder | undefined): void {
		const alreadyQueued = this.pendingFolders.has(root);
		this.pendingFolders.set(root, folder);
		if (!alreadyQueued) {
			this.running = this.running.then(() => this.lintPending(root));
		}
	}

	private async lintPending(root: string): Promise<void> {
		if (this.disposed || !this.pendingFolders.has(root)) {
			return;
		}
		const folder = this.pendingFolders.get(root);
		this.pendingFolders.delete(root);
		try {
			if (!folder) {
				this.linters.delete(root);
				this.lastLints.delete(root);
				await this.replace(root, []);
				this.forgetWhySet(root);
				return;
			}
			const counter = this.tokenCounter();
			const linter = await DatasetLinter.create(folder, { tokenCounter: counter.counter, tokenCounterFile: counter.file });
			const overrides = new Map(vscode.workspace.textDocuments.filter((d) => d.isDirty && linter.owns(d.uri.fsPath)).map((d) => [d.uri.fsPath, d.getText()]));
			const result = await linter.lintAll({ overrides, threads: 'helper' });
			if (this.disposed || this.pendingFolders.has(root)) {
				return;
			}
			this.linters.set(root, linter);
			const { captions, helperCaptions, helperRemembered } = result;
			this.lastLints.set(root, { captions, helperCaptions, helperRemembered });
			await this.replace(root, result.issues);
			const onHelper = helperCaptions > 0 ? ` (${helperCaptions} on a helper thread${helperRemembered > 0 ? `, ${helperRemembered} of them unchanged since its last lint` : ''})` : '';
			this.services.log.info(`Linted ${countOf(captions, 'caption')}${onHelper} in ${root}: ${countOf(result.issues.length, 'problem')}`);
			this.lintedEmitter.fire(root);
		} catch (err) {
			this.services.log.error(`Linting the captions of ${root} failed: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	/**
	 * The exact CLIP counter once it is loaded (or downloaded: once, into the shared cache); the estimate
	 * until then, so problems show at once. Every folder is linted again when the exact counter arrives.
	 */
	private tokenCounter(): ResolvedTokenCounter {
		const option = clipVocabularyOption();
		const key = JSON.stringify(option);
		if (this.counterKey !== key) {
			this.counterKey = key;
			this.exactCounter = undefined;
			this.counterLoading = sharedTokenCounter(option).then((resolved) => {
				if (this.counterKey !== key || this.disposed) {
					return;
				}
				if (resolved.fallbackReason) {
					this.services.log.warn(`Caption token counts are estimates: ${resolved.fallbackReason}`);
					return;
				}
				this.exactCounter = resolved;
				this.services.trainingFolders.folders().forEach((folder) => this.schedule(folder.root, folder));
			});
		}
		return this.exactCounter ?? { counter: estimatedTokenCounter };
	}

	private forget(uris: readonly vscode.Uri[]): void {
		const gone = uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
		const drop: vscode.Uri[] = [];
		this.collection.forEach((uri) => {
			if (gone.some((p) => uri.fsPath === p || uri.fsPath.startsWith(p + sep))) {
				drop.push(uri);
			}
		});
		drop.forEach((uri) => {
			this.collection.delete(uri);
			this.lastSetBy.delete(uri.fsPath);
		});
		for (const files of this.published.values()) {
			drop.forEach((uri) => files.delete(uri.fsPath));
		}
	}

	/** A folder that went away takes its files' reasons with it: the map would otherwise keep every path ever linted. */
	private forgetWhySet(root: string): void {
		for (const path of this.lastSetBy.keys()) {
			if (path.startsWith(root + sep)) {
				this.lastSetBy.delete(path);
			}
		}
	}

	/** Replaces a folder's problems in slices (20,000 captions' diagnostics at once blocked the host for a second). */
	private replace(root: string, issues: readonly LintIssue[]): Promise<void> {
		return runInSlices(this.replaceSteps(root, issues));
	}

	/**
	 * The issues come sorted by file (lintAll), so each file's are one run of them: a file whose run equals what was
	 * published keeps that list, and only the files whose problems changed get a new one (grouping every file's
	 * problems into new lists after each change was 20,000 lists and a map entry per file in the host bench).
	 */
	private *replaceSteps(root: string, issues: readonly LintIssue[]): Steps<void> {
		const before = this.published.get(root) ?? new Map<string, readonly LintIssue[] | undefined>();
		if (!sortedByFile(issues)) {
			// Not from lintAll: grouped first, as runs.
			const byFile = yield* issuesByFileSteps(issues);
			issues = [...byFile.values()].flat();
		}
		const now = new Map<string, readonly LintIssue[] | undefined>();
		let batch: Array<[vscode.Uri, vscode.Diagnostic[] | undefined]> = [];
		const add = (file: string, diagnostics: vscode.Diagnostic[] | undefined): void => {
			batch.push([vscode.Uri.file(file), diagnostics]);
			if (batch.length === SET_BATCH) {
				this.collection.set(batch);
				batch = [];
			}
		};
		let end = 0;
		while (end < issues.length) {
			const start = end;
			const file = issues[start].file;
			while (end < issues.length && issues[end].file === file) {
				end++;
			}
			const previous = before.get(file);
			let list = previous;
			if (!previous || !sameIssues(previous, issues, start, end)) {
				list = issues.slice(start, end);
				this.lastSetBy.set(file, previous ? 'a folder lint: its problems changed' : before.has(file) ? `a folder lint: set since by ${this.lastSetBy.get(file)}` : 'a folder lint: not published before');
				add(file, list.map(toDiagnostic));
			}
			now.set(file, list);
			yield;
		}
		let walked = 0;
		for (const file of before.keys()) {
			if (!now.has(file)) {
				this.lastSetBy.delete(file);
				add(file, undefined);
			}
			if ((++walked & 15) === 0) {
				yield;
			}
		}
		if (batch.length > 0) {
			this.collection.set(batch);
		}
		this.published.set(root, now);
	}

	/** One caption's problems from its current text; dataset-level problems on it (orphan, costume) are left as they were. */
	private setCaption(path: string, text: string, why: string): void {
		const linter = this.linterFor(path);
		if (!linter || !linter.owns(path)) {
			return;
		}
		const uri = vscode.Uri.file(path);
		const kept = (this.collection.get(uri) ?? []).filter((d) => DATASET_CODES.has(String(d.code)));
		this.collection.set(uri, [...kept, ...linter.lintText(path, text).map(toDiagnostic)]);
		this.lastSetBy.set(path, why);
		this.published.get(linter.folder.root)?.set(path, undefined);
	}

	private scheduleTyping(document: vscode.TextDocument): void {
		if (document.uri.scheme !== 'file' || !this.linterFor(document.uri.fsPath)?.owns(document.uri.fsPath)) {
			return;
		}
		const path = document.uri.fsPath;
		clearTimeout(this.typingTimers.get(path));
		this.typingTimers.set(path, setTimeout(() => {
			this.typingTimers.delete(path);
			this.setCaption(path, document.getText(), 'typing in its editor');
		}, 150));
	}

	/**
	 * A closed caption document may have left unsaved text's problems behind: lint the file on disk again. Only for the
	 * file's own document: another view of the same path (a diff's other side, another scheme) says nothing about
	 * what is on disk or in the file's editor.
	 */
	private async relintFromDisk(uri: vscode.Uri): Promise<void> {
		const path = uri.fsPath;
		const linter = uri.scheme === 'file' ? this.linterFor(path) : undefined;
		if (!linter?.owns(path)) {
			return;
		}
		// Strictly decoded: a caption that is not UTF-8 keeps its encoding problem instead of lint on U+FFFD text.
		const file = await readCaptionFile(path);
		if (file.kind === 'text') {
			this.setCaption(path, file.text, `its document closed (${uri.toString()})`);
		}
	}
}

/** Files per DiagnosticCollection.set call while a folder's problems are replaced. */
const SET_BATCH = 50;

function sortedByFile(issues: readonly LintIssue[]): boolean {
	for (let i = 1; i < issues.length; i++) {
		if (issues[i - 1].file > issues[i].file) {
			return false;
		}
	}
	return true;
}

/** The same problems at the same places as `b[start..end)`: what the Problems panel shows of them is unchanged. */
function sameIssues(a: readonly LintIssue[], b: readonly LintIssue[], start: number, end: number): boolean {
	if (a.length !== end - start) {
		return false;
	}
	for (let i = 0; i < a.length; i++) {
		const x = a[i];
		const y = b[start + i];
		// A caption whose problems the lint helper did not send again has the same objects.
		if (x !== y && !(x.line === y.line && x.column === y.column && x.endLine === y.endLine && x.endColumn === y.endColumn
			&& x.severity === y.severity && x.code === y.code && x.message === y.message)) {
			return false;
		}
	}
	return true;
}

/** Codes about the dataset rather than a caption's text: typing in a caption does not change them. */
const DATASET_CODES = new Set(['missing-caption', 'orphan-caption', 'shared-caption', 'costume-ratio']);
