import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainingFolder } from '../dataset';
import { AccelerateLauncher, LaunchCommand, accelerateCommand } from './launch';
import { outputDirWarning } from './outputPaths';
import { RunFiles, buildRunFiles, flatTrainingConfig } from './runFiles';
import { SettingsProblem, readTrainingSection } from './trainingFields';
import { GpuCapabilities, TrainerSettings, resolvePrecision } from './trainingSettings';

/** Everything one training needs, decided before anything is written or started. */
export interface TrainingPlan {
	root: string;
	trigger: string;
	classWord: string;
	settings: TrainerSettings;
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

/** The checkpoint names sd-scripts will write for these settings (reference §7). */
export function checkpointNames(outputName: string, settings: TrainerSettings): string[] {
	const names = [`${outputName}.${settings.saveModelAs}`];
	for (let epoch = 1; epoch < settings.epochs; epoch++) {
		if (epoch % settings.saveEveryNEpochs === 0) {
			names.push(`${outputName}-${String(epoch).padStart(6, '0')}.${settings.saveModelAs}`);
		}
	}
	return names;
}

/**
 * Paths the run reads from its output folder (the state it resumes from, the LoRA it continues), resolved as
 * sd-scripts resolves them (from the training folder, its working directory): they must stay where they are.
 */
export function runInputs(plan: TrainingPlan): string[] {
	const flat = flatTrainingConfig(plan.files);
	return ['resume', 'network_weights'].map((key) => flat[key]).filter((v): v is string => typeof v === 'string' && v !== '').map((v) => resolve(plan.root, v));
}

export function planTraining(folder: TrainingFolder, options: PlanOptions): TrainingPlan {
	const section = readTrainingSection(folder.settings.raw.training);
	const settings = options.settings ?? section.settings;
	const trigger = folder.trigger ?? '';
	const classWord = folder.classWord ?? '';
	const files = buildRunFiles({
		root: folder.root, trigger, classWord, settings, gpu: options.gpu, runFilesDir: options.runFilesDir, now: options.now,
		subsets: folder.subsets.filter((s) => s.images.length > 0),
	});
	const precision = resolvePrecision(settings, options.gpu);
	const command = accelerateCommand({
		launcher: options.launcher,
		sdScriptsDir: options.sdScriptsDir,
		launch: settings.launch,
		gpus: settings.gpus,
		mixedPrecision: precision.mixedPrecision,
		configFile: files.configFile,
		datasetConfigFile: files.datasetConfigFile,
	});
	const overwrites = checkpointNames(files.outputName, settings).map((name) => join(files.outputDir, name)).filter((path) => existsSync(path));
	const errors = [...files.errors, ...command.errors];
	if (!trigger) {
		errors.push('no trigger word: set trigger: in lora-workbench.yaml or name the subsets <repeats>_<trigger> <class>');
	}
	return {
		root: folder.root, trigger, classWord, settings,
		settingsProblems: [...(options.settings ? [] : section.problems), ...outsideWarning(folder.root, settings.outputDir || 'model')],
		settingsNotes: options.settings ? [] : section.notes,
		files, command, overwrites, errors,
	};
}

function outsideWarning(root: string, outputDir: string): SettingsProblem[] {
	const message = outputDirWarning(root, outputDir);
	return message ? [{ path: 'training.outputDir', message }] : [];
}
