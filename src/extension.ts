import * as vscode from 'vscode';
import { TrainingFolderService } from './services/trainingFolders';
import { DatasetTree, DatasetTreeProvider } from './providers/datasetTree';
import { NewTrainingFolder } from './providers/newTrainingFolder';
import { CheckpointCommands } from './trainer/checkpointCommands';
import { CompareEpochsPanel } from './trainer/compareEpochsPanel';
import { SamplePromptsSupport } from './trainer/samplePromptsSupport';
import { SettingsSupport } from './trainer/settingsSupport';
import { CoverageView } from './providers/coverageView';
import { registerBalanceRepeats } from './providers/balanceRepeats';
import type { CheckpointsView } from './trainer/checkpointsView';
import type { GridView } from './core/protocol/compareEpochs';
import { ImageFeatures, ImagesTesting } from './providers/imageHealthFeatures';
import { registerTrainingWatch, TrainingWatch } from './trainer/runHistoryFeature';
import { TrainingRunService } from './trainer/trainingRun';
import { registerTrainer, Trainer } from './trainer/trainerFeature';
import { KohyaConfigCommands } from './trainer/kohyaConfigCommands';
import { AutoTag } from './providers/autoTag';
import { CaptionDiagnostics } from './providers/captionDiagnostics';
import { CaptionCodeActions } from './providers/captionCodeActions';
import { LintTask } from './trainer/lintTask';
import { CaptionEditorProvider, CaptionEditorTesting } from './providers/captionEditor/captionEditorProvider';
import { CaptionLanguage } from './providers/captionLanguage';
import { CaptionCompletion } from './providers/captionCompletion';
import { TagTools } from './providers/tagsViewFeature';
import { CaptionTagSource } from './services/tagSource';
import type { WorkbenchServices } from './services/workbenchServices';

/**
 * Composition root: builds the services and registers every feature. No feature logic lives here.
 * Each feature exposes `register(context, services): vscode.Disposable`.
 */
export interface WorkbenchApi {
	/** For integration tests: the services the features were built from. */
	readonly services: WorkbenchServices & { readonly trainingRuns: TrainingRunService };
	/** For integration tests: feature objects they drive or inspect directly. */
	readonly testing: {
		readonly checkpointsView: CheckpointsView;
		readonly datasetTree: DatasetTreeProvider;
		readonly images: ImagesTesting;
		readonly trainingWatch: TrainingWatch;
		readonly trainer: Trainer;
		readonly autoTag: AutoTag;
		readonly lint: { readonly diagnostics: CaptionDiagnostics; readonly codeActions: CaptionCodeActions; readonly task: LintTask };
		readonly captionEditor: CaptionEditorTesting;
		compareGrid(root: string): GridView | undefined;
	};
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
	const log = vscode.window.createOutputChannel('LoRA Workbench', { log: true });
	context.subscriptions.push(log);
	const trainingFolders = new TrainingFolderService(log);
	context.subscriptions.push(trainingFolders);
	const trainingRuns = new TrainingRunService(log);
	context.subscriptions.push(trainingRuns);
	const tags = new CaptionTagSource((message) => log.warn(message));
	const services = { extensionUri: context.extensionUri, globalStorageUri: context.globalStorageUri, log, trainingFolders, tags, trainingRuns };

	const datasetTree = DatasetTree.register(context, services);
	context.subscriptions.push(datasetTree, NewTrainingFolder.register(context, services));
	const checkpoints = CheckpointCommands.register(services);
	context.subscriptions.push(
		vscode.commands.registerCommand('loraWorkbench.showOutput', () => log.show()),
		checkpoints,
		CompareEpochsPanel.register({ ...services, storageUri: context.globalStorageUri }),
		SamplePromptsSupport.register(services),
		SettingsSupport.register(services),
		CoverageView.register(trainingFolders),
		registerBalanceRepeats(trainingFolders),
	);
	const images = ImageFeatures.register(context, services);
	context.subscriptions.push(images);
	const trainingWatch = registerTrainingWatch(services);
	context.subscriptions.push(trainingWatch);
	const trainer = registerTrainer(services);
	const lintDiagnostics = CaptionDiagnostics.register(context, services);
	const lintCodeActions = CaptionCodeActions.register(context, services, lintDiagnostics);
	const lintTask = LintTask.register(services);
	context.subscriptions.push(lintDiagnostics, lintCodeActions, lintTask);
	context.subscriptions.push(trainer);
	context.subscriptions.push(KohyaConfigCommands.register(services));
	const autoTag = AutoTag.register(context, services);
	context.subscriptions.push(autoTag);
	const captionEditor = CaptionEditorProvider.register(context, services);
	context.subscriptions.push(captionEditor, CaptionLanguage.register(context, services), CaptionCompletion.register(context, services));
	TagTools.register(context, services);

	log.info(`LoRA Workbench activated (VS Code ${vscode.version})`);
	return {
		services,
		testing: {
			checkpointsView: checkpoints.view,
			datasetTree: datasetTree.provider,
			images: images.testing,
			trainingWatch,
			trainer,
			autoTag,
			lint: { diagnostics: lintDiagnostics, codeActions: lintCodeActions, task: lintTask },
			captionEditor: captionEditor.testing,
			compareGrid: (root) => CompareEpochsPanel.lastGrid.get(root),
		},
	};
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
