import type { ModelFamily } from './trainingSettings';

/** The trainer scripts of sd-scripts, per model family (sd-scripts' own names). */
export const SD_SCRIPTS_SCRIPTS: Readonly<Record<ModelFamily, string>> = {
	sd15: 'train_network.py',
	sdxl: 'sdxl_train_network.py',
	flux1: 'flux_train_network.py',
};

/**
 * What a family needs of an sd-scripts checkout: its script, the network module it trains with, and the first
 * sd-scripts version on the main branch that has both (sdxl_train_network.py came with 0.7.0 in 2023;
 * flux_train_network.py and networks/lora_flux.py were on the sd3 branch until 0.10.0, 2026-01-19, merged them).
 */
export const FAMILY_NEEDS: Readonly<Record<ModelFamily, { script: string; files: readonly string[]; since?: string; label: string }>> = {
	sd15: { script: SD_SCRIPTS_SCRIPTS.sd15, files: [], label: 'SD1.5' },
	sdxl: { script: SD_SCRIPTS_SCRIPTS.sdxl, files: ['networks/lora.py', 'library/sdxl_train_util.py'], since: '0.7.0', label: 'SDXL' },
	flux1: { script: SD_SCRIPTS_SCRIPTS.flux1, files: ['networks/lora_flux.py', 'library/flux_train_utils.py'], since: '0.10.0', label: 'Flux.1' },
};

/** The script sd-scripts trains SD1.5 LoRAs with; what the setup check looks for in an sd-scripts folder. */
export const SD15_SCRIPT = SD_SCRIPTS_SCRIPTS.sd15;

/** A family's name for messages: SD1.5, SDXL, Flux.1. */
export function familyLabel(family: ModelFamily): string {
	return FAMILY_NEEDS[family].label;
}
