import * as vscode from 'vscode';
import type { TrainingFolderService } from '../services/trainingFolders';
import { LoraTaskProvider } from './loraTaskProvider';
import { TrainCommand } from './trainCommand';
import { TrainerSetup } from './trainerSetup';
import { TrainingPreflight } from './trainingPreflight';
import { TrainingRunService } from './trainingRun';

export interface TrainerServices {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
	readonly trainingRuns: TrainingRunService;
}

export interface Trainer extends vscode.Disposable {
	readonly setup: TrainerSetup;
	readonly tasks: LoraTaskProvider;
	readonly command: TrainCommand;
	readonly preflight: TrainingPreflight;
}

/** Training: setup check, the `lora` task provider, and the Train LoRA / Stop Training commands. */
export function registerTrainer(services: TrainerServices): Trainer {
	const setup = TrainerSetup.register(services);
	// One preflight for every way in: the command and tree button check before starting the task, the task from
	// the Tasks menu checks when it starts.
	const preflight = new TrainingPreflight({ ...services, trainerSetup: setup });
	const tasks = LoraTaskProvider.register({ ...services, preflight });
	const command = TrainCommand.register({ ...services, preflight, loraTasks: tasks });
	return {
		setup, tasks, command, preflight,
		dispose: () => {
			command.dispose();
			tasks.dispose();
			setup.dispose();
		},
	};
}
