import { imageCaptionTags } from '../datasetCaptionTags';
import { TrainingFolder, stepSettingsOf } from '../dataset';
import { computeSteps } from '../steps';
import { BalanceInput, BalanceProposal, proposeRepeats } from './balance';
import { Steps, runToEnd } from '../slices';
import { CoverageOptions, CoverageProblem, DEFAULT_COVERAGE_OPTIONS, checkCoverageSteps } from './checks';
import { CoverageImage, CoverageReport, CoverageSubset, coverageSteps } from './coverage';
import { CoverageGroups, resolveGroups, withDeclaredCostumes } from './groups';
import { memoizedNormalize } from '../tagStats';

/** The `coverage:` section of lora-workbench.yaml: groups, thresholds, declared hairstyles and costumes. */
export function coverageOptionsFrom(raw: Record<string, unknown>): { options: CoverageOptions; groupsSetting: unknown } {
	const section = (typeof raw.coverage === 'object' && raw.coverage !== null ? raw.coverage : {}) as Record<string, unknown>;
	const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
	const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
	const costumes = Array.isArray(section.costumes) ? section.costumes : Array.isArray(raw.costumes) ? raw.costumes : [];
	return {
		options: {
			oneAngleShare: number(section.oneAngleShare, DEFAULT_COVERAGE_OPTIONS.oneAngleShare),
			minFullBodyShots: number(section.minFullBodyShots, DEFAULT_COVERAGE_OPTIONS.minFullBodyShots),
			hairstyles: strings(section.hairstyles),
			costumes: costumes.flatMap((c: unknown) => {
				if (typeof c === 'string') {
					return [{ tag: c, share: 0.25 }];
				}
				if (typeof c === 'object' && c !== null && typeof (c as { tag?: unknown }).tag === 'string') {
					return [{ tag: (c as { tag: string }).tag, share: number((c as { share?: unknown }).share, 0.25) }];
				}
				return [];
			}),
		},
		groupsSetting: section.groups,
	};
}

/** The coverage groups of a folder's settings: defaults, `coverage.groups`, and declared costumes as outfits. */
export function coverageGroupsOf(settings: TrainingFolder['settings']): CoverageGroups {
	const { options, groupsSetting } = coverageOptionsFrom(settings.raw);
	const declared = [...options.costumes.map((c) => c.tag), ...(settings.lint?.costumeTags ?? [])];
	return withDeclaredCostumes(resolveGroups(groupsSetting), declared);
}

export function coverageSubsets(folder: TrainingFolder): CoverageSubset[] {
	return runToEnd(coverageSubsetSteps(folder));
}

type SubsetsOf = { subsets: ReadonlyArray<Pick<TrainingFolder['subsets'][number], 'name' | 'role' | 'isReg'> & { images: ReadonlyArray<Pick<TrainingFolder['subsets'][number]['images'][number], 'path' | 'caption'>> }> };

export function* coverageSubsetSteps(folder: SubsetsOf): Steps<CoverageSubset[]> {
	const subsets: CoverageSubset[] = [];
	for (const subset of folder.subsets) {
		const images: CoverageImage[] = [];
		for (let i = 0; i < subset.images.length; i++) {
			const image = subset.images[i];
			images.push({ path: image.path, tags: imageCaptionTags(image) });
			yield;
		}
		subsets.push({ name: subset.name, role: subset.isReg ? 'reg' : subset.role, images });
	}
	return subsets;
}

export interface FolderCoverage {
	report: CoverageReport;
	problems: CoverageProblem[];
}

/**
 * The folder's coverage and its problems, computed whole in steps of one image (slices.ts): the CLI's and the tests'.
 * The Coverage view keeps a CoverageTracker per folder instead, which gives the same result from scan to scan counting
 * only what changed. Each caption's tags are kept with the scanned image (datasetCaptionTags.ts).
 */
export function* folderCoverageSteps(folder: TrainingFolder, normalize = memoizedNormalize()): Steps<FolderCoverage> {
	const { options } = coverageOptionsFrom(folder.settings.raw);
	const subsets = yield* coverageSubsetSteps(folder);
	const report = yield* coverageSteps(subsets, coverageGroupsOf(folder.settings), normalize);
	return { report, problems: yield* checkCoverageSteps(report, subsets, options) };
}

export function folderCoverage(folder: TrainingFolder, normalize?: (tag: string) => string): FolderCoverage {
	return runToEnd(folderCoverageSteps(folder, normalize));
}

export interface BalanceRequest {
	budgetSteps: number;
	epochs?: number;
	/** Wanted face:body ratio of samples per epoch, e.g. 2 for 2:1. Default: keep the current shares. */
	faceToBody?: number;
}

/** Shares per subset for a face:body ratio of samples; within a role, in proportion to the images. */
export function sharesForRoleRatio(subsets: { name: string; role: string; images: number }[], faceToBody: number): Record<string, number> {
	const faceImages = subsets.filter((s) => s.role === 'face').reduce((n, s) => n + s.images, 0);
	const otherImages = subsets.filter((s) => s.role !== 'face').reduce((n, s) => n + s.images, 0);
	const faceShare = otherImages === 0 ? 1 : faceImages === 0 ? 0 : faceToBody / (faceToBody + 1);
	return Object.fromEntries(subsets.map((s) => [s.name, s.role === 'face'
		? (faceShare * s.images) / Math.max(1, faceImages)
		: ((1 - faceShare) * s.images) / Math.max(1, otherImages)]));
}

export function balanceFolder(folder: TrainingFolder, request: BalanceRequest): BalanceProposal {
	const epochs = request.epochs ?? folder.training.epochs;
	const trained = folder.subsets.filter((s) => !s.isReg && s.images.length > 0);
	const reg = folder.subsets.filter((s) => s.isReg);
	const subsets = trained.map((s) => ({ name: s.name, role: s.role, images: s.images.length, repeats: s.repeats }));
	const input: BalanceInput = {
		subsets,
		budgetSteps: request.budgetSteps,
		epochs,
		shares: request.faceToBody !== undefined ? sharesForRoleRatio(subsets, request.faceToBody) : undefined,
		totalSteps: (repeats) => computeSteps([
			...trained.map((s) => ({ images: s.images.length, repeats: repeats[s.name] ?? s.repeats, isReg: false, imageSizes: sizesOf(s.images) })),
			...reg.map((s) => ({ images: s.images.length, repeats: s.repeats, isReg: true, imageSizes: sizesOf(s.images) })),
		], stepSettingsOf(folder.training, epochs)).totalSteps,
	};
	return proposeRepeats(input);
}

function sizesOf(images: TrainingFolder['subsets'][number]['images']): ReadonlyArray<readonly [number, number]> | undefined {
	return images.every((image) => image.size) ? images.map((image) => image.size!) : undefined;
}
