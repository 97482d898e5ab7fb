import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SafetensorsError, SafetensorsHeader, readSafetensorsHeader } from '../checkpoints/safetensors';
import { FAMILY_NEEDS, SD_SCRIPTS_SCRIPTS, familyLabel } from './sdScriptsScripts';
import type { ModelFamily, TrainerSettings } from './trainingSettings';

/**
 * What each model family needs beyond its settings (issue 18): the script and network module in the installed
 * sd-scripts, Flux.1's four model files (read by their safetensors headers only), and the GPU memory advice
 * sd-scripts' docs give (docs/flux_train_network.md §6.1, docs/sdxl_train_network.md).
 */

/** The files of a family's trainer an sd-scripts folder lacks (empty: it trains the family). */
export function missingFamilyFiles(sdScriptsDir: string, family: ModelFamily): string[] {
	const needs = FAMILY_NEEDS[family];
	return [needs.script, ...needs.files].filter((file) => !existsSync(join(sdScriptsDir, file)));
}

/** The error that stops a family this sd-scripts cannot train, naming what is missing and the version needed. */
export function missingFamilyError(sdScriptsDir: string, family: ModelFamily, version: string | undefined): string | undefined {
	const missing = missingFamilyFiles(sdScriptsDir, family);
	if (missing.length === 0) {
		return undefined;
	}
	const needs = FAMILY_NEEDS[family];
	const need = needs.since ? `sd-scripts ${needs.since} or later (${needs.script})` : needs.script;
	return `training.model is ${family}, but the sd-scripts in ${sdScriptsDir}${version ? ` (${version})` : ''} has no ${missing.join(', ')}: ${familyLabel(family)} LoRAs need ${need}. Update it (git pull there, then pip install -r requirements.txt in its environment) or set training.model to a family it trains`;
}

/** A Flux.1 model file: the setting, what it is, tensor names it must have, and how its release sizes read. */
interface FluxFile {
	key: 'baseModel' | 'clipL' | 't5xxl' | 'ae';
	what: string;
	/** A tensor name part every such file has (Black Forest Labs / ComfyUI single-file layout). */
	marker: RegExp;
	/** What else the header says, when it is the wrong file or an unusual one. */
	inspect?: (header: SafetensorsHeader) => { error?: string; note?: string };
}

const fp8 = (header: SafetensorsHeader): boolean => header.tensors.some((t) => /^F8/.test(t.dtype));
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

const FLUX_FILES: readonly FluxFile[] = [
	{
		key: 'baseModel', what: 'the Flux.1 transformer (flux1-dev.safetensors)', marker: /(^|\.)double_blocks\.\d+\./,
		inspect: (h) => (fp8(h) ? { note: `training.baseModel holds fp8 weights (${gb(h.fileBytes)}); train with fp8Base: true` } : {}),
	},
	{ key: 'clipL', what: 'the CLIP-L text encoder (clip_l.safetensors)', marker: /(^|\.)text_model\.encoder\.layers\.\d+\./ },
	{
		key: 't5xxl', what: 'the T5-XXL text encoder (t5xxl_fp16.safetensors)', marker: /(^|\.)encoder\.block\.\d+\./,
		inspect: (h) => (fp8(h) ? { note: `training.t5xxl is the fp8 T5-XXL (${gb(h.fileBytes)}): sd-scripts recommends it below 10 GB of GPU memory, t5xxl_fp16 otherwise` } : {}),
	},
	{
		key: 'ae', what: 'the Flux.1 autoencoder (ae.safetensors)', marker: /(^|\.)decoder\.conv_in\.weight$/,
		inspect: (h) => {
			// Flux.1's AE has 16 latent channels; an SD/SDXL VAE has 4.
			const convIn = h.tensors.find((t) => /(^|\.)decoder\.conv_in\.weight$/.test(t.name));
			const channels = convIn?.shape[1];
			return channels !== undefined && channels !== 16
				? { error: `training.ae has ${channels} latent channels: it is a Stable Diffusion VAE, not Flux.1's ae.safetensors (16 channels, from black-forest-labs/FLUX.1-dev)` }
				: {};
		},
	},
];

