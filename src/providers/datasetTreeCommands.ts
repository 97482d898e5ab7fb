import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import { IMAGE_EXTENSIONS, classifyImageName } from '../core/datasetParse';
import { SETTINGS_FILE_NAME, renameSettingsKey } from '../core/settings';
import type { Subset, TrainingFolder } from '../core/dataset';
import type { DatasetNode } from './datasetTreeNodes';
import { CAPTION_EDITOR_VIEW_TYPE as CAPTION_EDITOR, openCaptionAsText } from './captionEditor/openAsText';
import { countOf } from '../core/plural';

function hasCaptionEditor(): boolean {
	return vscode.extensions.all.some((ext) => (ext.packageJSON?.contributes?.customEditors ?? [])
		.some((e: { viewType?: string }) => e.viewType === CAPTION_EDITOR));
}

async function openImageCaption(captionUri: vscode.Uri): Promise<void> {
	const exists = await fs.stat(captionUri.fsPath).then(() => true, () => false);
	if (exists && hasCaptionEditor()) {
		await vscode.commands.executeCommand('vscode.openWith', captionUri, CAPTION_EDITOR);
	} else {
		await openCaptionAsText(captionUri);
	}
}

function locate(services: WorkbenchServices, node: DatasetNode | undefined): { folder: TrainingFolder; subset?: Subset } | undefined {
	if (!node) {
		return undefined;
	}
	const folder = services.trainingFolders.get(node.root);
	if (!folder) {
		return undefined;
	}
	const dir = node.kind === 'subset' || node.kind === 'image' || node.kind === 'more' ? node.dir : undefined;
	return { folder, subset: dir ? folder.subsets.find((s) => s.dir === dir) : undefined };
}

function pathOf(node: DatasetNode): string {
	return node.kind === 'image' ? node.path : node.kind === 'subset' ? node.dir : node.root;
}

/** Adds the settings-file key rename for a renamed subset folder to the same edit, so one undo reverts both. */
async function renameSubsetKeyInSettings(edit: vscode.WorkspaceEdit, folder: TrainingFolder, oldKey: string, newKey: string): Promise<void> {
	if (!folder.settingsFileExists || !folder.settings.subsets[oldKey]) {
		return;
	}
	const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder.root, SETTINGS_FILE_NAME)));
	const text = document.getText();
	const next = renameSettingsKey(text, ['subsets'], oldKey, newKey);
	if (next !== text) {
		edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), next);
	}
}

async function renameSubsetRepeats(services: WorkbenchServices, node: DatasetNode | undefined): Promise<void> {
	const located = locate(services, node);
	const subset = located?.subset;
	if (!located || !subset) {
		return;
	}
	const value = await vscode.window.showInputBox({
		title: `Repeats for ${subset.name}`,
		prompt: 'How often sd-scripts shows each image of this subset per epoch. The folder is renamed <repeats>_<class tokens>.',
		value: String(subset.repeats),
		validateInput: (text) => (/^\d+$/.test(text.trim()) && Number(text) >= 1 ? undefined : 'Enter a whole number of 1 or more.'),
	});
	if (value === undefined || Number(value) === subset.repeats) {
		return;
	}
	const newName = subset.classTokens.length > 0 ? `${Number(value)}_${subset.classTokens}` : String(Number(value));
	const target = join(dirname(subset.dir), newName);
	if (await fs.stat(target).then(() => true, () => false)) {
		void vscode.window.showErrorMessage(`${target} already exists; merge or rename it first.`);
		return;
	}
	const edit = new vscode.WorkspaceEdit();
	edit.renameFile(vscode.Uri.file(subset.dir), vscode.Uri.file(target));
	const prefix = subset.isReg ? 'reg' : 'images';
	await renameSubsetKeyInSettings(edit, located.folder, subset.key, `${prefix}/${newName}`);
	if (!(await vscode.workspace.applyEdit(edit))) {
		void vscode.window.showErrorMessage(`Could not rename ${subset.dir}. Is a file in it open in another program?`);
		return;
	}
	await services.trainingFolders.refresh(located.folder.root);
}

