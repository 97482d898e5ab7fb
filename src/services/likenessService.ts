import * as vscode from 'vscode';
import { cachedFaceModel } from '../core/images/modelCache';
import type { FaceDetector } from '../core/images/faceDetector';
import { ImageWorkers } from '../core/images/imageWorkers';
import { FolderLikeness, LikenessInputError, folderLikeness } from '../core/likeness/likeness';
import { IdentityModelError } from '../core/likeness/identityModel';
import { NativeModuleError } from '../core/nativeModules';
import { Disposable } from '../util/dispose';
import type { TrainingFolder } from '../core/dataset';

/**
 * The likeness report for the features that show it (Compare Epochs, the Checkpoints view): a YuNet detector made
 * on the first picture that is not in the embedding cache (the model file is the one the image checks use, from
 * loraWorkbench.images.faceModelPath or the pinned download in global storage), embeddings cached in global
 * storage. Off where face detection is off: in untrusted workspaces and with loraWorkbench.images.faceDetection.
 */
/**
 * The last report made for each root, sample folder and output name, by any of the services (Compare Epochs,
 * the Checkpoints view and the loss panel each have one): the loss panel draws one at once instead of making it.
 */
const finished = new Map<string, FolderLikeness>();

export class LikenessService extends Disposable {
	private detector: Promise<FaceDetector> | undefined;
	/** One report per root and sample folder at a time: the view and the panel ask together. */
	private readonly running = new Map<string, Promise<FolderLikeness | { reason: string }>>();

	/** `folders`: the scanned training folders, so that a report reuses the service's scan instead of making its own. */
	constructor(private readonly storageUri: vscode.Uri, private readonly log: vscode.LogOutputChannel, private readonly folders?: { get(root: string): TrainingFolder | undefined }) {
		super();
		this.register(vscode.workspace.onDidChangeConfiguration((e) => {
			if (e.affectsConfiguration('loraWorkbench.images')) {
				void this.reset();
			}
		}));
		this.register({ dispose: () => void this.reset() });
	}

	/** Why likeness cannot run here, or undefined when it can. */
	public unavailable(): string | undefined {
		if (!vscode.workspace.isTrusted) {
			return 'Likeness scores are off in an untrusted workspace (they run face models). Trust the workspace to see them.';
		}
		if (!vscode.workspace.getConfiguration('loraWorkbench.images').get<boolean>('faceDetection', true)) {
			return 'Likeness scores are off with face detection (loraWorkbench.images.faceDetection).';
		}
		return undefined;
	}

	/** The folder's report (with the epochs of `sampleDir` when given), or why there is none, said for the user. */
	public report(root: string, sampleDir?: string, outputName?: string): Promise<FolderLikeness | { reason: string }> {
		const key = reportKey(root, sampleDir, outputName);
		let running = this.running.get(key);
		if (!running) {
			running = this.compute(root, sampleDir, outputName).then((report) => {
				if (!('reason' in report)) {
					finished.set(key, report);
				}
				return report;
			}).finally(() => this.running.delete(key));
			this.running.set(key, running);
		}
		return running;
	}

	/** The last report already made for these arguments (by any likeness service), without making one. */
	public cached(root: string, sampleDir?: string, outputName?: string): FolderLikeness | undefined {
		return finished.get(reportKey(root, sampleDir, outputName));
	}

	private async compute(root: string, sampleDir?: string, outputName?: string): Promise<FolderLikeness | { reason: string }> {
		const off = this.unavailable();
		if (off) {
			return { reason: off };
		}
		try {
			return await folderLikeness(this.folders?.get(root) ?? root, { cacheDir: vscode.Uri.joinPath(this.storageUri, 'likeness').fsPath, detector: () => this.getDetector() }, sampleDir, outputName);
		} catch (err) {
			if (err instanceof LikenessInputError || err instanceof IdentityModelError || err instanceof NativeModuleError) {
				return { reason: err.message };
			}
			this.log.error(`likeness: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
			return { reason: `The likeness report failed: ${err instanceof Error ? err.message : String(err)}` };
		}
	}

	private getDetector(): Promise<FaceDetector> {
		this.detector ??= (async () => {
			const configured = vscode.workspace.getConfiguration('loraWorkbench.images').get<string>('faceModelPath', '').trim();
			// Never a download from here (a view refreshing in the background): the image checks fetch the model, with progress.
			const path = configured || cachedFaceModel(vscode.Uri.joinPath(this.storageUri, 'models').fsPath);
			if (!path) {
				throw new LikenessInputError('The face model is not on this machine yet: run LoRA: Check Images once (it downloads YuNet), or set loraWorkbench.images.faceModelPath.');
			}
			// In a worker thread: YuNet's run() would block the extension host ~25 ms per picture.
			return (await ImageWorkers.start({ threads: 1, faceModelPath: path })).detector;
		})();
		this.detector.catch(() => {
			this.detector = undefined; // a failed load (no network for the download) may work on the next try
		});
		return this.detector;
	}

	private async reset(): Promise<void> {
		const previous = this.detector;
		this.detector = undefined;
		await previous?.then((d) => d.release(), () => undefined);
	}
}

function reportKey(root: string, sampleDir?: string, outputName?: string): string {
	return `${root}\n${sampleDir ?? ''}\n${outputName ?? ''}`;
}
