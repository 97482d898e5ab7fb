import * as vscode from 'vscode';
import type { WorkbenchServices } from '../services/workbenchServices';
import { LoraTaskProvider } from './loraTaskProvider';
import { registerTrainingWatch, TrainingWatch } from './runHistoryFeature';
import { TrainCommand } from './trainCommand';
import { TrainerSetup } from './trainerSetup';
import { TrainingPreflight } from './trainingPreflight';
import { TrainingRunService } from './trainingRun';

/** The workbench services plus the trainer's own run queue, which only trainer/ uses. */
export interface TrainerServices extends WorkbenchServices {
	readonly trainingRuns: TrainingRunService;
}

export interface Trainer extends vscode.Disposable {
	/** The training queue and its runs. */
	readonly runs: TrainingRunService;
	/** Watching the runs: history, status bar item, Problems, loss panel. */
	readonly watch: TrainingWatch;
	readonly setup: TrainerSetup;
	readonly tasks: LoraTaskProvider;
	readonly command: TrainCommand;
	readonly preflight: TrainingPreflight;
}

/**
 * Training: the run queue, setup check, the `lora` task provider, the Train LoRA / Stop Training commands and
 * the watch over the runs.
 */
export class TrainerFeature {
	public static register(workbench: WorkbenchServices): Trainer {
		return registerTrainer({ ...workbench, trainingRuns: new TrainingRunService(workbench.log) });
	}
}

function registerTrainer(services: TrainerServices): Trainer {
	const watch = registerTrainingWatch(services);
	const setup = TrainerSetup.register(services);
	// One preflight for every way in: the command and tree button check before starting the task, the task from
	// the Tasks menu checks when it starts.
	const preflight = new TrainingPreflight({ ...services, trainerSetup: setup });
	const tasks = LoraTaskProvider.register({ ...services, preflight });
	const command = TrainCommand.register({ ...services, preflight, loraTasks: tasks });
	return {
		runs: services.trainingRuns, watch, setup, tasks, command, preflight,
		dispose: () => {
			services.trainingRuns.dispose();
			watch.dispose();
			command.dispose();
			tasks.dispose();
			setup.dispose();
		},
	};
}
