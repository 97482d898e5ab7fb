import { normalizeTag } from '../caption';
import { CoverageGroups, groupIndex } from './groups';

export interface CoverageImage {
	path: string;
	tags: string[];
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

function coverageOf(name: string, role: CoverageSubset['role'], images: CoverageImage[], groups: CoverageGroups): SubsetCoverage {
	const index = groupIndex(groups);
	const perGroup = new Map<string, Map<string, Set<string>>>();
	const covered = new Map<string, Set<string>>();
	for (const group of Object.keys(groups)) {
		perGroup.set(group, new Map());
		covered.set(group, new Set());
	}
	for (const image of images) {
		for (const tag of image.tags) {
			for (const hit of index.get(normalizeTag(tag)) ?? []) {
				const tags = perGroup.get(hit.group)!;
				tags.set(hit.tag, (tags.get(hit.tag) ?? new Set()).add(image.path));
				covered.get(hit.group)!.add(image.path);
			}
		}
	}
	const count = images.length;
	return {
		subset: name,
		role,
		imageCount: count,
		groups: Object.keys(groups).map((group) => ({
			group,
			tags: [...perGroup.get(group)!.entries()]
				.map(([tag, paths]) => ({ tag, count: paths.size, share: count ? paths.size / count : 0, images: [...paths].sort() }))
				.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
			untagged: images.filter((image) => !covered.get(group)!.has(image.path)).map((image) => image.path),
		})),
	};
}

export function computeCoverage(subsets: CoverageSubset[], groups: CoverageGroups): CoverageReport {
	const trained = subsets.filter((s) => s.role !== 'reg');
	return {
		subsets: subsets.map((s) => coverageOf(s.name, s.role, s.images, groups)),
		total: coverageOf('all subsets', 'unknown', trained.flatMap((s) => s.images), groups),
	};
}
