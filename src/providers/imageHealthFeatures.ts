import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { CheckReport } from '../core/images/checkImages';
import { Disposable } from '../util/dispose';
import { ImageHealth } from './imageHealth';
import { FaceDetectorProvider } from './imageHealthDetector';
import { ImportImages } from './importImages';
import { Exclusion, ExcludeImages } from './excludeImages';

/** What integration tests read and drive of the image features (the health panel and the cropper: through `testing.webviews`). */
export interface ImagesTesting {
	lastReport(root: string): CheckReport | undefined;
	/** The last "Exclude from training" (undefined once undone). */
	lastExclusion(): Exclusion | undefined;
	/** What the notification's Undo does. */
	undoExclusion(): Promise<boolean>;
}

/** The image features together: one face detector shared by the checks, the health report and the cropper. */
export class ImageFeatures extends Disposable {
	public readonly testing: ImagesTesting = {
		lastReport: (root) => this.health?.lastReport(root),
		lastExclusion: () => this.exclude?.last,
		undoExclusion: async () => this.exclude?.undo() ?? false,
	};
	private exclude: ExcludeImages | undefined;
	private health: ImageHealth | undefined;

	public static register(services: WorkbenchServices): ImageFeatures {
		return new ImageFeatures(services);
	}

	private constructor(services: WorkbenchServices) {
		super();
		const faces = this.register(new FaceDetectorProvider(services.globalStorageUri, services.log));
		const likenessCacheDir = vscode.Uri.joinPath(services.globalStorageUri, 'likeness').fsPath;
		const shared = { extensionUri: services.extensionUri, trainingFolders: services.trainingFolders, faces, log: services.log, likenessCacheDir };
		const health = this.register(ImageHealth.register(shared));
		this.health = health;
		this.exclude = this.register(ExcludeImages.register({ trainingFolders: services.trainingFolders, health }));
		this.register(ImportImages.register(shared));
	}
}
