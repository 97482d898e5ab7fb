/**
 * The guide's checks on a training folder, each with the number it found and the range it wants, so the
 * tree can say "total steps 9280 (guide: about 1500 or fewer)" instead of a bare warning.
 */
import type { GuideCheck, TrainingFolder } from './datasetModel';

export type { GuideCheck } from './datasetModel';

function inRange(value: number, [min, max]: readonly [number, number]): boolean {
	return value >= min && value <= max;
}

function round(value: number): string {
	return String(Number(value.toFixed(2)));
}

type CheckInput = Pick<TrainingFolder, 'subsets' | 'steps' | 'trigger' | 'settings'>;

export function guideChecks(folder: CheckInput): GuideCheck[] {
	const limits = folder.settings.checks;
	const checks: GuideCheck[] = [];
	// The guide's numbers are for SD1.5 (25-30 faces at 512, about 1500 steps); for SDXL and Flux.1 they are shown
	// as what they are, not as that family's own advice.
	const model = folder.settings.training.model;
	const guide = model === 'sdxl' || model === 'flux1' ? `SD1.5 guide, not tuned for ${model === 'sdxl' ? 'SDXL' : 'Flux.1'}` : 'guide';
	if (folder.steps) {
		const total = folder.steps.totalSteps;
		checks.push({
			code: 'total-steps', ok: total <= limits.maxTotalSteps,
			message: `Total steps ${total} (${guide}: about ${limits.maxTotalSteps} or fewer)`,
		});
	}
	const imagesOf = (role: string): number | undefined => {
		const subsets = folder.subsets.filter((s) => s.role === role);
		return subsets.length === 0 ? undefined : subsets.reduce((n, s) => n + s.images.length, 0);
	};
	const face = imagesOf('face');
	const body = imagesOf('body');
	if (face !== undefined) {
		checks.push({
			code: 'face-images', ok: inRange(face, limits.faceImages),
			message: `Face images ${face} (${guide}: ${limits.faceImages[0]}-${limits.faceImages[1]})`,
		});
	}
	if (body !== undefined) {
		checks.push({
			code: 'body-images', ok: inRange(body, limits.bodyImages),
			message: `Body images ${body} (${guide}: ${limits.bodyImages[0]}-${limits.bodyImages[1]})`,
		});
	}
	if (face !== undefined && body !== undefined && body > 0) {
		const ratio = face / body;
		checks.push({
			code: 'face-body-ratio', ok: inRange(ratio, limits.faceBodyRatio),
			message: `Face:body ratio ${round(ratio)}:1 (${face}:${body}; ${guide}: ${round(limits.faceBodyRatio[0])}-${round(limits.faceBodyRatio[1])}x)`,
		});
	}
	if (folder.trigger) {
		for (const subset of folder.subsets.filter((s) => !s.isReg)) {
			const first = subset.classTokens.trim().split(/\s+/)[0];
			if (first !== folder.trigger) {
				checks.push({
					code: 'trigger-prefix', ok: false, subsetDir: subset.dir,
					message: `Subset "${subset.name}": class tokens "${subset.classTokens}" do not start with the trigger word "${folder.trigger}"; captionless images train without it. Rename to ${subset.repeats}_${folder.trigger}${subset.classTokens.trim() ? ` ${subset.classTokens.trim()}` : ''}.`,
				});
			}
		}
	}
	return checks;
}
