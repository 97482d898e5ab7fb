import type { ModelFamily } from './settingsTable';

/** The trainer scripts of sd-scripts, per model family (sd-scripts' own names). */
export const SD_SCRIPTS_SCRIPTS: Readonly<Partial<Record<ModelFamily, string>>> = {
	sd15: 'train_network.py',
};

/** The script sd-scripts trains SD1.5 LoRAs with; what the setup check looks for in an sd-scripts folder. */
export const SD15_SCRIPT = SD_SCRIPTS_SCRIPTS.sd15!;
