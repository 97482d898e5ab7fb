import type { TrainingFolder } from '../dataset';
import type { TrainingPlan } from './plan';

/** What the checks before a training found. The same list for the command, the task, the tree button and the CLI. */
export interface PreflightFindings {
	/** Problems that stop the training (nothing is written or started). */
	errors: string[];
	/** Things the user confirms before training (the CLI prints them as warnings). */
	warnings: string[];
}

export interface PreflightOptions {
	/**
	 * The caller moves an earlier run's files into that run's folder before starting (the editor does, see
	 * runArchive.ts), so same-named checkpoints are not overwritten; the CLI only writes run files, and says so.
	 */
	archivesPreviousRun?: boolean;
}

/**
 * The checks that need only the folder and the plan (no editor, no GPU probe): every way into a training runs
 * these on the one plan that will run, so the plan the user confirmed is the plan that trains.
 */
export function preflightFindings(folder: TrainingFolder, plan: TrainingPlan | undefined, options: PreflightOptions = {}): PreflightFindings {
	const errors: string[] = [];
	const warnings: string[] = [];
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
	}
	return { errors, warnings };
}
