import * as vscode from 'vscode';
import { basename, dirname, relative } from 'node:path';
import type { DatasetImage, TrainingFolder } from '../core/dataset';
import { ExcludeItem, FileMove, planExclusionOnDisk } from '../core/exclude';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import { Disposable } from '../util/dispose';
import type { ImageHealth } from './imageHealth';
import type { DatasetNode } from './datasetTreeNodes';
import type { TrainingFolderService } from '../services/trainingFolders';
import { followRenames } from '../core/coverage/renamePlan';
import { onDidRenameSubsetFolders } from '../services/subsetRenames';

interface ExcludeServices {
	trainingFolders: TrainingFolderService;
	health: ImageHealth;
}

/** One exclusion, as the Undo action and "LoRA: Undo Exclude from Training" put it back. */
export interface Exclusion {
	root: string;
	moves: FileMove[];
}


/** Paths from what a command receives: a Uri, a path, a Dataset view node, or lists of them (Explorer multi-selection). */
function pathsOf(value: unknown): string[] {
	if (Array.isArray(value)) {
		return value.flatMap(pathsOf);
	}
	if (value instanceof vscode.Uri) {
		return value.scheme === 'file' ? [value.fsPath] : [];
	}
	if (typeof value === 'string') {
		return [value];
	}
	const node = value as DatasetNode | undefined;
	return node?.kind === 'image' ? [node.path] : [];
}

/** The image of the active tab (image preview, caption editor, caption text), when nothing was passed. */
function activeImagePath(): string | undefined {
	const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
	const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
	return uri?.scheme === 'file' ? uri.fsPath : undefined;
}

/**
 * "Exclude from training" (Dataset view, Explorer, Problems quick fix, Dataset Health) and "Keep this one, exclude
 * the rest" (Dataset Health's duplicate groups): the image and its caption move to `<root>/excluded/<subset>/`
 * with one WorkspaceEdit, so one Undo puts both back. Their problems go at once.
 */
export class ExcludeImages extends Disposable implements vscode.CodeActionProvider {
	public static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
	private lastExclusion: Exclusion | undefined;

	/** The last exclusion, for Undo (also Ctrl+Z in the Dataset view, through the context key); tests read it. */
	public get last(): Exclusion | undefined {
		return this.lastExclusion;
	}

	private set last(value: Exclusion | undefined) {
		this.lastExclusion = value;
		void vscode.commands.executeCommand('setContext', 'loraWorkbench.canUndoExclude', value !== undefined);
	}

	public static register(services: ExcludeServices): ExcludeImages {
		return new ExcludeImages(services);
	}

