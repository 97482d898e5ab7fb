import * as vscode from 'vscode';
import type { TrainingFolderService } from '../providers/trainingFolders';
import { LoraTaskProvider } from './loraTaskProvider';
import { TrainCommand } from './trainCommand';
import { TrainerSetup } from './trainerSetup';
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
}

/** Training: setup check, the `lora` task provider, and the Train LoRA / Stop Training commands. */
export function registerTrainer(services: TrainerServices): Trainer {
	const setup = TrainerSetup.register(services);
	const tasks = LoraTaskProvider.register({ ...services, trainerSetup: setup });
	const command = TrainCommand.register({ ...services, trainerSetup: setup, loraTasks: tasks });
	return {
		setup, tasks, command,
		dispose: () => {
			command.dispose();
			tasks.dispose();
			setup.dispose();
		},
	};
}
