import * as vscode from 'vscode';
import { basename, relative } from 'node:path';
import { BulkOperation, describeOperation, planBulkEdit, validateOperation } from '../core/bulkEdit';
import type { TrainingFolder } from '../core/dataset';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import { buildTagTable, tagStatsSubsets } from '../core/tagStats';
import { imageCaptionTags } from '../core/datasetCaptionTags';
import type { BulkScope } from '../core/protocol/gallery';
import { Disposable } from '../util/dispose';
import { BulkApplyOptions, BulkApplyResult, applyBulkPlan, readCaptionsForBulk } from './bulkEditApply';
import { BulkCommandKind, STEP, askOperation } from './bulkEditPrompts';
import type { GalleryState } from './gallery/galleryState';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { CaptionTagSource } from '../services/tagSource';
import { countOf } from '../core/plural';
import { followRenames } from '../core/coverage/renamePlan';
import { onDidRenameSubsetFolders } from '../services/subsetRenames';
import { readCaptionFile } from '../core/captionFile';
import { PlanDiffs } from './bulkEditPreview';
import { DatasetTagIndex } from '../core/datasetTagIndex';

/** The last bulk edit, for its Undo: each caption's text before and after, by path. */
interface LastEdit {
	paths: string[];
	saved: string[];
	texts: Map<string, { before: string; after: string }>;
	/** Set when a subset folder was renamed since (Balance Repeats): the editors' undo stacks stayed with the old paths. */
	moved: boolean;
}

export const BULK_COMMANDS: Record<BulkCommandKind, string> = {
	addTag: 'loraWorkbench.addTag',
	removeTag: 'loraWorkbench.removeTag',
	renameTag: 'loraWorkbench.renameTag',
	replaceInTags: 'loraWorkbench.replaceInTags',
	moveTagToFront: 'loraWorkbench.moveTagToFront',
	dedupeTags: 'loraWorkbench.dedupeTags',
	normalizeTags: 'loraWorkbench.normalizeTags',
	sortTagsByFrequency: 'loraWorkbench.sortTagsByFrequency',
};

/** Arguments of a bulk command: from the Tags view (`root` + `tag`), the gallery (`root` + `scope`), or a test. */
export interface BulkCommandArgs {
	root?: string;
	tag?: string;
	scope?: BulkScope;
}

/** `loraWorkbench.bulkEdit` (programmatic, no prompts unless `confirm`): what tests and other features call. */
export interface BulkEditRequest {
	root: string;
	operation: BulkOperation;
	scope?: BulkScope;
	/** Explicit image paths (overrides scope). */
	images?: string[];
	/** Ask before applying (default false for this entry point). */
	confirm?: boolean;
	/** Awaited at the apply's step boundaries (`applyBulkPlan`): the fault tests hold an edit mid-way with it. */
	afterStep?: BulkApplyOptions['afterStep'];
}

export interface BulkEditOutcome extends BulkApplyResult {
	summary: string;
	/** Captions the plan would change (applied or not). */
	planned: string[];
}

export class BulkEditCommands extends Disposable {
	private lastEdit: LastEdit | undefined;
	private readonly planDiffs = this.register(new PlanDiffs());

	public static register(trainingFolders: TrainingFolderService, gallery: GalleryState, tags: CaptionTagSource): vscode.Disposable {
		return new BulkEditCommands(trainingFolders, gallery, tags);
	}

	private constructor(private readonly trainingFolders: TrainingFolderService, private readonly gallery: GalleryState, private readonly tags: CaptionTagSource) {
		super();
		for (const [kind, id] of Object.entries(BULK_COMMANDS) as Array<[BulkCommandKind, string]>) {
			this.register(vscode.commands.registerCommand(id, (arg?: unknown) => this.runInteractive(kind, arg)));
		}
		this.register(vscode.commands.registerCommand('loraWorkbench.bulkEdit', (request: BulkEditRequest) => this.run(request)));
		this.register(vscode.commands.registerCommand('loraWorkbench.undoBulkEdit', () => this.undoLast()));
		this.register(onDidRenameSubsetFolders((renames) => {
			const last = this.lastEdit;
			if (last) {
				const follow = (path: string) => followRenames(path, renames);
				this.lastEdit = { paths: last.paths.map(follow), saved: last.saved.map(follow), texts: new Map([...last.texts].map(([path, t]) => [follow(path), t])), moved: true };
			}
		}));
	}