/** A free name in `dir` for `name`: `a.png`, then `a-1.png`, `a-2.png`... */
async function freeName(dir: string, name: string, taken: Set<string>): Promise<string> {
	const extension = extname(name);
	const stem = name.slice(0, name.length - extension.length);
	for (let i = 0; ; i++) {
		const candidate = i === 0 ? name : `${stem}-${i}${extension}`;
		if (!taken.has(candidate) && !(await fs.stat(join(dir, candidate)).then(() => true, () => false))) {
			taken.add(candidate);
			return candidate;
		}
	}
}

async function addImagesToSubset(services: WorkbenchServices, node: DatasetNode | undefined): Promise<void> {
	const located = locate(services, node);
	const subset = located?.subset;
	if (!located || !subset) {
		return;
	}
	const picked = await vscode.window.showOpenDialog({
		canSelectMany: true, openLabel: `Copy into ${subset.name}`,
		filters: { Images: ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'PNG', 'JPG', 'JPEG', 'WEBP', 'BMP'] },
	});
	if (!picked || picked.length === 0) {
		return;
	}
	const captionExtension = located.folder.training.captionExtension;
	const edit = new vscode.WorkspaceEdit();
	const taken = new Set<string>();
	const skipped: string[] = [];
	for (const source of picked) {
		if (classifyImageName(basename(source.fsPath), 'win32') !== 'image') {
			skipped.push(basename(source.fsPath));
			continue;
		}
		// sd-scripts on Linux/macOS misses `.Jpg`; copy in with a lower-case extension.
		const cleanName = basename(source.fsPath).replace(/\.[^.]+$/, (e) => e.toLowerCase());
		const name = await freeName(subset.dir, cleanName, taken);
		edit.createFile(vscode.Uri.file(join(subset.dir, name)), { contents: await fs.readFile(source.fsPath) });
		const sourceCaption = source.fsPath.slice(0, source.fsPath.length - extname(source.fsPath).length) + captionExtension;
		const caption = await fs.readFile(sourceCaption).catch(() => undefined);
		if (caption) {
			edit.createFile(vscode.Uri.file(join(subset.dir, name.slice(0, name.length - extname(name).length) + captionExtension)), { contents: caption });
		}
	}
	if (edit.size > 0 && !(await vscode.workspace.applyEdit(edit))) {
		void vscode.window.showErrorMessage(`Could not copy the images into ${subset.dir}; check that the folder is writable.`);
		return;
	}
	if (skipped.length > 0) {
		void vscode.window.showWarningMessage(`Not copied (sd-scripts does not read these formats; convert to PNG or JPEG): ${skipped.join(', ')}`);
	}
	await services.trainingFolders.refresh(located.folder.root);
}

async function moveImageToSubset(services: WorkbenchServices, node: DatasetNode | undefined): Promise<void> {
	const located = locate(services, node);
	if (!located || !located.subset || node?.kind !== 'image') {
		return;
	}
	const image = located.subset.images.find((i) => i.path === node.path);
	if (!image) {
		return;
	}
	const choices = located.folder.subsets.filter((s) => s.dir !== located.subset!.dir)
		.map((s) => ({ label: s.isReg ? `reg/${s.name}` : s.name, description: `${s.role} · ${countOf(s.images.length, 'image')}`, subset: s }));
	if (choices.length === 0) {
		void vscode.window.showInformationMessage('This training folder has no other subset to move the image to.');
		return;
	}
	const choice = await vscode.window.showQuickPick(choices, { title: `Move ${image.name} (and its caption) to` });
	if (!choice) {
		return;
	}
	const target = join(choice.subset.dir, image.name);
	const targetCaption = join(choice.subset.dir, basename(image.captionPath));
	for (const path of image.hasCaption ? [target, targetCaption] : [target]) {
		if (await fs.stat(path).then(() => true, () => false)) {
			void vscode.window.showErrorMessage(`${path} already exists; rename one of the images first.`);
			return;
		}
	}
	const edit = new vscode.WorkspaceEdit();
	edit.renameFile(vscode.Uri.file(image.path), vscode.Uri.file(target));
	if (image.hasCaption) {
		edit.renameFile(vscode.Uri.file(image.captionPath), vscode.Uri.file(targetCaption));
	}
	if (!(await vscode.workspace.applyEdit(edit))) {
		void vscode.window.showErrorMessage(`Could not move ${image.path}.`);
		return;
	}
	await services.trainingFolders.refresh(located.folder.root);
}

