import { normalizeTag } from '../caption';
import { countOf } from '../plural';
import { Steps, runToEnd } from '../slices';
import { memoizedNormalize } from '../tagStats';
import { CoverageReport, CoverageSubset, SubsetCoverage } from './coverage';

/** Guide checks on coverage (issue 12); thresholds live in lora-workbench.yaml under `coverage:`. */
export interface CoverageOptions {
	/** A face subset is "one angle" when this share of its images has the same angle tag and few have others. */
	oneAngleShare: number;
	/** Standing full-body shots a body subset should have at least. */
	minFullBodyShots: number;
	/** Hairstyles the user declared the person wears; the captions should show each. */
	hairstyles: string[];
	/** Costume tags with their intended share of images (guide: about 25%). */
	costumes: { tag: string; share: number }[];
}

export const DEFAULT_COVERAGE_OPTIONS: Readonly<CoverageOptions> = Object.freeze({
	oneAngleShare: 0.85,
	minFullBodyShots: 2,
	hairstyles: [],
	costumes: [],
});

export interface CoverageProblem {
	subset: string;
	code: 'one-angle' | 'no-angle-tags' | 'few-full-body' | 'one-hairstyle' | 'costume-share';
	severity: 'warning' | 'info';
	message: string;
	/** Images the problem is about (for "click to filter"). */
	images: string[];
}

const FRONTAL = new Set(['looking at viewer', 'facing viewer']);

function tagImages(coverage: SubsetCoverage, group: string): Map<string, string[]> {
	return new Map((coverage.groups.find((g) => g.group === group)?.tags ?? []).map((t) => [normalizeTag(t.tag), t.images]));
}

function imagesWithAll(coverage: SubsetCoverage, tags: string[]): string[] {
	const sets = tags.map((tag) => {
		for (const group of coverage.groups) {
			const hit = group.tags.find((t) => normalizeTag(t.tag) === normalizeTag(tag));
			if (hit) {
				return new Set(hit.images);
			}
		}
		return new Set<string>();
	});
	return [...sets[0]].filter((path) => sets.every((s) => s.has(path)));
}

export function checkCoverage(report: CoverageReport, subsets: CoverageSubset[], options: CoverageOptions): CoverageProblem[] {
	return runToEnd(checkCoverageSteps(report, subsets, options));
}

/** The checks in steps of one image for the costume shares, the only part that reads every caption (slices.ts). */
export function* checkCoverageSteps(report: CoverageReport, subsets: CoverageSubset[], options: CoverageOptions): Steps<CoverageProblem[]> {
	const normalize = memoizedNormalize();
	function* imagesWithTag(tag: string): Steps<string[]> {
		const key = normalizeTag(tag);
		const found: string[] = [];
		for (const subset of subsets.filter((s) => s.role !== 'reg')) {
			for (const image of subset.images) {
				if (image.tags.some((t) => normalize(t) === key)) {
					found.push(image.path);
				}
				yield;
			}
		}
		return found;
	}
	const problems: CoverageProblem[] = [];
	for (const subset of report.subsets) {
		if (subset.role === 'face' && subset.imageCount >= 5) {
			const angles = subset.groups.find((g) => g.group === 'angle');
			const top = angles?.tags[0];
			// Only what the captions say counts: a face without an angle tag is not known to be frontal (with no captions
			// at all, "27 of 27 faces are from the front" was simply wrong).
			const untagged = angles?.untagged ?? [];
			const frontal = new Set((angles?.tags ?? []).filter((t) => FRONTAL.has(normalizeTag(t.tag))).flatMap((t) => t.images));
			const others = (angles?.tags ?? []).filter((t) => !FRONTAL.has(normalizeTag(t.tag))).flatMap((t) => t.images);
			const otherSet = new Set(others);
			const frontalOnly = [...frontal].filter((p) => !otherSet.has(p));
			if (untagged.length / subset.imageCount >= options.oneAngleShare) {
				problems.push({
					subset: subset.subset, code: 'no-angle-tags', severity: 'info',
					message: `${untagged.length} of ${subset.imageCount} faces in ${subset.subset} have no angle tag (looking at viewer, from side, from above...), so the captions cannot tell which angles the set covers: the measured head pose in the Coverage view can, or caption them with the WD14 tagger.`,
					images: [...untagged].sort(),
				});
			} else if (frontalOnly.length / subset.imageCount >= options.oneAngleShare) {
				problems.push({
					subset: subset.subset, code: 'one-angle', severity: 'warning',
					message: `${frontalOnly.length} of ${subset.imageCount} faces in ${subset.subset} are from the front${otherSet.size ? ` and only ${otherSet.size} from another angle` : ''}: add close-ups from the side, from above and from below so the LoRA learns the face in 3D.`,
					images: frontalOnly.sort(),
				});
			} else if (top && !FRONTAL.has(normalizeTag(top.tag)) && top.share >= options.oneAngleShare) {
				problems.push({
					subset: subset.subset, code: 'one-angle', severity: 'warning',
					message: `${top.count} of ${subset.imageCount} faces in ${subset.subset} are tagged "${top.tag}": add faces from other angles, including some looking at the viewer.`,
					images: top.images,
				});
			}
		}
		if (subset.role === 'body') {
			const shots = imagesWithAll(subset, ['full body', 'standing']);
			if (shots.length < options.minFullBodyShots) {
				// The guide's body crops end at the waist; its 2-3 standing shots "where 90% of the body is visible" are a
				// suggestion for full-body generations, not a requirement: information, not a warning.
				problems.push({
					subset: subset.subset, code: 'few-full-body', severity: 'info',
					message: `${subset.subset} has ${countOf(shots.length, 'standing full-body shot')} (tagged "full body" and "standing"). The guide's body crops end at the waist; for full-body generations it suggests ${options.minFullBodyShots}-${options.minFullBodyShots + 1} standing shots where 90% of the body is visible.`,
					images: shots,
				});
			}
		}
	}
	if (options.hairstyles.length > 1) {
		const seen = tagImages(report.total, 'hairstyle');
		const missing = options.hairstyles.filter((h) => !(seen.get(normalizeTag(h))?.length));
		if (missing.length > 0 && missing.length >= options.hairstyles.length - 1) {
			problems.push({
				subset: report.total.subset, code: 'one-hairstyle', severity: 'warning',
				message: `The settings declare the hairstyles ${options.hairstyles.join(', ')}, but no caption shows ${missing.join(', ')}: add images with ${missing.length === 1 ? 'it' : 'them'} (and tag the hairstyle) so the LoRA does not bake one hairstyle into the trigger.`,
				images: [],
			});
		}
	}
	const total = report.total.imageCount;
	for (const costume of options.costumes) {
		const images = yield* imagesWithTag(costume.tag);
		if (total > 0 && images.length / total > costume.share + 0.05) {
			const keep = Math.floor(total * costume.share);
			problems.push({
				subset: report.total.subset, code: 'costume-share', severity: 'warning',
				message: `The costume "${costume.tag}" is in ${images.length} of ${total} images (${Math.round((images.length / total) * 100)}%), above its ${Math.round(costume.share * 100)}% share: keep it to about ${keep} images, or it will stick to the trigger word.`,
				images,
			});
		}
	}
	return problems;
}