	private async runInteractive(kind: BulkCommandKind, arg: unknown): Promise<BulkEditOutcome | undefined> {
		const args = (typeof arg === 'object' && arg !== null ? arg : {}) as BulkCommandArgs;
		const folder = await pickTrainingFolder(this.trainingFolders, args.root ?? arg);
		if (!folder) {
			return undefined;
		}
		const scope = args.scope ?? (await this.askScope(folder));
		if (!scope) {
			return undefined;
		}
		// The questions count the tags of the images the edit applies to, not the whole dataset.
		const inScope = new Set(this.scopeImages(folder, scope));
		const subsets = tagStatsSubsets(folder).map((s) => ({ ...s, images: s.images.filter((i) => inScope.has(i.path)) }));
		const captions = subsets.flatMap((s) => s.images.map((i) => i.caption ?? ''));
		const index = await this.tags.index(folder);
		const vocabulary = await this.tags.vocabulary(folder);
		const inScopeIndex = DatasetTagIndex.fromCaptions(captions);
		const scopeNoun = scope === 'all' ? 'image' : scope === 'selected' ? 'selected image' : 'filtered image';
		const operation = await askOperation(kind, {
			table: buildTagTable(subsets, imageCaptionTags),
			captions,
			suggest: (typed) => index.suggest(typed, vocabulary, [], 50),
			scopeLabel: scope === 'all' ? 'in all images' : `in ${countOf(inScope.size, scopeNoun)}`,
			scopeShare: (tag) => `in ${inScopeIndex.count(tag)} of ${countOf(inScope.size, scopeNoun)}`,
		}, args.tag);
		return operation && this.run({ root: folder.root, operation, scope, confirm: true });
	}

	private scopeImages(folder: TrainingFolder, scope: BulkScope): string[] {
		const all = folder.subsets.flatMap((s) => s.images.map((i) => i.path));
		const state = this.gallery.get(folder.root);
		if (scope === 'selected') {
			return state.selected;
		}
		return scope === 'filtered' && state.filtered ? state.filtered : all;
	}

	private async askScope(folder: TrainingFolder): Promise<BulkScope | undefined> {
		const state = this.gallery.get(folder.root);
		const total = folder.subsets.reduce((n, s) => n + s.images.length, 0);
		const items: Array<vscode.QuickPickItem & { scope: BulkScope }> = [{ label: `All images (${total})`, scope: 'all' }];
		if (state.filtered) {
			const what = [state.filter.tag && `tag "${state.filter.tag}"`, state.filter.expression].filter(Boolean).join(' and ');
			items.push({ label: `Filtered images (${state.filtered.length})`, description: what, scope: 'filtered' });
		}
		if (state.selected.length > 0) {
			items.push({ label: `Selected images (${state.selected.length})`, description: 'in the gallery', scope: 'selected' });
		}
		if (items.length === 1) {
			return 'all';
		}
		return (await vscode.window.showQuickPick(items, { ...STEP, placeHolder: `Which images of ${basename(folder.root)}?` }))?.scope;
	}

	public async run(request: BulkEditRequest): Promise<BulkEditOutcome | undefined> {
		await this.trainingFolders.ready();
		const folder = this.trainingFolders.get(request.root);
		if (!folder) {
			void vscode.window.showErrorMessage(`${request.root} is not a known training folder; open it in the workspace first.`);
			return undefined;
		}
		const problem = validateOperation(request.operation);
		if (problem) {
			void vscode.window.showErrorMessage(problem);
			return undefined;
		}
		const wanted = new Set(request.images ?? this.scopeImages(folder, request.scope ?? 'all'));
		const images = folder.subsets.flatMap((s) => s.images).filter((i) => wanted.has(i.path));
		const inputs = await readCaptionsForBulk(images.map((i) => i.captionPath));
		const frequency = new Map(buildTagTable(tagStatsSubsets(folder), imageCaptionTags).rows.map((r) => [r.key, r.count]));
		// Captions that cannot be edited stay in the plan as skipped, so the preview counts them apart from images without a caption.
		const plan = planBulkEdit(inputs.map((i) => (i.problem ? { ...i, skip: i.problem } : i)), request.operation, { trigger: folder.trigger, frequency });
		const title = describeOperation(request.operation);
		if (plan.changes.length === 0) {
			void vscode.window.showInformationMessage(`${title}: no caption changes (${plan.summary}).`);
			return { summary: plan.summary, planned: [], applied: [], skipped: plan.skipped, unsaved: [] };
		}
		if (request.confirm && !(await this.planDiffs.confirm(folder.root, title, plan))) {
			return undefined;
		}
		// The folder's lock keeps the CLI's bulk writers (tags --apply, tag, balance --apply) out meanwhile.
		let result: BulkApplyResult;
		try {
			result = await withFolderLock(folder.root, `VS Code: ${title}`, () => applyBulkPlan(plan, { afterStep: request.afterStep }));
		} catch (err) {
			if (!(err instanceof FolderLockedError)) {
				throw err;
			}
			void vscode.window.showWarningMessage(`${title}: nothing was changed. ${err.message}`);
			return { summary: plan.summary, planned: plan.changes.map((c) => c.path), applied: [], skipped: plan.changes.map((c) => ({ path: c.path, reason: 'another writer holds the training folder' })), unsaved: [] };
		}
		result.skipped.push(...plan.skipped);
		const planned = new Map(plan.changes.map((c) => [c.path, { before: c.before, after: c.after }]));
		this.lastEdit = {
			paths: result.applied, saved: result.applied.filter((p) => !result.unsaved.includes(p)),
			texts: new Map(result.applied.map((p) => [p, planned.get(p)!])), moved: false,
		};
		void this.trainingFolders.refresh(folder.root);
		this.report(folder, title, result);
		return { ...result, summary: plan.summary, planned: plan.changes.map((c) => c.path) };
	}