	private constructor(private readonly services: ExcludeServices) {
		super();
		this.register(vscode.commands.registerCommand('loraWorkbench.excludeFromTraining', (arg?: unknown, selected?: unknown) => {
			const paths = pathsOf(selected !== undefined && Array.isArray(selected) && selected.length > 0 ? selected : arg);
			const fallback = paths.length === 0 ? activeImagePath() : undefined;
			return this.exclude(fallback ? [fallback] : paths);
		}));
		this.register(vscode.commands.registerCommand('loraWorkbench.keepOneExcludeRest', (keep?: unknown, group?: unknown) => {
			const kept = pathsOf(keep)[0];
			const others = pathsOf(group).filter((p) => p !== kept);
			if (!kept || others.length === 0) {
				void vscode.window.showWarningMessage('LoRA: "Keep this one, exclude the rest" needs the picture to keep and its group; use it from Dataset Health.');
				return undefined;
			}
			return this.exclude(others, `Kept ${basename(kept)}`);
		}));
		this.register(vscode.commands.registerCommand('loraWorkbench.undoExcludeFromTraining', () => this.undo()));
		// Balance Repeats renames images/<subset> and excluded/<subset> together: Undo puts the files back under the new names.
		this.register(onDidRenameSubsetFolders((renames) => {
			const last = this.lastExclusion;
			if (last) {
				this.lastExclusion = { ...last, moves: last.moves.map((m) => ({ from: followRenames(m.from, renames), to: followRenames(m.to, renames) })) };
			}
		}));
		this.register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, ExcludeImages.metadata));
	}

	/** On an image's problems, and on a caption's problems (the caption is a text file, so Problems offers it there too). */
	public provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
		const ours = context.diagnostics.filter((d) => d.source === 'lora');
		const image = ours.length > 0 && document.uri.scheme === 'file' ? this.imageAt(document.uri.fsPath)?.image : undefined;
		if (!image) {
			return [];
		}
		const action = new vscode.CodeAction(`Exclude ${image.name} from training (moves it and its caption to excluded/)`, vscode.CodeActionKind.QuickFix);
		action.diagnostics = ours;
		action.command = { command: 'loraWorkbench.excludeFromTraining', title: 'Exclude from Training', arguments: [vscode.Uri.file(image.path)] };
		return [action];
	}

	/** The subset image at `path` (an image or its caption) and its training folder. */
	private imageAt(path: string): { folder: TrainingFolder; image: DatasetImage } | undefined {
		const folder = this.services.trainingFolders.folderOf(path);
		const image = folder?.subsets.flatMap((s) => s.images).find((i) => i.path === path || i.captionPath === path);
		return folder && image ? { folder, image } : undefined;
	}

	/** Moves the images (and captions) of the training folders; returns what was moved, or undefined. */
	public async exclude(paths: readonly string[], prefix?: string): Promise<Exclusion | undefined> {
		await this.services.trainingFolders.ready();
		const byRoot = new Map<string, { folder: TrainingFolder; items: ExcludeItem[] }>();
		const unknown: string[] = [];
		for (const path of new Set(paths)) {
			const { folder, image } = this.imageAt(path) ?? {};
			if (!folder || !image) {
				unknown.push(path);
				continue;
			}
			const entry = byRoot.get(folder.root) ?? { folder, items: [] };
			entry.items.push({ image: image.path, caption: image.hasCaption ? image.captionPath : undefined });
			byRoot.set(folder.root, entry);
		}
		if (unknown.length > 0) {
			void vscode.window.showWarningMessage(`LoRA: not an image of a training folder's subset, so not excluded: ${unknown.map((p) => vscode.workspace.asRelativePath(p)).join(', ')}.`);
		}
		if (byRoot.size === 0) {
			return undefined;
		}
		if (byRoot.size > 1) {
			void vscode.window.showWarningMessage('LoRA: exclude the images of one training folder at a time.');
			return undefined;
		}
		const [{ folder, items }] = byRoot.values();
		let exclusion: Exclusion | undefined;
		try {
			exclusion = await withFolderLock(folder.root, 'exclude from training', async () => {
				const plans = await planExclusionOnDisk(folder.root, items);
				const moves = plans.flatMap((p) => p.moves);
				const edit = new vscode.WorkspaceEdit();
				const metadata: vscode.WorkspaceEditEntryMetadata = { label: 'Exclude from training', needsConfirmation: false };
				for (const move of moves) {
					edit.renameFile(vscode.Uri.file(move.from), vscode.Uri.file(move.to), { overwrite: false }, metadata);
				}
				return (await vscode.workspace.applyEdit(edit)) ? { root: folder.root, moves } : undefined;
			});
		} catch (err) {
			if (err instanceof FolderLockedError) {
				void vscode.window.showWarningMessage(`LoRA: ${err.message}`);
				return undefined;
			}
			throw err;
		}
		if (!exclusion) {
			void vscode.window.showErrorMessage(`LoRA: could not move ${items.map((i) => basename(i.image)).join(', ')} to ${relative(folder.root, dirname(items[0].image)).replace(/^(images|reg)/, 'excluded')}; check that the training folder is writable.`);
			return undefined;
		}
		this.last = exclusion;
		// The rename events clear the problems too; this does not wait for them.
		this.services.health.forget(exclusion.moves.map((m) => m.from));
		await this.services.trainingFolders.refresh(folder.root);
		const count = items.length;
		const where = [...new Set(exclusion.moves.map((m) => relative(folder.root, dirname(m.to))))].join(', ');
		const what = count === 1 ? `${basename(items[0].image)}${items[0].caption ? ' and its caption' : ''}` : `${count} images${items.some((i) => i.caption) ? ' and their captions' : ''}`;
		const text = `${prefix ? `${prefix}. ` : ''}Excluded ${what} from training: moved to ${where}/, which sd-scripts does not read.`;
		void vscode.window.showInformationMessage(`LoRA: ${text}`, 'Undo').then((choice) => {
			if (choice === 'Undo' && this.last === exclusion) {
				void this.undo();
			}
		});
		return exclusion;
	}

	/** Puts the last exclusion back (one WorkspaceEdit: image and caption together). */
	public async undo(): Promise<boolean> {
		const exclusion = this.last;
		if (!exclusion) {
			void vscode.window.showInformationMessage('LoRA: nothing to undo: no image was excluded in this session.');
			return false;
		}
		const edit = new vscode.WorkspaceEdit();
		for (const move of [...exclusion.moves].reverse()) {
			edit.renameFile(vscode.Uri.file(move.to), vscode.Uri.file(move.from), { overwrite: false }, { label: 'Undo exclude from training', needsConfirmation: false });
		}
		if (!(await vscode.workspace.applyEdit(edit))) {
			void vscode.window.showErrorMessage(`LoRA: could not put ${exclusion.moves.map((m) => basename(m.from)).join(', ')} back: a file of that name is there again, or the excluded files were moved.`);
			return false;
		}
		this.last = undefined;
		await this.services.trainingFolders.refresh(exclusion.root);
		return true;
	}
}
