import * as vscode from 'vscode';
import { ensureFaceModel } from '../core/images/faceModel';
import type { FaceDetector } from '../core/images/faceDetector';
import { ImageWorkers } from '../core/images/imageWorkers';
import { ImageCheckThresholds, imageCheckOptions, ImageCheckOptions } from '../core/images/options';
import { ImageProblemCode } from '../core/images/types';
import { imageSettingsFromYaml } from '../core/images/checkFolder';
import { Disposable } from '../util/dispose';

/**
 * The extension's face detection, made on first use: image worker threads (one per core), each with a YuNet
 * session of loraWorkbench.images.faceModelPath or of the model downloaded once (pinned SHA-256) into global
 * storage. The model never runs on the extension host's thread: its run() would block every view ~25 ms per
 * image. Check Images hands whole images to the workers; the cropper, import and likeness use `detector`.
 * Off in untrusted workspaces: it runs a model.
 */
export class FaceDetectorProvider extends Disposable {
	private detector: Promise<ImageWorkers> | undefined;
	private detectorKey: string | undefined;

	constructor(private readonly storageUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {
		super();
		this.register(vscode.workspace.onDidChangeConfiguration((e) => {
			if (e.affectsConfiguration('loraWorkbench.images')) {
				void this.reset();
			}
		}));
		this.register({ dispose: () => void this.reset() });
	}

	/** The detector and its workers, or the reason there is none (shown to the user beside the results). */
	public async get(): Promise<{ detector?: FaceDetector; workers?: ImageWorkers; reason?: string }> {
		if (!vscode.workspace.isTrusted) {
			return { reason: 'Face detection is off in an untrusted workspace (it runs a model). Trust the workspace to check faces.' };
		}
		const config = vscode.workspace.getConfiguration('loraWorkbench.images');
		if (!config.get<boolean>('faceDetection', true)) {
			return { reason: 'Face detection is off (loraWorkbench.images.faceDetection).' };
		}
		const configured = config.get<string>('faceModelPath', '').trim();
		const key = configured || '<download>';
		if (!this.detector || this.detectorKey !== key) {
			await this.reset();
			this.detectorKey = key;
			this.detector = this.create(configured);
		}
		try {
			const workers = await this.detector;
			return { detector: workers.detector, workers };
		} catch (err) {
			this.detector = undefined;
			const reason = err instanceof Error ? err.message : String(err);
			this.log.warn(`face detector: ${reason}`);
			return { reason };
		}
	}

	private async create(configured: string): Promise<ImageWorkers> {
		const modelPath = configured || await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Window, title: 'LoRA: getting the face model' },
			() => ensureFaceModel({ cacheDir: vscode.Uri.joinPath(this.storageUri, 'models').fsPath }),
		);
		this.log.info(`face detector: ${modelPath}`);
		return ImageWorkers.start({ faceModelPath: modelPath });
	}

	private async reset(): Promise<void> {
		const previous = this.detector;
		this.detector = undefined;
		this.detectorKey = undefined;
		await previous?.then((d) => d.release(), () => undefined);
	}
}

/** Check options from VS Code settings, with the folder's lora-workbench.yaml `images:` section on top. */
export function imageOptionsFor(raw: Record<string, unknown>, bucketsEnabled: boolean, trainingSide = 512): ImageCheckOptions {
	const config = vscode.workspace.getConfiguration('loraWorkbench.images');
	const yaml = imageSettingsFromYaml(raw);
	const disabled = [...config.get<string[]>('disabledChecks', []), ...yaml.disabled] as ImageProblemCode[];
	return imageCheckOptions({
		bucketsEnabled,
		trainingSide,
		disabled: new Set(disabled),
		thresholds: { ...config.get<Partial<ImageCheckThresholds>>('thresholds', {}), ...yaml.thresholds },
	});
}
