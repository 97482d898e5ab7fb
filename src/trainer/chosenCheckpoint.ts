import type { TrainingFolder } from '../core/dataset';

/** The epoch the user picked, recorded in lora-workbench.yaml as `checkpoints.chosen: <file name>`. */
export function chosenCheckpoint(folder: TrainingFolder): string | undefined {
	const section = folder.settings.raw.checkpoints;
	if (typeof section === 'object' && section !== null && typeof (section as { chosen?: unknown }).chosen === 'string') {
		return (section as { chosen: string }).chosen;
	}
	return undefined;
}
