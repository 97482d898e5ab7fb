import * as vscode from 'vscode';
import type { WorkbenchServices } from '../extension';
import { CheckReport } from '../core/images/checkImages';
import { HealthHostMessage } from '../core/protocol/health';
import { Disposable } from '../util/dispose';
import { CropperPanel } from './cropper/cropperPanel';
import { ImageHealth } from './imageHealth';
import { FaceDetectorProvider } from './imageHealthDetector';
import { ImageHealthPanel } from './imageHealthPanel';
import { ImportImages } from './importImages';

/** What integration tests read and drive of the image features. */
export interface ImagesTesting {
	cropper(): CropperPanel | undefined;
	lastReport(root: string): CheckReport | undefined;
	lastHealthView(root: string): Extract<HealthHostMessage, { type: 'init' }> | undefined;
}

/** The image features together: one face detector shared by the checks, the health report and the cropper. */
export class ImageFeatures extends Disposable {
	public readonly testing: ImagesTesting = {
		cropper: () => CropperPanel.current,
		lastReport: (root) => ImageHealth.lastReports.get(root),
		lastHealthView: (root) => ImageHealthPanel.lastView.get(root),
	};

	public static register(context: vscode.ExtensionContext, services: WorkbenchServices): ImageFeatures {
		return new ImageFeatures(context, services);
	}

	private constructor(context: vscode.ExtensionContext, services: WorkbenchServices) {
		super();
		const faces = this.register(new FaceDetectorProvider(context.globalStorageUri, services.log));
		const shared = { extensionUri: services.extensionUri, trainingFolders: services.trainingFolders, faces, log: services.log };
		this.register(ImageHealth.register(shared));
		this.register(ImportImages.register(shared));
	}
}