/** What the commands need of the tree's data provider (datasetTree.ts, which registers them). */
export interface DatasetTreePaging {
	showMore(node: Extract<DatasetNode, { kind: 'more' }>): void;
}

export function registerDatasetCommands(services: WorkbenchServices, provider: DatasetTreePaging, view: vscode.TreeView<DatasetNode>): vscode.Disposable {
	const captionUriOf = (arg: vscode.Uri | DatasetNode | undefined): vscode.Uri | undefined => {
		if (arg instanceof vscode.Uri) {
			return arg;
		}
		const node = arg ?? view.selection[0];
		if (node?.kind !== 'image') {
			return undefined;
		}
		const image = services.trainingFolders.get(node.root)?.subsets.find((s) => s.dir === node.dir)?.images.find((i) => i.path === node.path);
		return image ? vscode.Uri.file(image.captionPath) : undefined;
	};
	return vscode.Disposable.from(
		vscode.commands.registerCommand('loraWorkbench.openImageCaption', async (arg?: vscode.Uri | DatasetNode) => {
			// The caption editor opens an image's caption, and a captionless image with an empty caption ready to fill.
			const node = arg instanceof vscode.Uri ? undefined : arg ?? view.selection[0];
			const imagePath = arg instanceof vscode.Uri ? (IMAGE_EXTENSIONS.includes(extname(arg.fsPath).toLowerCase()) ? arg.fsPath : undefined)
				: node?.kind === 'image' ? node.path : undefined;
			if (imagePath && hasCaptionEditor()) {
				await vscode.commands.executeCommand('loraWorkbench.openCaptionEditor', vscode.Uri.file(imagePath));
				return;
			}
			const uri = captionUriOf(arg);
			if (uri) {
				await openImageCaption(uri);
			}
		}),
		vscode.commands.registerCommand('loraWorkbench.openCaptionAsText', async (arg?: vscode.Uri | DatasetNode) => {
			const uri = captionUriOf(arg);
			if (uri) {
				await openCaptionAsText(uri);
			}
		}),
		vscode.commands.registerCommand('loraWorkbench.revealDatasetItem', async (node?: DatasetNode) => {
			const target = node ?? view.selection[0];
			if (target) {
				await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(pathOf(target)));
			}
		}),
		vscode.commands.registerCommand('loraWorkbench.renameSubsetRepeats', (node?: DatasetNode) => renameSubsetRepeats(services, node ?? view.selection[0])),
		vscode.commands.registerCommand('loraWorkbench.addImagesToSubset', (node?: DatasetNode) => addImagesToSubset(services, node ?? view.selection[0])),
		vscode.commands.registerCommand('loraWorkbench.moveImageToSubset', (node?: DatasetNode) => moveImageToSubset(services, node ?? view.selection[0])),
		vscode.commands.registerCommand('loraWorkbench.showMoreImages', (node?: DatasetNode) => {
			if (node?.kind === 'more') {
				provider.showMore(node);
			}
		}),
		vscode.commands.registerCommand('loraWorkbench.refreshDataset', () => services.trainingFolders.refresh()),
	);
}
