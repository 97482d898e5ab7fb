import * as vscode from 'vscode';
import { TrainingFolderService } from './providers/trainingFolders';
import { DatasetTree, DatasetTreeProvider } from './providers/datasetTree';
import { NewTrainingFolder } from './providers/newTrainingFolder';
import { CheckpointCommands } from './trainer/checkpointCommands';
import { CompareEpochsPanel } from './trainer/compareEpochsPanel';
import { SamplePromptsSupport } from './trainer/samplePromptsSupport';
import type { CheckpointsView } from './trainer/checkpointsView';
import type { GridView } from './core/protocol/compareEpochs';
import { ImageFeatures, ImagesTesting } from './providers/imageHealthFeatures';

/**
 * Composition root: builds the services and registers every feature. No feature logic lives here.
 * Each feature exposes `register(context, services): vscode.Disposable`.
 */
export interface WorkbenchServices {
	readonly extensionUri: vscode.Uri;
	readonly log: vscode.LogOutputChannel;
	/** The workspace's training folders, scanned and watched (src/providers/trainingFolders.ts). */
	readonly trainingFolders: TrainingFolderService;
}

export interface WorkbenchApi {
	/** For integration tests: the services the features were built from. */
	readonly services: WorkbenchServices;
	/** For integration tests: feature objects they drive or inspect directly. */
	readonly testing: {
		readonly checkpointsView: CheckpointsView;
		readonly datasetTree: DatasetTreeProvider;
		readonly images: ImagesTesting;
		compareGrid(root: string): GridView | undefined;
	};
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
	const log = vscode.window.createOutputChannel('LoRA Workbench', { log: true });
	context.subscriptions.push(log);
	const trainingFolders = new TrainingFolderService(log);
	context.subscriptions.push(trainingFolders);
	const services: WorkbenchServices = { extensionUri: context.extensionUri, log, trainingFolders };

	const datasetTree = DatasetTree.register(context, services);
	context.subscriptions.push(datasetTree, NewTrainingFolder.register(context, services));
	const checkpoints = CheckpointCommands.register(services);
	context.subscriptions.push(
		vscode.commands.registerCommand('loraWorkbench.showOutput', () => log.show()),
		checkpoints,
		CompareEpochsPanel.register({ ...services, storageUri: context.globalStorageUri }),
		SamplePromptsSupport.register(services),
	);
	const images = ImageFeatures.register(context, services);
	context.subscriptions.push(images);

	log.info(`LoRA Workbench activated (VS Code ${vscode.version})`);
	return {
		services,
		testing: {
			checkpointsView: checkpoints.view,
			datasetTree: datasetTree.provider,
			images: images.testing,
			compareGrid: (root) => CompareEpochsPanel.lastGrid.get(root),
		},
	};
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
