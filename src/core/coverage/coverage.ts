import { Steps, runToEnd, sortSteps } from '../slices';
import { memoizedNormalize } from '../tagStats';
import { CoverageGroups, groupIndex } from './groups';

export interface CoverageImage {
	path: string;
	tags: readonly string[];
}

export interface CoverageSubset {
	name: string;
	role: 'face' | 'body' | 'costume' | 'reg' | 'unknown';
	images: CoverageImage[];
}

export interface TagCoverage {
	tag: string;
	count: number;
	share: number;
	images: string[];
}

export interface GroupCoverage {
	group: string;
	/** Tags of the group seen in this subset, most frequent first. */
	tags: TagCoverage[];
	/** Images with none of the group's tags. */
	untagged: string[];
}

export interface SubsetCoverage {
	subset: string;
	role: CoverageSubset['role'];
	imageCount: number;
	groups: GroupCoverage[];
}

export interface CoverageReport {
	subsets: SubsetCoverage[];
	/** All subsets together (regularisation images left out). */
	total: SubsetCoverage;
}

/** Per subset (and for all of them): which images each group's tags are on. */
class Tally {
	readonly perGroup = new Map<string, Map<string, string[]>>();
	readonly covered = new Map<string, Set<string>>();
	readonly images: string[] = [];

	constructor(groups: readonly string[]) {
		for (const group of groups) {
			this.perGroup.set(group, new Map());
			this.covered.set(group, new Set());
		}
	}

	add(path: string, hits: ReadonlyArray<{ group: string; tag: string }>): void {
		this.images.push(path);
		for (let h = 0; h < hits.length; h++) {
			const hit = hits[h];
			const tags = this.perGroup.get(hit.group)!;
			const paths = tags.get(hit.tag);
			if (!paths) {
				tags.set(hit.tag, [path]);
			} else if (paths[paths.length - 1] !== path) {
				paths.push(path);
			}
			this.covered.get(hit.group)!.add(path);
		}
	}

	*finish(name: string, role: CoverageSubset['role']): Steps<SubsetCoverage> {
		const count = this.images.length;
		const groups: GroupCoverage[] = [];
		for (const [group, tags] of this.perGroup) {
			const covered = this.covered.get(group)!;
			const tagCoverage: GroupCoverage['tags'] = [];
			for (const [tag, paths] of tags) {
				// paths.sort() in steps (the default order: UTF-16 code units); 20,000 paths took a slice's budget many times over.
				const images = yield* sortSteps(paths, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
				tagCoverage.push({ tag, count: paths.length, share: count ? paths.length / count : 0, images });
			}
			const untagged: string[] = [];
			for (let i = 0; i < this.images.length; i++) {
				if (!covered.has(this.images[i])) {
					untagged.push(this.images[i]);
				}
				if ((i & 15) === 15) {
					yield;
				}
			}
			groups.push({ group, tags: tagCoverage.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)), untagged });
			yield;
		}
		return { subset: name, role, imageCount: count, groups };
	}
}

/**
 * The coverage report in steps of one image (see slices.ts). Each image's tags are looked up once, normalised
 * through a cache, and counted for its subset and for the total at the same time.
 */
export function* coverageSteps(subsets: CoverageSubset[], groups: CoverageGroups, normalize = memoizedNormalize()): Steps<CoverageReport> {
	const index = groupIndex(groups);
	const names = Object.keys(groups);
	const tallies = subsets.map(() => new Tally(names));
	const total = new Tally(names);
	// One list for every image's hits (Tally.add keeps none of it): a list per image and one per tag, from flatMap,
	// were 600,000 arrays per recompute at 20,000 captions (issue 22).
	const hits: Array<{ group: string; tag: string }> = [];
	for (let i = 0; i < subsets.length; i++) {
		const subset = subsets[i];
		for (let m = 0; m < subset.images.length; m++) {
			const image = subset.images[m];
			hits.length = 0;
			for (let t = 0; t < image.tags.length; t++) {
				const found = index.get(normalize(image.tags[t]));
				if (found) {
					for (let f = 0; f < found.length; f++) {
						hits.push(found[f]);
					}
				}
			}
			tallies[i].add(image.path, hits);
			if (subset.role !== 'reg') {
				total.add(image.path, hits);
			}
			yield;
		}
	}
	const report: SubsetCoverage[] = [];
	for (const [i, subset] of subsets.entries()) {
		report.push(yield* tallies[i].finish(subset.name, subset.role));
	}
	return { subsets: report, total: yield* total.finish('all subsets', 'unknown') };
}

export function computeCoverage(subsets: CoverageSubset[], groups: CoverageGroups): CoverageReport {
	return runToEnd(coverageSteps(subsets, groups));
}
