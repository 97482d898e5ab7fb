import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import type { Subset, TrainingFolder } from '../core/dataset';
import { restoreOriginal } from '../core/images/cropOutput';
import { ORIGINALS_DIR_NAME } from '../core/exclude';
import { readSourceInfo, SourceInfo } from '../core/images/decode';
import { NativeModuleError } from '../core/nativeModules';
import { TargetSize, targetSizeForRole } from '../core/images/types';
import { trainingSideOf } from '../core/images/checkFolder';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import { CropJob, CropperPanel, CropperSummary } from './cropper/cropperPanel';
import { FaceDetectorProvider } from './imageHealthDetector';
import { Disposable } from '../util/dispose';

interface ImportServices {
	extensionUri: vscode.Uri;
	trainingFolders: TrainingFolderService;
	faces: FaceDetectorProvider;
	log: vscode.LogOutputChannel;
}

const SOURCE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'tif', 'tiff', 'gif', 'avif', 'heic', 'heif', 'PNG', 'JPG', 'JPEG', 'WEBP'];

/**
 * "LoRA: Import Images" (sources from anywhere, cropped into a subset), "LoRA: Crop Wrong-Size Images"
 * (subset images re-cropped in place, originals kept under <root>/originals/) and "LoRA: Restore Original Image".
 */
export class ImportImages extends Disposable {
	public static register(services: ImportServices): vscode.Disposable {
		return new ImportImages(services);
	}

	private constructor(private readonly services: ImportServices) {
		super();
		this.register(vscode.commands.registerCommand('loraWorkbench.importImages', (arg?: unknown, sources?: vscode.Uri[]) => this.importImages(arg, sources)));
		this.register(vscode.commands.registerCommand('loraWorkbench.cropWrongSizeImages', (arg?: unknown) => this.cropWrongSize(arg)));
		this.register(vscode.commands.registerCommand('loraWorkbench.restoreOriginalImage', (arg?: unknown) => this.restore(arg)));
	}

	/** `arg`: a subset folder (Uri or path) from the tree or a test; `sources`: skip the file picker. */
	private async importImages(arg?: unknown, sources?: vscode.Uri[]): Promise<CropperPanel | undefined> {
		await this.services.trainingFolders.ready();
		const picked = sources ?? await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Import', title: 'LoRA: pick source images', filters: { Images: SOURCE_EXTENSIONS } });
		if (!picked?.length) {
			return undefined;
		}
		const subset = await this.pickSubset(arg);
		if (!subset) {
			return undefined;
		}
		// The folder's training side: 512 for SD1.5, 1024 for the SDXL and Flux.1 presets (issue 18).
		const target = await this.targetFor(subset.subset, trainingSideOf(subset.folder.training.resolution));
		if (!target) {
			return undefined;
		}
		const jobs: CropJob[] = picked.map((uri) => ({ source: uri.fsPath, mode: 'import', outDir: subset.subset.dir, root: subset.folder.root }));
		return this.openCropper(`Crop: ${subset.subset.name}`, target, jobs, subset.folder.root);
	}

	private async cropWrongSize(arg?: unknown): Promise<CropperPanel | undefined> {
		await this.services.trainingFolders.ready();
		const folder = await pickTrainingFolder(this.services.trainingFolders, arg, { title: 'LoRA: which training folder?' });
		if (!folder) {
			return undefined;
		}
		const byTarget = new Map<string, { target: TargetSize; jobs: CropJob[] }>();
		for (const subset of folder.subsets.filter((s) => !s.isReg)) {
			const target = targetSizeForRole(subset.role, trainingSideOf(folder.training.resolution));
			if (!target) {
				continue;
			}
			for (const image of subset.images) {
				let info: SourceInfo | undefined;
				try {
					info = await readSourceInfo(image.path);
				} catch (err) {
					if (err instanceof NativeModuleError) {
						// sharp could not load: say which package to install, not "every image has its size".
						void vscode.window.showErrorMessage(err.message);
						return undefined;
					}
				}
				if (info && (info.width !== target.width || info.height !== target.height)) {
					const key = `${target.width}x${target.height}`;
					const group = byTarget.get(key) ?? { target, jobs: [] };
					group.jobs.push({ source: image.path, mode: 'recrop', outDir: subset.dir, root: folder.root });
					byTarget.set(key, group);
				}
			}
		}
		if (byTarget.size === 0) {
			void vscode.window.showInformationMessage(`LoRA: every face and body image in ${basename(folder.root)} already has its target size.`);
			return undefined;
		}
		let panel: CropperPanel | undefined;
		// One cropper per target size (face 512x512, body 512x768).
		for (const { target, jobs: group } of byTarget.values()) {
			panel = await this.openCropper(`Re-crop to ${target.width}x${target.height}: ${basename(folder.root)}`, target, group, folder.root);
		}
		return panel;
	}

