import { parseCheckpointName, parseSampleName } from '../checkpoints/checkpointNames';
import { TrainerLogParser } from '../trainerLog/parser';
import type { TrainerBackend } from './backend';
import { SD_SCRIPTS_SCRIPTS } from './sdScriptsScripts';
import { accelerateCommand } from './launch';
import { buildRunFiles } from './runFiles';
import { ModelFamily } from './settingsTable';
import { checkSetup } from './setup';
import { TrainerSettings, resolvePrecision } from './trainingSettings';

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

function scriptFor(family: ModelFamily): string {
	return SD_SCRIPTS_SCRIPTS[family];
}

/**
 * kohya-ss/sd-scripts: `accelerate launch <script> --config_file config.toml --dataset_config dataset.toml`, the
 * run files from the settings table, sd-scripts' checkpoint and sample names, and its console output.
 */
export const sdScriptsBackend: TrainerBackend = {
	id: 'sd-scripts',
	label: 'kohya-ss/sd-scripts',
	families: Object.keys(SD_SCRIPTS_SCRIPTS) as ModelFamily[],
	script: scriptFor,
	checkSetup: (input) => checkSetup(input),
	build(input) {
		const files = buildRunFiles(input);
		const command = accelerateCommand({
			launcher: input.launcher,
			sdScriptsDir: input.sdScriptsDir,
			script: scriptFor(input.family),
			launch: input.settings.launch,
			gpus: input.settings.gpus,
			mixedPrecision: resolvePrecision(input.settings, input.gpu).mixedPrecision,
			configFile: files.configFile,
			datasetConfigFile: files.datasetConfigFile,
		});
		return { files, command };
	},
	checkpointNames,
	parseCheckpointName,
	parseSampleName,
	createParser: () => new TrainerLogParser(),
};

/** The backends, by id; the first that trains a family is the one its plans use. */
export const TRAINER_BACKENDS: readonly TrainerBackend[] = [sdScriptsBackend];

/** The backend that trains a model family. */
export function backendFor(family: ModelFamily): TrainerBackend {
	const backend = TRAINER_BACKENDS.find((b) => b.families.includes(family));
	if (!backend) {
		throw new Error(`no trainer backend trains ${family} yet`);
	}
	return backend;
}

/**
 * The model family of these settings: `training.model` (sd15 when the file does not say; SD 2.x with v2 trains
 * with the same script as SD1.5).
 */
export function modelFamilyOf(settings: TrainerSettings): ModelFamily {
	return settings.model;
}

/** The backend the setup check runs for before there is a plan (the one trainer today). */
export const DEFAULT_BACKEND: TrainerBackend = sdScriptsBackend;
