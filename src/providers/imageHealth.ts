import * as vscode from 'vscode';
import { basename, sep } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CheckReport, checkImages } from '../core/images/checkImages';
import { ImageProblem, ImageProblemCode } from '../core/images/types';
import type { FaceDetector } from '../core/images/faceDetector';
import { NativeModuleError } from '../core/nativeModules';
import { Disposable } from '../util/dispose';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import { FaceDetectorProvider, imageOptionsFor } from './imageHealthDetector';
import { trainingSideOf } from '../core/images/checkFolder';
import { ImageHealthPanel } from './imageHealthPanel';
import { countOf } from '../core/plural';
import { folderLikeness } from '../core/likeness/likeness';
import { mergeLikenessProblems } from '../core/likeness/imageProblems';
import { regroupWithScenes } from '../core/likeness/sameShoot';
import { PoseCaptions } from './poseCaptions';

interface HealthServices {
	extensionUri: vscode.Uri;
	trainingFolders: TrainingFolderService;
	faces: FaceDetectorProvider;
	log: vscode.LogOutputChannel;
	/** Where identity embeddings are cached (per image content). */
	likenessCacheDir: string;
}

const SEVERITY: Record<ImageProblem['severity'], vscode.DiagnosticSeverity> = {
	error: vscode.DiagnosticSeverity.Error,
	warning: vscode.DiagnosticSeverity.Warning,
	info: vscode.DiagnosticSeverity.Information,
};

/**
 * Runs the image checks over a training folder ("LoRA: Check Images", "LoRA: Dataset Health"), puts the
 * problems in Problems (collection 'lora-images', source 'lora', on the image files) and keeps the last
 * report per folder for the health panel.
 */
export class ImageHealth extends Disposable {
	/** The last report per training folder root: the health panel's, trimmed as images go away. */
	private readonly lastReports = new Map<string, CheckReport>();
	private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lora-images'));
	private readonly checkedFiles = new Map<string, vscode.Uri[]>();
	/** Angle tags the measured head pose contradicts, on the captions (with a quick fix). */
	private readonly poseCaptions = this.register(new PoseCaptions());

	public static register(services: HealthServices): ImageHealth {
		return new ImageHealth(services);
	}

	private constructor(private readonly services: HealthServices) {
		super();
		this.register(vscode.commands.registerCommand('loraWorkbench.checkImages', (arg?: unknown) => this.checkCommand(arg, false)));
		this.register(vscode.commands.registerCommand('loraWorkbench.showDatasetHealth', (arg?: unknown) => this.checkCommand(arg, true)));
		// A deleted, excluded or moved image has no problems any more: drop them at once, not at the next check.
		this.register(vscode.workspace.onDidDeleteFiles((event) => this.forget(event.files.map((uri) => uri.fsPath))));
		this.register(vscode.workspace.onDidRenameFiles((event) => this.forget(event.files.map((f) => f.oldUri.fsPath))));
		// Deleted outside VS Code: the folder's rescan no longer lists the image.
		this.register(services.trainingFolders.onDidChange((change) => {
			const report = this.lastReports.get(change.root);
			if (report) {
				const listed = new Set(change.folder?.subsets.flatMap((s) => s.images.map((i) => i.path)) ?? []);
				this.forget([...new Set(report.problems.map((p) => p.file))].filter((file) => !listed.has(file)));
			}
		}));
	}

	/**
	 * Forgets the problems of files (or of everything under folders) that are gone: their diagnostics, their
	 * entries in the last report and the health panel. A duplicate group left with one image is no group: the
	 * problem of the image that stays goes too.
	 */
	/** The last report of a folder (what the health panel shows). */
	public lastReport(root: string): CheckReport | undefined {
		return this.lastReports.get(root);
	}

	public forget(paths: readonly string[]): void {
		if (paths.length === 0) {
			return;
		}
		const gone = (file: string) => paths.some((p) => file === p || file.startsWith(p + sep));
		for (const [root, report] of this.lastReports) {
			if (!report.problems.some((p) => gone(p.file))) {
				continue;
			}
			let problems = report.problems.filter((p) => !gone(p.file));
			const groupSizes = new Map<string, number>();
			const groupKey = (p: ImageProblem) => `${p.code}:${String(p.details.group)}`;
			const grouped = (p: ImageProblem) => (p.code === 'near-duplicate' || p.code === 'same-shoot') && p.details.group !== undefined;
			problems.filter(grouped).forEach((p) => groupSizes.set(groupKey(p), (groupSizes.get(groupKey(p)) ?? 0) + 1));
			problems = problems.filter((p) => !grouped(p) || (groupSizes.get(groupKey(p)) ?? 0) > 1);
			const groups = report.groups
				.map((g) => ({ ...g, files: g.files.filter((f) => !gone(f)), pairs: g.pairs.filter((pair) => !gone(pair.a) && !gone(pair.b)) }))
				.filter((g) => g.files.length > 1);
			const next: CheckReport = { ...report, problems, groups, analyses: report.analyses.filter((a) => !gone(a.entry.path)) };
			this.lastReports.set(root, next);
			this.publish(root, next);
			ImageHealthPanel.refresh(root, next);
		}
	}

