import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainingFolder } from '../dataset';
import type { TrainerBackend } from './backend';
import type { AccelerateLauncher, LaunchCommand } from './launch';
import { outputDirWarning } from './outputPaths';
import { RunFiles, flatTrainingConfig } from './runFiles';
import { backendFor, modelFamilyOf } from './sdScriptsBackend';
import type { ModelFamily } from './settingsTable';
import { SettingsProblem, readTrainingSection } from './trainingFields';
import { GpuCapabilities, TrainerSettings } from './trainingSettings';

export { checkpointNames } from './sdScriptsBackend';

/** Everything one training needs, decided before anything is written or started. */
export interface TrainingPlan {
	root: string;
	trigger: string;
	classWord: string;
	settings: TrainerSettings;
	/** The model family the settings train, and the backend that trains it: the task runs with this one. */
	family: ModelFamily;
	backend: TrainerBackend;
	settingsProblems: SettingsProblem[];
	/** Settings read differently from how they are written, and why (a removed model id replaced...). */
	settingsNotes: string[];
	files: RunFiles;
	command: LaunchCommand;
	/** Checkpoint files of this output name that already exist and would be replaced. */
	overwrites: string[];
	/** Blocking problems (run files sd-scripts would reject, bad launch settings). */
	errors: string[];
}

export interface PlanOptions {
	/** Settings to use instead of lora-workbench.yaml's `training:` section (e.g. a kohya import). */
	settings?: TrainerSettings;
	gpu: GpuCapabilities;
	sdScriptsDir: string;
	launcher: AccelerateLauncher;
	runFilesDir?: string;
	now?: Date;
}

/**
 * Paths the run reads from its output folder (the state it resumes from, the LoRA it continues), resolved as
 * sd-scripts resolves them (from the training folder, its working directory): they must stay where they are.
 */
export function runInputs(plan: TrainingPlan): string[] {
	const flat = flatTrainingConfig(plan.files);
	return ['resume', 'network_weights'].map((key) => flat[key]).filter((v): v is string => typeof v === 'string' && v !== '').map((v) => resolve(plan.root, v));
}

/**
 * The plan of one training, built once: the preflight checks it and the task runs the same object. The settings
 * are the folder's `training:` section as read with the folder (core/settings.ts), unless `options.settings`.
 */
export function planTraining(folder: TrainingFolder, options: PlanOptions): TrainingPlan {
	// Read once with the folder; a hand-made folder without it (older callers) is read here.
	const section = folder.settings.trainer ?? readTrainingSection(folder.settings.raw.training);
	const settings = structuredClone(options.settings ?? section.settings);
	const trigger = folder.trigger ?? '';
	const classWord = folder.classWord ?? '';
	const family = modelFamilyOf(settings);
	const backend = backendFor(family);
	const { files, command } = backend.build({
		root: folder.root, trigger, classWord, settings, gpu: options.gpu, runFilesDir: options.runFilesDir, now: options.now,
		subsets: folder.subsets.filter((s) => s.images.length > 0),
		family, sdScriptsDir: options.sdScriptsDir, launcher: options.launcher,
	});
	const overwrites = backend.checkpointNames(files.outputName, settings).map((name) => join(files.outputDir, name)).filter((path) => existsSync(path));
	const errors = [...files.errors, ...command.errors];
	if (!trigger) {
		errors.push('no trigger word: set trigger: in lora-workbench.yaml or name the subsets <repeats>_<trigger> <class>');
	}
	return {
		root: folder.root, trigger, classWord, settings, family, backend,
		settingsProblems: [...(options.settings ? [] : section.problems), ...outsideWarning(folder.root, settings.outputDir || 'model')],
		settingsNotes: options.settings ? [] : section.notes,
		files, command, overwrites, errors,
	};
}

function outsideWarning(root: string, outputDir: string): SettingsProblem[] {
	const message = outputDirWarning(root, outputDir);
	return message ? [{ path: 'training.outputDir', message }] : [];
}
