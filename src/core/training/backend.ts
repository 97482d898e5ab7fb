import type { CheckpointName, SampleName } from '../checkpoints/checkpointNames';
import type { TrainerEvent } from '../trainerLog/events';
import type { AccelerateLauncher, LaunchCommand } from './launch';
import type { RunFiles, RunInput } from './runFiles';
import type { ModelFamily } from './settingsTable';
import type { SetupInput, SetupReport } from './setup';
import type { TrainerSettings } from './trainingSettings';

/**
 * The trainer-backend seam: everything that differs per trainer and model family. The plan picks a backend for
 * its model family (backends.ts `backendFor`) and keeps it, so the task runs with the backend the preflight
 * checked. Today's one implementation is kohya-ss/sd-scripts for SD1.5 (sdScriptsBackend.ts); adding a family
 * (issue 18) is rows in the settings table (settingsTable.ts, `families`) plus an entry in that backend's
 * `scripts` (or a backend of its own).
 */

/** What a backend needs to turn a plan into files and a command line. */
export interface BuildInput extends RunInput {
	family: ModelFamily;
	sdScriptsDir: string;
	launcher: AccelerateLauncher;
}

/** A streaming console parser: chunks in as printed, typed trainer events out (src/core/trainerLog/events.ts). */
export interface TrainerConsoleParser {
	feed(chunk: Uint8Array | string): TrainerEvent[];
	end(): TrainerEvent[];
}

export interface TrainerBackend {
	/** `sd-scripts`. */
	readonly id: string;
	/** For messages: "kohya-ss/sd-scripts". */
	readonly label: string;
	/** The model families it trains. */
	readonly families: readonly ModelFamily[];
	/** The script it launches for a family (train_network.py for SD1.5). */
	script(family: ModelFamily): string;
	/** The setup check: the trainer, its Python, torch, the GPU, accelerate; what to do for each missing piece. */
	checkSetup(input: SetupInput): Promise<SetupReport>;
	/** Plan -> the run files (in memory, checked) and the command line that trains with them. */
	build(input: BuildInput): { files: RunFiles; command: LaunchCommand };
	/** The checkpoint files a run of these settings writes into the output folder (to warn before overwriting). */
	checkpointNames(outputName: string, settings: TrainerSettings): string[];
	/** Names of the files it writes, read back (Checkpoints view, Compare Epochs, run archive). */
	parseCheckpointName(file: string): CheckpointName | undefined;
	parseSampleName(file: string): SampleName | undefined;
	/** A fresh console parser for one run's output. */
	createParser(): TrainerConsoleParser;
}
