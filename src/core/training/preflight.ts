import type { TrainingFolder } from '../dataset';
import { bucketCropFinding } from './bucketCrop';
import type { TrainingPlan } from './plan';
import { TrainerEnvironment, trainerFindings } from './preflightTrainer';
import { fluxModelFileFindings } from './familyChecks';
import { resolutionPair } from './trainingFields';

/** What the checks before a training found. The same list for the command, the task, the tree button and the CLI. */
export interface PreflightFindings {
	/** Problems that stop the training (nothing is written or started). */
	errors: string[];
	/** Things the user confirms before training (the CLI prints them as warnings). */
	warnings: string[];
	/** What the user should know without being asked (settings rewritten, GPUs left idle). */
	notes: string[];
	/** Fixes the editor offers beside the warnings, by id. */
	offers: PreflightOffer[];
}

/** `enable-buckets`: set training.enableBucket: true (images would be cropped without). */
export type PreflightOffer = 'enable-buckets';

/** Caption lint errors (the editor's Problems, the CLI's own lint run) as the one preflight error both give. */
export function captionErrorsFinding(items: readonly { path: string; line: number; message: string }[], where: string): string | undefined {
	if (items.length === 0) {
		return undefined;
	}
	return `${items.length} caption error(s) ${where}, e.g. ${items.slice(0, 3).map((i) => `${i.path}:${i.line}: ${i.message}`).join('; ')}`;
}

export interface PreflightOptions {
	/**
	 * The caller moves an earlier run's files into that run's folder before starting (the editor does, see
	 * runArchive.ts), so same-named checkpoints are not overwritten; the CLI only writes run files, and says so.
	 */
	archivesPreviousRun?: boolean;
	/** What the trainer probe found (GPUs, optional packages); the CLI has no probe and leaves it out. */
	environment?: TrainerEnvironment;
}

/**
 * The checks that need no editor: every way into a training (command, tree button, task, CLI) runs these on the
 * one plan that will run, so the plan the user confirmed is the plan that trains.
 */
export async function preflightFindings(folder: TrainingFolder, plan: TrainingPlan | undefined, options: PreflightOptions = {}): Promise<PreflightFindings> {
	const errors: string[] = [];
	const warnings: string[] = [];
	const notes: string[] = [];
	const offers: PreflightOffer[] = [];
	const addError = (message: string): void => {
		if (!errors.includes(message)) {
			errors.push(message);
		}
	};
	for (const problem of folder.warnings.filter((w) => w.severity === 'error')) {
		addError(problem.message);
	}
	const uncaptioned = folder.subsets.filter((s) => !s.isReg).flatMap((s) => s.images.filter((i) => !i.hasCaption));
	if (uncaptioned.length) {
		warnings.push(`${uncaptioned.length} image(s) have no caption; sd-scripts trains them on the folder's class tokens only (e.g. ${uncaptioned.slice(0, 2).map((i) => i.name).join(', ')})`);
	}
	for (const check of folder.checks.filter((c) => c.code === 'total-steps' && !c.ok)) {
		warnings.push(check.message);
	}
	if (plan) {
		plan.errors.forEach(addError);
		if (!options.archivesPreviousRun) {
			for (const path of plan.overwrites) {
				warnings.push(`${path} exists and would be overwritten (set training.outputName, or train from VS Code, which first moves the previous run's files into its run folder)`);
			}
		}
		for (const problem of plan.settingsProblems) {
			warnings.push(`lora-workbench.yaml: ${problem.message}`);
		}
		notes.push(...plan.settingsNotes.map((note) => `lora-workbench.yaml: ${note}`));
		const trainer = trainerFindings(plan, options.environment ?? {});
		trainer.errors.forEach(addError);
		warnings.push(...trainer.warnings);
		notes.push(...trainer.notes);
		const modelFiles = await fluxModelFileFindings(plan.root, plan.settings);
		modelFiles.errors.forEach(addError);
		notes.push(...modelFiles.notes);
		if (!plan.settings.enableBucket) {
			const crop = await bucketCropFinding(folder, resolutionPair(plan.settings.resolution), plan.settings.randomCrop);
			if (crop.message) {
				warnings.push(crop.message);
				offers.push('enable-buckets');
			}
		}
	}
	return { errors, warnings, notes, offers };
}
