import * as vscode from 'vscode';
import { AutoTag } from './providers/autoTag';
import { BalanceRepeats } from './providers/balanceRepeats';
import { CaptionCodeActions } from './providers/captionCodeActions';
import { CaptionCompletion } from './providers/captionCompletion';
import { CaptionDiagnostics } from './providers/captionDiagnostics';
import { CaptionEditorProvider, CaptionEditorTesting } from './providers/captionEditor/captionEditorProvider';
import { CaptionLanguage } from './providers/captionLanguage';
import { CaptionLint } from './providers/captionLint';
import { CoverageView } from './providers/coverageView';
import { LikenessReference } from './providers/likenessReference';
import { DatasetTree, DatasetTreeProvider } from './providers/datasetTree';
import { ImageFeatures, ImagesTesting } from './providers/imageHealthFeatures';
import { NewTrainingFolder } from './providers/newTrainingFolder';
import { TagTools } from './providers/tagsViewFeature';
import type { TagsViewProvider } from './providers/tagsView';
import { CaptionTagSource } from './services/tagSource';
import { TrainingFolderService } from './services/trainingFolders';
import type { Feature, WorkbenchServices } from './services/workbenchServices';
import { CheckpointCommands } from './trainer/checkpointCommands';
import type { CheckpointsView } from './trainer/checkpointsView';
import { CompareEpochsPanel } from './trainer/compareEpochsPanel';
import { KohyaConfigCommands } from './trainer/kohyaConfigCommands';
import { LintTask } from './trainer/lintTask';
import type { TrainingWatch } from './trainer/runHistoryFeature';
import { SamplePromptsSupport } from './trainer/samplePromptsSupport';
import { SettingsSupport } from './trainer/settingsSupport';
import { Trainer, TrainerFeature } from './trainer/trainerFeature';
import { WebviewObserver, observeWebviews } from './services/webviewHost';
import { startWorkerThreadsInBackground } from './core/workerThread';

/**
 * Composition root: builds the services (src/services/) and registers every feature. No feature logic lives here.
 * Each feature exposes `register(services: WorkbenchServices): vscode.Disposable` (a `Feature`).
 */
export interface WorkbenchApi {
	/** For the activation bench: whether this window ran the bundle from V8's code cache (set by src/extensionLoader.ts). */
	readonly codeCache?: 'used' | 'rejected' | 'absent';
	/** For integration tests: the services the features were built from. */
	readonly services: WorkbenchServices;
	/** For integration tests: feature objects they drive or inspect directly. */
	readonly testing: {
		readonly checkpointsView: CheckpointsView;
		readonly coverageView: CoverageView;
		readonly datasetTree: DatasetTreeProvider;
		readonly images: ImagesTesting;
		readonly trainingWatch: TrainingWatch;
		readonly trainer: Trainer;
		readonly autoTag: AutoTag;
		readonly lint: { readonly diagnostics: CaptionDiagnostics; readonly codeActions: CaptionCodeActions; readonly task: LintTask };
		readonly captionEditor: CaptionEditorTesting;
		readonly tagsView: TagsViewProvider;
		/**
		 * Every webview panel's messages both ways, recorded only when the extension runs under tests
		 * (src/services/webviewHost.ts); test/support/webviews.ts reads what each panel showed from it.
		 */
		readonly webviews: WebviewObserver | undefined;
	};
}

export function activate(context: vscode.ExtensionContext): WorkbenchApi {
	const log = vscode.window.createOutputChannel('LoRA Workbench', { log: true });
	context.subscriptions.push(log);
	// The host's thread is every extension's: our helper threads give way to it.
	startWorkerThreadsInBackground();
	const webviews = context.extensionMode === vscode.ExtensionMode.Test ? observeWebviews() : undefined;
	const trainingFolders = new TrainingFolderService(log);
	context.subscriptions.push(trainingFolders);
	const services: WorkbenchServices = {
		extensionUri: context.extensionUri,
		globalStorageUri: context.globalStorageUri,
		log,
		trainingFolders,
		tags: new CaptionTagSource((message) => log.warn(message)),
	};
	const register = <T extends vscode.Disposable>(feature: Feature<T>): T => {
		const registered = feature.register(services);
		context.subscriptions.push(registered);
		return registered;
	};

	const datasetTree = register(DatasetTree);
	register(NewTrainingFolder);
	const checkpoints = register(CheckpointCommands);
	context.subscriptions.push(vscode.commands.registerCommand('loraWorkbench.showOutput', () => log.show()));
	register(CompareEpochsPanel);
	register(SamplePromptsSupport);
	register(SettingsSupport);
	const coverage = register(CoverageView);
	register(LikenessReference);
	register(BalanceRepeats);
	const images = register(ImageFeatures);
	const trainer = register(TrainerFeature);
	const lint = register(CaptionLint);
	const lintTask = register(LintTask);
	register(KohyaConfigCommands);
	const autoTag = register(AutoTag);
	const captionEditor = register(CaptionEditorProvider);
	register(CaptionLanguage);
	register(CaptionCompletion);
	const tagTools = register(TagTools);

	log.info(`LoRA Workbench activated (VS Code ${vscode.version})`);
	return {
		services,
		testing: {
			checkpointsView: checkpoints.view,
			coverageView: coverage,
			datasetTree: datasetTree.provider,
			images: images.testing,
			trainingWatch: trainer.watch,
			trainer,
			autoTag,
			lint: { diagnostics: lint.diagnostics, codeActions: lint.codeActions, task: lintTask },
			captionEditor: captionEditor.testing,
			tagsView: tagTools.tagsView,
			webviews,
		},
	};
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
