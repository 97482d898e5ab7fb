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
import { collectImportSources, describeImportDuplicate, findImportDuplicates, hashForImport, ImportDuplicate, ImportHashes, IMPORT_EXTENSIONS } from '../core/images/importSources';
import { proposeCrop } from '../core/images/cropProposal';
import { defaultThresholds } from '../core/images/options';
import { countOf } from '../core/plural';
import { isCutBadly, withBucketsOn } from '../core/bucketPreview';
import { SETTINGS_FILE_NAME } from '../core/settings';
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

const SOURCE_EXTENSIONS = [...IMPORT_EXTENSIONS, ...IMPORT_EXTENSIONS.map((e) => e.toUpperCase())];

/** The fixes of a `bucket-crop` warning. */
export type BucketFix = 'buckets' | 'crop';

/** What to do with sources that look like images already in the subset; tests pass it to skip the question. */
export type DuplicateChoice = 'skip' | 'import';
export interface ImportOptions {
	duplicates?: DuplicateChoice;
}

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
		this.register(vscode.commands.registerCommand('loraWorkbench.importImages', (arg?: unknown, sources?: vscode.Uri[], options?: ImportOptions) => this.importImages(arg, sources, options)));
		// Explorer: the clicked item and the whole multi-selection (files and folders) are the sources.
		// `given` (tests, keybindings) names the subset and answers the duplicate question.
		this.register(vscode.commands.registerCommand('loraWorkbench.importAndCrop', (clicked?: vscode.Uri, selected?: vscode.Uri[], given?: ImportOptions & { subset?: string }) => {
			const sources = selected?.length ? selected : clicked instanceof vscode.Uri ? [clicked] : undefined;
			return this.importImages(given?.subset, sources, given);
		}));
		this.register(vscode.commands.registerCommand('loraWorkbench.cropWrongSizeImages', (arg?: unknown) => this.cropWrongSize(arg)));
		this.register(vscode.commands.registerCommand('loraWorkbench.restoreOriginalImage', (arg?: unknown) => this.restore(arg)));
		this.register(vscode.commands.registerCommand('loraWorkbench.fixBucketCrops', (arg?: unknown, subsetDir?: unknown, fix?: BucketFix) => this.fixBucketCrops(arg, subsetDir, fix)));
	}

	/**
	 * The one-click fix of a `bucket-crop` warning (the Dataset view's problem row): turn buckets on in
	 * lora-workbench.yaml (one undoable edit), or crop the images sd-scripts would cut to the resolution's size
	 * (the cropper, originals kept). `fix` skips the question (tests, keybindings).
	 */
	private async fixBucketCrops(arg: unknown, subsetDir: unknown, fix?: BucketFix): Promise<CropperPanel | boolean | undefined> {
		await this.services.trainingFolders.ready();
		const folder = await pickTrainingFolder(this.services.trainingFolders, arg);
		if (!folder) {
			return undefined;
		}
		const dir = uriOrPath(subsetDir);
		const cut = folder.subsets.filter((s) => !dir || s.dir === dir)
			.flatMap((s) => s.images.filter((i) => i.bucket && isCutBadly(i.bucket)).map((image) => ({ image, subset: s })));
		if (cut.length === 0) {
			void vscode.window.showInformationMessage(`LoRA: sd-scripts cuts nothing off in ${dir ? basename(dir) : basename(folder.root)}.`);
			return false;
		}
		const [w, h] = folder.training.resolution;
		const chosen = fix ?? (await vscode.window.showQuickPick([
			{ label: '$(symbol-ruler) Turn buckets on', description: 'enableBucket: true in lora-workbench.yaml', detail: 'Each picture trains in the bucket closest to its shape; little or nothing is cut.', fix: 'buckets' as const },
			{ label: `$(screen-full) Crop them to ${w}x${h}`, description: `${countOf(cut.length, 'image')}, originals kept under originals/`, detail: 'You choose what stays in the picture, instead of sd-scripts cutting the middle.', fix: 'crop' as const },
		], { title: `LoRA: sd-scripts would cut ${countOf(cut.length, 'image')} (resolution ${w}x${h}, buckets ${folder.training.enableBucket ? 'on' : 'off'})` }))?.fix;
		if (chosen === 'buckets') {
			return this.turnBucketsOn(folder);
		}
		if (chosen === 'crop') {
			const jobs: CropJob[] = cut.map(({ image, subset }) => ({ source: image.path, mode: 'recrop', outDir: subset.dir, root: folder.root }));
			return this.openCropper(`Crop to ${w}x${h}: ${basename(folder.root)}`, { width: w, height: h }, jobs, folder.root);
		}
		return undefined;
	}

	private async turnBucketsOn(folder: TrainingFolder): Promise<boolean> {
		const uri = vscode.Uri.file(join(folder.root, SETTINGS_FILE_NAME));
		const edit = new vscode.WorkspaceEdit();
		const metadata = { label: 'Turn buckets on', needsConfirmation: false };
		if (folder.settingsFileExists) {
			const document = await vscode.workspace.openTextDocument(uri);
			const text = document.getText();
			edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), withBucketsOn(text), metadata);
		} else {
			edit.createFile(uri, { ignoreIfExists: true }, metadata);
			edit.insert(uri, new vscode.Position(0, 0), withBucketsOn(undefined), metadata);
		}
		if (!(await vscode.workspace.applyEdit(edit))) {
			void vscode.window.showErrorMessage(`LoRA: could not edit ${uri.fsPath}; set training: enableBucket: true there by hand.`);
			return false;
		}
		await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath)?.save();
		await this.services.trainingFolders.refresh(folder.root);
		void vscode.window.showInformationMessage(`LoRA: buckets are on in ${basename(folder.root)}/${SETTINGS_FILE_NAME} (Ctrl+Z there undoes it).`);
		return true;
	}

	/**
	 * `arg`: a subset folder (Uri or path) from the tree or a test; `sources`: files and folders (read recursively,
	 * images only), skipping the picker; `options.duplicates`: the answer to the near-duplicate question.
	 */
	private async importImages(arg?: unknown, sources?: vscode.Uri[], options: ImportOptions = {}): Promise<CropperPanel | undefined> {
		await this.services.trainingFolders.ready();
		const picked = sources ?? await pickSources();
		if (!picked?.length) {
			return undefined;
		}
		const collected = await collectImportSources(picked.map((uri) => uri.fsPath));
		if (collected.problems.length > 0) {
			const named = collected.problems.slice(0, 5).map((p) => `${vscode.workspace.asRelativePath(p.path)}: ${p.reason}`).join('; ');
			void vscode.window.showWarningMessage(`LoRA: not imported: ${named}${collected.problems.length > 5 ? ` and ${collected.problems.length - 5} more` : ''}.`);
		}
		if (collected.images.length === 0) {
			const ignored = collected.ignored.length > 0 ? ` (${countOf(collected.ignored.length, 'file')} left out: not images)` : '';
			void vscode.window.showWarningMessage(`LoRA: no image to import among the sources${ignored}.`);
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
		const images = await this.leaveOutDuplicates(subset.subset, collected.images, target, options.duplicates);
		if (!images?.length) {
			return undefined;
		}
		const jobs: CropJob[] = images.map((source) => ({ source, mode: 'import', outDir: subset.subset.dir, root: subset.folder.root }));
		return this.openCropper(`Crop: ${subset.subset.name}`, target, jobs, subset.folder.root);
	}

	/**
	 * Compares the sources (the picture and its proposed crop) with the subset's images and asks what to do with
	 * near-duplicates (re-importing a photo used to write `<name>_2.png` silently). Undefined: cancelled.
	 */
	private async leaveOutDuplicates(subset: Subset, sources: string[], target: TargetSize, answer: DuplicateChoice | undefined): Promise<string[] | undefined> {
		let duplicates: ImportDuplicate[];
		try {
			duplicates = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LoRA: comparing ${countOf(sources.length, 'picture')} with ${subset.name}`, cancellable: true }, async (progress, token) => {
				const { detector } = await this.services.faces.get();
				const maxPixels = defaultThresholds.maxPixels;
				const existing: ImportHashes[] = [];
				for (const image of subset.images) {
					const hashed = await hashForImport(image.path, maxPixels);
					if (hashed) {
						existing.push(hashed);
					}
				}
				const hashed: ImportHashes[] = [];
				for (const source of sources) {
					if (token.isCancellationRequested) {
						return [];
					}
					progress.report({ message: basename(source), increment: 100 / sources.length });
					const hashes = await hashForImport(source, maxPixels, async (image, width, height) => {
						const faces = detector ? await detector.detect(image, defaultThresholds.faceScore) : [];
						return proposeCrop(width, height, target, faces).box;
					});
					if (hashes) {
						hashed.push(hashes);
					}
				}
				return findImportDuplicates(hashed, existing, defaultThresholds.nearDuplicateDistance);
			});
		} catch (err) {
			if (err instanceof NativeModuleError) {
				void vscode.window.showErrorMessage(err.message);
				return undefined;
			}
			throw err;
		}
		if (duplicates.length === 0) {
			return sources;
		}
		const listed = duplicates.slice(0, 8).map(describeImportDuplicate);
		const more = duplicates.length > 8 ? [`…and ${duplicates.length - 8} more`] : [];
		const choice = answer ?? await vscode.window.showWarningMessage(
			`${countOf(duplicates.length, 'picture')} of ${countOf(sources.length, 'picture')} ${duplicates.length === 1 ? 'looks' : 'look'} like ${duplicates.length === 1 ? 'an image' : 'images'} already in ${subset.name}.`,
			{ modal: true, detail: [...listed, ...more, '', 'The same picture twice teaches the LoRA that one image.'].join('\n') },
			{ title: 'Skip Duplicates', value: 'skip' as const },
			{ title: 'Import All', value: 'import' as const },
		).then((item) => item?.value);
		if (!choice) {
			return undefined;
		}
		const skipped = new Set(duplicates.map((d) => d.source));
		const kept = choice === 'skip' ? sources.filter((s) => !skipped.has(s)) : sources;
		if (kept.length === 0) {
			void vscode.window.showInformationMessage(`LoRA: nothing imported: every picture is already in ${subset.name}.`);
		}
		return kept;
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

/**
 * Files or folders. Only VS Code on macOS opens one dialog for both; elsewhere, and in the browser or Remote
 * build ("Please select a file" when a folder is chosen), the user says which first.
 */
async function pickSources(): Promise<vscode.Uri[] | undefined> {
	const title = 'LoRA: pick source images';
	const both = process.platform === 'darwin' && vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
	if (both) {
		return vscode.window.showOpenDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: true, openLabel: 'Import', title, filters: { Images: SOURCE_EXTENSIONS } });
	}
	const kind = await vscode.window.showQuickPick([
		{ label: '$(file-media) Pictures…', description: 'one or more image files', folders: false },
		{ label: '$(folder) Folders…', description: 'every image inside, sub-folders included', folders: true },
	], { title, placeHolder: 'Import pictures, or whole folders of them?' });
	if (!kind) {
		return undefined;
	}
	return kind.folders
		? vscode.window.showOpenDialog({ canSelectMany: true, canSelectFiles: false, canSelectFolders: true, openLabel: 'Import Folders', title })
		: vscode.window.showOpenDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: false, openLabel: 'Import', title, filters: { Images: SOURCE_EXTENSIONS } });
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
