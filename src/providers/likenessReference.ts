import * as vscode from 'vscode';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { likenessSettingsFromYaml } from '../core/likeness/likeness';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';

/**
 * "Use as Likeness Reference" on an image (Explorer, Dataset view): adds it to `likeness.reference` in the training
 * folder's lora-workbench.yaml, so faces are compared with the user's pictures of the person instead of the
 * dataset's own centre. One WorkspaceEdit on the settings file: Undo takes it back.
 */
export class LikenessReference extends Disposable {
	public static register(services: WorkbenchServices): LikenessReference {
		return new LikenessReference(services);
	}

	private constructor(private readonly services: WorkbenchServices) {
		super();
		this.register(vscode.commands.registerCommand('loraWorkbench.useAsLikenessReference', (arg?: unknown) => this.use(arg)));
	}

	private async use(arg: unknown): Promise<string[] | undefined> {
		const path = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : (arg as { path?: unknown } | undefined)?.path;
		const image = typeof path === 'string' ? path : vscode.window.activeTextEditor?.document.uri.fsPath;
		if (!image) {
			void vscode.window.showWarningMessage('Use as Likeness Reference works on an image: run it from the image\'s menu in the Explorer or the Dataset view.');
			return undefined;
		}
		const folder = await pickTrainingFolder(this.services.trainingFolders, vscode.Uri.file(image), { title: `LoRA: ${basename(image)} is a reference for which training folder?` });
		if (!folder) {
			return undefined;
		}
		const inside = !relative(folder.root, image).startsWith('..') && !isAbsolute(relative(folder.root, image));
		// Relative inside the folder (it moves with it), absolute outside; forward slashes so the file reads the same everywhere.
		const entry = inside ? relative(folder.root, image).split(sep).join('/') : image;
		const current = likenessSettingsFromYaml(folder.settings.raw, folder.root).reference;
		const raw = (folder.settings.raw.likeness as { reference?: unknown } | undefined)?.reference;
		const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : [];
		if (current.includes(image)) {
			void vscode.window.showInformationMessage(`${basename(image)} is already a likeness reference of ${basename(folder.root)}.`);
			return listed;
		}
		const next = [...listed, entry];
		await editSettingsFile(folder.root, [{ path: ['likeness', 'reference'], value: next }], 'Use as likeness reference');
		await this.services.trainingFolders.refresh(folder.root);
		void vscode.window.showInformationMessage(`${basename(image)} is now a likeness reference of ${basename(folder.root)} (likeness.reference in lora-workbench.yaml): Check Images and Compare Epochs compare faces with your references from now on.`);
		return next;
	}
}
