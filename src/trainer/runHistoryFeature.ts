import * as vscode from 'vscode';
import { LikenessService } from '../services/likenessService';
import type { TrainingFolderService } from '../services/trainingFolders';
import { LossPanel } from './lossPanel';
import { RunHistory, WatchableRuns } from './runHistory';
import { TrainingProblems } from './trainingProblems';
import { TrainingStatusItem } from './trainingStatusItem';

export interface TrainingWatchServices {
	extensionUri: vscode.Uri;
	log: vscode.LogOutputChannel;
	trainingFolders: TrainingFolderService;
	/** Where the likeness service caches its embeddings; without it the loss panel has no likeness overlay. */
	globalStorageUri?: vscode.Uri;
	/** The trainer's run queue (src/trainer/trainingRun.ts), given by TrainerFeature. */
	trainingRuns?: WatchableRuns;
}

export interface TrainingWatch extends vscode.Disposable {
	readonly history: RunHistory;
	readonly statusItem: TrainingStatusItem;
	readonly problems: TrainingProblems;
	lossPanel(): LossPanel | undefined;
	/** For tests: what the panel serializer does with a panel VS Code restored after a reload. */
	revivePanel(panel: vscode.WebviewPanel, state: unknown): LossPanel;
}

/** Watching a training: parser-fed run history, status bar item, Problems, loss panel. */
export function registerTrainingWatch(services: TrainingWatchServices): TrainingWatch {
	const history = new RunHistory(services.log);
	if (services.trainingRuns) {
		history.follow(services.trainingRuns);
	}
	const statusItem = TrainingStatusItem.register(history);
	const problems = TrainingProblems.register(history);
	// The loss panel's likeness overlay; the service loads its models only when a report is asked for.
	const likeness = services.globalStorageUri ? new LikenessService(services.globalStorageUri, services.log, services.trainingFolders) : undefined;
	const panelServices = { ...services, likeness };
	const panel = LossPanel.register(panelServices, history);
	return {
		history,
		statusItem,
		problems,
		lossPanel: () => LossPanel.current,
		revivePanel: (panel, state) => LossPanel.revive(panelServices, history, panel, state),
		dispose: () => {
			panel.dispose();
			likeness?.dispose();
			problems.dispose();
			statusItem.dispose();
			history.dispose();
		},
	};
}