	private async checkCommand(arg: unknown, showPanel: boolean): Promise<CheckReport | undefined> {
		await this.services.trainingFolders.ready();
		const folder = await pickTrainingFolder(this.services.trainingFolders, arg, { title: 'LoRA: check which training folder?' });
		if (!folder) {
			return undefined;
		}
		let report: CheckReport | undefined;
		try {
			report = await this.check(folder);
		} catch (err) {
			if (!(err instanceof NativeModuleError)) {
				throw err;
			}
			// sharp could not load (a package for another platform): one message naming the package to install.
			this.services.log.error(err.message);
			void vscode.window.showErrorMessage(err.message);
			return undefined;
		}
		if (report && showPanel) {
			ImageHealthPanel.show(this.services, folder, report, () => this.recheck(folder.root));
		}
		return report;
	}

	private async recheck(root: string): Promise<CheckReport | undefined> {
		await this.services.trainingFolders.refresh(root);
		const folder = this.services.trainingFolders.get(root);
		return folder ? this.check(folder) : undefined;
	}

	public async check(folder: TrainingFolder): Promise<CheckReport | undefined> {
		const entries = folder.subsets.flatMap((subset) => subset.images.map((image) => ({ path: image.path, role: subset.role, subset: subset.name })));
		const options = imageOptionsFor(folder.settings.raw, folder.training.enableBucket, trainingSideOf(folder.training.resolution));
		const { detector, workers, reason } = await this.services.faces.get();
		const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LoRA: checking ${countOf(entries.length, 'image')}`, cancellable: true }, async (progress, token) => {
			const abort = new AbortController();
			token.onCancellationRequested(() => abort.abort());
			let last = 0;
			return checkImages(entries, options, {
				workers,
				signal: abort.signal,
				onProgress: (done, total) => {
					progress.report({ message: `${done}/${total}`, increment: ((done - last) / total) * 100 });
					last = done;
				},
			});
		});
		if (!detector) {
			report.faceDetectorError = reason;
		} else {
			await this.addLikeness(folder, report, detector, options.disabled);
		}
		this.publish(folder.root, report);
		this.lastReports.set(folder.root, report);
		this.services.log.info(`image checks: ${basename(folder.root)}: ${countOf(report.analyses.length, 'image')}, ${countOf(report.problems.length, 'problem')}`);
		return report;
	}

	/**
	 * Who is in each picture: wrong-person and identity-unsure, and each face's distance on other-people. The
	 * embeddings are cached, so after the first check this costs reading small files. A failure (the identity
	 * model cannot load) is said beside the results; the image checks stand.
	 */
	private async addLikeness(folder: TrainingFolder, report: CheckReport, detector: FaceDetector, disabled: ReadonlySet<ImageProblemCode>): Promise<void> {
		try {
			const likeness = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'LoRA: comparing faces' },
				() => folderLikeness(folder.root, { cacheDir: this.services.likenessCacheDir, detector }));
			// With the faces' embeddings at hand, same-shoot groups also use the person, background and light.
			const t = imageOptionsFor(folder.settings.raw, folder.training.enableBucket, trainingSideOf(folder.training.resolution)).thresholds;
			const regrouped = regroupWithScenes(report, likeness.pictures, t.nearDuplicateDistance, t.sameShootDistance, likeness.identity.thresholds.unsure, disabled);
			report.groups = regrouped.groups;
			const merged = mergeLikenessProblems(regrouped.problems, likeness.identity, disabled);
			const byFile = new Map<string, ImageProblem[]>();
			for (const p of merged) {
				byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
			}
			report.problems = merged;
			await this.poseCaptions.update(folder, likeness);
			for (const analysis of report.analyses) {
				analysis.problems = byFile.get(analysis.entry.path) ?? [];
			}
			const notes = likeness.identity.referenceNotes;
			if (notes.length > 0) {
				report.faceDetectorError = [report.faceDetectorError, ...notes].filter(Boolean).join(' ');
			}
		} catch (err) {
			const message = err instanceof Error ? err.message : String(err);
			this.services.log.warn(`likeness: ${message}`);
			report.faceDetectorError = [report.faceDetectorError, `Faces were not compared with the person: ${message}`].filter(Boolean).join(' ');
		}
	}

	private publish(root: string, report: CheckReport): void {
		for (const uri of this.checkedFiles.get(root) ?? []) {
			this.diagnostics.delete(uri);
		}
		const byFile = new Map<string, vscode.Diagnostic[]>();
		for (const problem of report.problems) {
			const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), problem.message, SEVERITY[problem.severity]);
			diagnostic.source = 'lora';
			diagnostic.code = problem.code;
			const list = byFile.get(problem.file) ?? [];
			list.push(diagnostic);
			byFile.set(problem.file, list);
		}
		const uris: vscode.Uri[] = [];
		for (const [file, list] of byFile) {
			const uri = vscode.Uri.file(file);
			this.diagnostics.set(uri, list);
			uris.push(uri);
		}
		this.checkedFiles.set(root, uris);
	}
}