	private report(folder: TrainingFolder, title: string, result: BulkApplyResult): void {
		const names = (paths: string[]) => paths.slice(0, 5).map((p) => relative(folder.root, p)).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
		const unsaved = result.unsaved.length > 0 ? ` ${result.unsaved.length} had unsaved changes and stay unsaved.` : '';
		const reasons = [...new Set(result.skipped.map((s) => s.reason))].join('; ');
		const left = `${countOf(result.skipped.length, 'caption')} left alone (${reasons}): ${names(result.skipped.map((s) => s.path))}. Run the edit again to include them.`;
		if (result.applied.length === 0) {
			if (result.skipped.length > 0) {
				void vscode.window.showWarningMessage(`${title}: nothing changed; ${left}`);
			}
			return;
		}
		// A partial result is one message: what changed (with Undo for it) and what was left alone, per file.
		const show = result.skipped.length > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
		void show(`${title}: changed ${countOf(result.applied.length, 'caption')}.${unsaved}${result.skipped.length > 0 ? ` ${left}` : ''}`, 'Undo').then((choice) => {
			if (choice === 'Undo') {
				void this.undoLast();
			}
		});
	}

	/** Undo through the editor's own undo stack: one undo in any edited caption reverts the whole edit. */
	private async undoLast(): Promise<boolean> {
		const last = this.lastEdit;
		if (!last || last.paths.length === 0) {
			return false;
		}
		this.lastEdit = undefined;
		if (last.moved) {
			return this.revertMoved(last);
		}
		const document = await vscode.workspace.openTextDocument(vscode.Uri.file(last.paths[0]));
		await vscode.window.showTextDocument(document, { preview: true });
		await vscode.commands.executeCommand('undo');
		await Promise.all(last.saved.map(async (path) => {
			const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path);
			if (doc?.isDirty) {
				await doc.save();
			}
		}));
		return true;
	}

	/**
	 * Undo after the captions' folders were renamed: the edit lives on in the undo stacks of the old paths, so the
	 * captions get their text from before the edit back in one WorkspaceEdit, each only if it still holds what
	 * the edit wrote (a caption changed since is left alone and named).
	 */
	private async revertMoved(last: LastEdit): Promise<boolean> {
		const edit = new vscode.WorkspaceEdit();
		const changedSince: string[] = [];
		const reverted: string[] = [];
		for (const path of last.paths) {
			const texts = last.texts.get(path);
			const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path);
			const disk = open ? undefined : await readCaptionFile(path);
			const current = open ? open.getText() : disk?.kind === 'text' ? disk.text : undefined;
			if (!texts || current !== texts.after) {
				changedSince.push(path);
				continue;
			}
			const document = open ?? await vscode.workspace.openTextDocument(vscode.Uri.file(path));
			edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(current.length)), texts.before, { label: 'Undo bulk tag edit', needsConfirmation: false });
			reverted.push(path);
		}
		if (reverted.length > 0 && !(await vscode.workspace.applyEdit(edit))) {
			void vscode.window.showErrorMessage('Undo Last Bulk Tag Edit: VS Code refused the edit (the captions kept changing); nothing was reverted.');
			return false;
		}
		await Promise.all(reverted.filter((p) => last.saved.includes(p)).map(async (path) => {
			await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path)?.save();
		}));
		if (changedSince.length > 0) {
			void vscode.window.showWarningMessage(`Undo Last Bulk Tag Edit: reverted ${countOf(reverted.length, 'caption')}; ${countOf(changedSince.length, 'caption')} changed since and left alone: ${changedSince.slice(0, 5).map((p) => basename(p)).join(', ')}.`);
		}
		return reverted.length > 0;
	}
}
