import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { TrainingPlan } from './plan';
import { flatTrainingConfig } from './runFiles';
import { SD15_MODEL_ID } from './sd15Model';
import { OPTIONAL_PACKAGES } from './setup';
import { gpuMemoryAdvice, missingFamilyError } from './familyChecks';

/**
 * Checks of a plan against the machine it will run on and the files it names: the things that otherwise fail
 * after the model has loaded (minutes in) or on the first optimizer step.
 */

/** What the trainer probe found; undefined fields were not checked (the CLI has no probe). */
export interface TrainerEnvironment {
	/** CUDA GPUs torch sees on this machine. */
	gpuCount?: number;
	gpuNames?: string[];
	/** Optional package -> version, or null when missing (setup.ts OPTIONAL_PACKAGES). */
	packages?: Record<string, string | null>;
	/** The sd-scripts folder the run uses and its version: does it have the family's script? */
	sdScriptsDir?: string;
	sdScriptsVersion?: string;
	/** Memory of the smallest GPU the run uses, in MiB (the GPU memory advice per family). */
	gpuMemoryMiB?: number;
}


/**
 * A base model that is a file or folder rather than a Hugging Face id (`owner/name`): an absolute path, one that
 * starts with `.` or `~`, one with a backslash, or a model file extension.
 */
export function isLocalModelPath(value: string): boolean {
	return isAbsolute(value) || /^[.~]/.test(value) || value.includes('\\') || /\.(safetensors|ckpt|bin|pt|pth)$/i.test(value) || value.split('/').length > 2;
}

function isDirectory(path: string): boolean {
	try {
		return statSync(path).isDirectory();
	} catch {
		return false;
	}
}

/** Errors that stop the run: each names the setting and what to do. */
export function trainerFindings(plan: TrainingPlan, env: TrainerEnvironment): { errors: string[]; warnings: string[]; notes: string[] } {
	const errors: string[] = [];
	const notes: string[] = [];
	const warnings = gpuMemoryAdvice(plan.settings, env.gpuMemoryMiB);
	if (env.sdScriptsDir) {
		const missing = missingFamilyError(env.sdScriptsDir, plan.family, env.sdScriptsVersion);
		if (missing) {
			errors.push(missing);
		}
	}
	const { settings } = plan;
	const flat = flatTrainingConfig(plan.files);

	if (env.gpuCount !== undefined) {
		const ids = settings.launch.gpuIds && settings.launch.gpuIds !== 'all' ? settings.launch.gpuIds.split(',').map(Number) : undefined;
		const perMachine = Math.ceil(settings.gpus / Math.max(1, settings.launch.numMachines));
		const found = `${env.gpuCount} GPU(s)${env.gpuNames?.length ? ` (${env.gpuNames.join(', ')})` : ''}`;
		if (ids && ids.some((id) => id >= env.gpuCount!)) {
			errors.push(`training.launch.gpuIds is "${settings.launch.gpuIds}" but this machine has ${found}, numbered from 0; list existing ids or leave it empty`);
		} else if (perMachine > (ids?.length ?? env.gpuCount)) {
			errors.push(`training.gpus is ${settings.gpus}${settings.launch.numMachines > 1 ? ` over ${settings.launch.numMachines} machines (${perMachine} each)` : ''} but this machine has ${ids ? `${ids.length} GPU(s) in training.launch.gpuIds` : found}; set training.gpus to ${(ids?.length ?? env.gpuCount) * Math.max(1, settings.launch.numMachines)} or fewer`);
		} else if (settings.launch.numMachines <= 1 && !ids && settings.gpus < env.gpuCount) {
			notes.push(`this machine has ${found}; the training uses ${settings.gpus} (set training.gpus: ${env.gpuCount} to use all, which also divides the steps per epoch)`);
		}
	}

	const model = settings.baseModel.trim();
	if (model && isLocalModelPath(model)) {
		const path = resolve(plan.root, model.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~'));
		if (!existsSync(path)) {
			errors.push(`training.baseModel ${model} does not exist (looked for ${path}); point it at your .safetensors/.ckpt file or a diffusers folder, or use a Hugging Face id such as ${SD15_MODEL_ID}`);
		}
	}
	for (const [key, what, folder] of [['resume', 'the state folder to resume from', true], ['network_weights', 'the LoRA file to continue from', false]] as const) {
		const value = flat[key];
		if (typeof value === 'string' && value.trim()) {
			const path = resolve(plan.root, value);
			if (folder ? !isDirectory(path) : !existsSync(path)) {
				const where = key === 'resume' && settings.resume.trim() ? 'training.resume' : `training.extra.${key}`;
				errors.push(`${where} ${value} is ${what} but ${path} ${existsSync(path) ? 'is not a folder' : 'does not exist'}; pick an existing ${folder ? '<name>-<epoch>-state folder (written with save_state)' : 'file'} or remove the setting`);
			}
		}
	}

	if (env.packages) {
		const module = String(flat.network_module ?? '');
		if (module.startsWith('lycoris') && !env.packages[OPTIONAL_PACKAGES.lycoris.module]) {
			errors.push(`training.networkModule ${module} needs LyCORIS, which is not installed in sd-scripts' environment: ${OPTIONAL_PACKAGES.lycoris.install} there, or use networks.lora`);
		}
		const optimizer = String(flat.optimizer_type ?? '');
		if (/8bit|^paged|^bitsandbytes\./i.test(optimizer) && !env.packages[OPTIONAL_PACKAGES.bitsandbytes.module]) {
			const auto = settings.optimizer === 'auto' ? ' ("auto" picks it on GPUs with bf16)' : '';
			errors.push(`the optimizer ${optimizer}${auto} needs bitsandbytes, which is not installed in sd-scripts' environment: ${OPTIONAL_PACKAGES.bitsandbytes.install} there, or set training.optimizer: AdamW`);
		}
	}
	return { errors, warnings, notes };
}
