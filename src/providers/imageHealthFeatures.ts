import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { CheckReport } from '../core/images/checkImages';
import { HealthHostMessage } from '../core/protocol/health';
import { Disposable } from '../util/dispose';
import { CropperPanel } from './cropper/cropperPanel';
import { ImageHealth } from './imageHealth';
import { FaceDetectorProvider } from './imageHealthDetector';
import { ImageHealthPanel } from './imageHealthPanel';
import { ImportImages } from './importImages';
import { Exclusion, ExcludeImages } from './excludeImages';

/** What integration tests read and drive of the image features. */
export interface ImagesTesting {
	cropper(): CropperPanel | undefined;
	lastReport(root: string): CheckReport | undefined;
	lastHealthView(root: string): Extract<HealthHostMessage, { type: 'init' }> | undefined;
	/** The last "Exclude from training" (undefined once undone). */
	lastExclusion(): Exclusion | undefined;
	/** What the notification's Undo does. */
	undoExclusion(): Promise<boolean>;
}

/** The image features together: one face detector shared by the checks, the health report and the cropper. */
export class ImageFeatures extends Disposable {
	public readonly testing: ImagesTesting = {
		cropper: () => CropperPanel.current,
		lastReport: (root) => ImageHealth.lastReports.get(root),
		lastHealthView: (root) => ImageHealthPanel.lastView.get(root),
		lastExclusion: () => this.exclude?.last,
		undoExclusion: async () => this.exclude?.undo() ?? false,
	};
	private exclude: ExcludeImages | undefined;

	public static register(context: vscode.ExtensionContext, services: WorkbenchServices): ImageFeatures {
		return new ImageFeatures(context, services);
	}

	private constructor(context: vscode.ExtensionContext, services: WorkbenchServices) {
		super();
		const faces = this.register(new FaceDetectorProvider(context.globalStorageUri, services.log));
		const shared = { extensionUri: services.extensionUri, trainingFolders: services.trainingFolders, faces, log: services.log };
		const health = this.register(ImageHealth.register(shared));
		this.exclude = this.register(ExcludeImages.register({ trainingFolders: services.trainingFolders, health }));
		this.register(ImportImages.register(shared));
	}
}