	private async openCropper(title: string, target: TargetSize, jobs: CropJob[], root: string): Promise<CropperPanel | undefined> {
		const { detector, reason } = await this.services.faces.get();
		const panel = await CropperPanel.open(this.services, title, target, jobs, detector, reason);
		panel?.onDidFinish((summary) => this.reportDone(summary, root));
		return panel;
	}

	private reportDone(summary: CropperSummary, root: string): void {
		void this.services.trainingFolders.refresh(root);
		const parts = [`${summary.written.length} written`, `${summary.skipped.length} skipped`];
		if (summary.failed.length) {
			parts.push(`${summary.failed.length} failed (see the cropper for why)`);
		}
		void vscode.window.showInformationMessage(`LoRA: crops done: ${parts.join(', ')}.`);
	}

	private async restore(arg?: unknown): Promise<void> {
		await this.services.trainingFolders.ready();
		let image = uriOrPath(arg);
		let folder = image ? this.services.trainingFolders.folderOf(image) : undefined;
		if (!image) {
			const choices: Array<vscode.QuickPickItem & { image: string; folder: TrainingFolder }> = [];
			for (const f of this.services.trainingFolders.folders()) {
				for (const subset of f.subsets) {
					const kept = await fs.readdir(join(f.root, ORIGINALS_DIR_NAME, subset.name)).catch(() => [] as string[]);
					choices.push(...kept.map((name) => ({ label: name, description: `${basename(f.root)}/${subset.name}`, image: join(subset.dir, name), folder: f })));
				}
			}
			if (choices.length === 0) {
				void vscode.window.showInformationMessage('LoRA: no originals are kept (nothing was re-cropped).');
				return;
			}
			const choice = await vscode.window.showQuickPick(choices, { title: 'LoRA: restore which original?' });
			image = choice?.image;
			folder = choice?.folder;
		}
		if (!image || !folder) {
			return;
		}
		try {
			await restoreOriginal(folder.root, image);
			void this.services.trainingFolders.refresh(folder.root);
			void vscode.window.showInformationMessage(`LoRA: restored the original of ${basename(image)}.`);
		} catch (err) {
			void vscode.window.showErrorMessage(`LoRA: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	private async pickSubset(arg?: unknown): Promise<{ folder: TrainingFolder; subset: Subset } | undefined> {
		const path = uriOrPath(arg);
		const candidates = this.services.trainingFolders.folders().flatMap((folder) => folder.subsets.filter((s) => !s.isReg).map((subset) => ({ folder, subset })));
		const fromArg = path ? candidates.find((c) => c.subset.dir === path) : undefined;
		if (fromArg) {
			return fromArg;
		}
		if (candidates.length === 0) {
			void vscode.window.showWarningMessage('LoRA: no subset to import into. Create a training folder first ("LoRA: New Training Folder").');
			return undefined;
		}
		const choice = await vscode.window.showQuickPick(candidates.map((c) => ({ label: c.subset.name, description: `${basename(c.folder.root)} · ${c.subset.role}`, value: c })), { title: 'LoRA: import into which subset?' });
		return choice?.value;
	}

	private async targetFor(subset: Subset, side: number): Promise<TargetSize | undefined> {
		const known = targetSizeForRole(subset.role, side);
		if (known) {
			return known;
		}
		const face = targetSizeForRole('face', side) ?? { width: side, height: side };
		const body = targetSizeForRole('body', side) ?? { width: side, height: side };
		const choice = await vscode.window.showQuickPick([
			{ label: `${face.width}x${face.height}`, description: 'face close-up: top of the hair to the shoulders', size: face },
			{ label: `${body.width}x${body.height}`, description: 'body: head to waist', size: body },
		], { title: `LoRA: ${subset.name} has no role yet; crop to which size?` });
		return choice?.size;
	}
}

function uriOrPath(arg: unknown): string | undefined {
	if (arg instanceof vscode.Uri) {
		return arg.fsPath;
	}
	if (typeof arg === 'string') {
		return arg;
	}
	const resourceUri = (arg as { resourceUri?: unknown } | undefined)?.resourceUri;
	return resourceUri instanceof vscode.Uri ? resourceUri.fsPath : undefined;
}