/**
 * Flux.1's four model files: each must exist and be a whole safetensors file of that part (its header's tensor
 * names; the data its header declares all there, so a cut-off download is caught), in the single-file layout
 * flux_train_network.py loads (a diffusers folder is refused by sd-scripts).
 */
export async function fluxModelFileFindings(root: string, settings: TrainerSettings): Promise<{ errors: string[]; notes: string[] }> {
	const errors: string[] = [];
	const notes: string[] = [];
	if (settings.model !== 'flux1') {
		return { errors, notes };
	}
	for (const file of FLUX_FILES) {
		const value = String(settings[file.key]).trim();
		if (!value) {
			continue; // The run files already refuse an empty one, naming where to get it.
		}
		const path = resolve(root, value.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~'));
		if (!existsSync(path)) {
			errors.push(`training.${file.key} ${value} does not exist (looked for ${path}); point it at ${file.what}`);
			continue;
		}
		let header: SafetensorsHeader;
		try {
			header = await readSafetensorsHeader(path);
		} catch (err) {
			const reason = err instanceof SafetensorsError ? err.message : `${path}: ${err instanceof Error ? err.message : String(err)}`;
			errors.push(`training.${file.key} must be ${file.what} as a .safetensors file (flux_train_network.py loads single files, not diffusers folders): ${reason}`);
			continue;
		}
		if (!header.tensors.some((t) => file.marker.test(t.name))) {
			const sample = header.tensors.slice(0, 2).map((t) => t.name).join(', ');
			errors.push(`training.${file.key} ${value} is not ${file.what}: its header has none of that model's tensors (it has ${header.tensors.length} tensors${sample ? `, e.g. ${sample}` : ''})`);
			continue;
		}
		const inspected = file.inspect?.(header) ?? {};
		if (inspected.error) {
			errors.push(inspected.error);
		}
		if (inspected.note) {
			notes.push(inspected.note);
		}
	}
	return { errors, notes };
}

/**
 * sd-scripts' GPU memory advice for the chosen options (docs/flux_train_network.md "Recommended Settings by GPU
 * Memory"; SDXL: gradient checkpointing and cached text encoders). Warnings: the run would most likely run out
 * of memory as set; each names the setting to change.
 */
export function gpuMemoryAdvice(settings: TrainerSettings, memoryMiB: number | undefined): string[] {
	if (memoryMiB === undefined || settings.model === 'sd15') {
		return [];
	}
	const gbOf = Math.round(memoryMiB / 1024);
	const script = SD_SCRIPTS_SCRIPTS[settings.model];
	const advice: string[] = [];
	if (!settings.gradientCheckpointing && gbOf < 24) {
		advice.push('training.gradientCheckpointing: true');
	}
	if (settings.model === 'sdxl') {
		if (gbOf < 16 && !settings.cacheTextEncoderOutputs) {
			advice.push('training.cacheTextEncoderOutputs: true (with networkTrainUnetOnly: true)');
		}
		if (gbOf < 12 && !settings.fp8Base) {
			advice.push('training.fp8Base: true');
		}
	} else {
		if (gbOf < 24 && !settings.fp8Base) {
			advice.push('training.fp8Base: true');
		}
		const swap = gbOf >= 24 ? 0 : gbOf >= 16 ? 8 : gbOf >= 12 ? 16 : gbOf >= 10 ? 22 : 28;
		if (swap > (settings.blocksToSwap ?? 0)) {
			advice.push(`training.blocksToSwap: ${swap}`);
		}
		if (gbOf < 24 && settings.batchSize > 1) {
			advice.push('training.batchSize: 1');
		}
		if (gbOf < 24 && !settings.cacheTextEncoderOutputs) {
			advice.push('training.cacheTextEncoderOutputs: true');
		}
	}
	return advice.length
		? [`the GPU has ${gbOf} GB; ${script} as set will likely run out of memory. sd-scripts' advice for ${gbOf} GB: ${advice.join(', ')}`]
		: [];
}
