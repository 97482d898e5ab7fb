import { imageCaptionTags } from '../datasetCaptionTags';
import type { TrainingFolder } from '../dataset';
import { Steps, runInSlices, sortSteps } from '../slices';
import { memoizedNormalize } from '../tagStats';
import { checkCoverageSteps } from './checks';
import { CoverageReport, CoverageSubset, GroupCoverage, SubsetCoverage, TagCoverage } from './coverage';
import { FolderCoverage, coverageGroupsOf, coverageOptionsFrom, coverageSubsetSteps } from './fromFolder';
import { groupIndex } from './groups';

/** One group tag an image's caption has. The objects come from the group index, so equal hits are the same object. */
interface Hit {
	group: string;
	tag: string;
}

type Hits = readonly Hit[];
const NO_HITS: Hits = Object.freeze([]);

/** What the tracker reads of a scan: a TrainingFolder, or anything shaped like the parts it uses (tests). */
export type TrackedFolder = Pick<TrainingFolder, 'settings'> & {
	subsets: ReadonlyArray<Pick<TrainingFolder['subsets'][number], 'key' | 'name' | 'role' | 'isReg'> & { images: readonly TrackedImage[] }>;
};
type TrackedImage = Pick<TrainingFolder['subsets'][number]['images'][number], 'path' | 'caption'>;

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One subset's coverage, kept from one scan to the next: a rescan changes the tally only for the images whose group
 * tags changed, and only the groups those touch are made again.
 */
class SubsetTally {
	private paths: string[] = [];
	/** Each image's hits, in the order of `paths`: an image's groups are read from its few hits, not looked up by path. */
	private hitsAt: Hits[] = [];
	private readonly perGroup = new Map<string, Map<string, Set<string>>>();
	/** Each tag's images in order, as last reported; dropped when the tag's images change. */
	private readonly sorted = new Map<string, Map<string, string[]>>();
	private readonly dirtyGroups = new Set<string>();
	private membershipChanged = true;
	private readonly lastGroups = new Map<string, GroupCoverage>();

	constructor(private readonly groups: readonly string[]) {
		for (const group of groups) {
			this.perGroup.set(group, new Map());
			this.sorted.set(group, new Map());
		}
	}

	/** Whether the last update changed anything the report shows. */
	get changed(): boolean {
		return this.membershipChanged || this.dirtyGroups.size > 0;
	}

	*update(images: readonly TrackedImage[], hitsOf: (image: TrackedImage) => Hits): Steps<void> {
		let same = images.length === this.paths.length;
		for (let i = 0; i < images.length && same; i++) {
			same = this.paths[i] === images[i].path;
		}
		if (same) {
			yield* this.updateHits(images, hitsOf);
		} else {
			yield* this.updateMembers(images, hitsOf);
		}
	}

	/** The same images in the same order: only the hits that changed are counted again. */
	private *updateHits(images: readonly TrackedImage[], hitsOf: (image: TrackedImage) => Hits): Steps<void> {
		for (let i = 0; i < images.length; i++) {
			const hits = hitsOf(images[i]);
			if (this.hitsAt[i] !== hits) {
				this.change(images[i].path, this.hitsAt[i], hits);
				this.hitsAt[i] = hits;
			}
			if ((i & 31) === 31) {
				yield;
			}
		}
	}

	/** Images added, gone or in another order: each image's last hits are found by path, and what is left was removed. */
	private *updateMembers(images: readonly TrackedImage[], hitsOf: (image: TrackedImage) => Hits): Steps<void> {
		this.membershipChanged = true;
		const last = new Map<string, Hits>();
		for (let i = 0; i < this.paths.length; i++) {
			last.set(this.paths[i], this.hitsAt[i]);
		}
		const paths: string[] = [];
		const hitsAt: Hits[] = [];
		for (let i = 0; i < images.length; i++) {
			const path = images[i].path;
			const hits = hitsOf(images[i]);
			const before = last.get(path) ?? NO_HITS;
			last.delete(path);
			if (before !== hits) {
				this.change(path, before, hits);
			}
			paths.push(path);
			hitsAt.push(hits);
			if ((i & 31) === 31) {
				yield;
			}
		}
		for (const [path, hits] of last) {
			this.change(path, hits, NO_HITS);
		}
		this.paths = paths;
		this.hitsAt = hitsAt;
	}

	*finish(name: string, role: CoverageSubset['role']): Steps<SubsetCoverage> {
		const count = this.paths.length;
		const again = this.groups.filter((group) => this.membershipChanged || this.dirtyGroups.has(group) || !this.lastGroups.has(group));
		const untagged = again.map((): string[] => []);
		// One pass for every group made again: most images have a few hits, or none (untagged in each).
		for (let i = 0; i < count; i++) {
			const hits = this.hitsAt[i];
			for (let g = 0; g < again.length; g++) {
				if (!hasGroup(hits, again[g])) {
					untagged[g].push(this.paths[i]);
				}
			}
			if ((i & 31) === 31) {
				yield;
			}
		}
		for (let g = 0; g < again.length; g++) {
			const group = again[g];
			const sorted = this.sorted.get(group)!;
			const tags: TagCoverage[] = [];
			for (const [tag, paths] of this.perGroup.get(group)!) {
				let images = sorted.get(tag);
				if (!images) {
					images = yield* sortSteps([...paths], byCodeUnits);
					sorted.set(tag, images);
				}
				tags.push({ tag, count: paths.size, share: count ? paths.size / count : 0, images });
			}
			this.lastGroups.set(group, { group, tags: tags.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)), untagged: untagged[g] });
		}
		this.dirtyGroups.clear();
		this.membershipChanged = false;
		return { subset: name, role, imageCount: count, groups: this.groups.map((group) => this.lastGroups.get(group)!) };
	}

	/** Moves an image from its hits in the last scan to this one's; a group is made again only if its tags on the image changed. */
	private change(path: string, before: Hits, after: Hits): void {
		for (let h = 0; h < before.length; h++) {
			const { group, tag } = before[h];
			if (!after.includes(before[h])) {
				const tags = this.perGroup.get(group)!;
				const paths = tags.get(tag)!;
				paths.delete(path);
				if (paths.size === 0) {
					tags.delete(tag);
				}
				this.touch(group, tag);
			}
		}
		for (let h = 0; h < after.length; h++) {
			const { group, tag } = after[h];
			if (!before.includes(after[h])) {
				const tags = this.perGroup.get(group)!;
				const paths = tags.get(tag);
				if (paths) {
					paths.add(path);
				} else {
					tags.set(tag, new Set([path]));
				}
				this.touch(group, tag);
			}
		}
	}

	private touch(group: string, tag: string): void {
		this.sorted.get(group)!.delete(tag);
		this.dirtyGroups.add(group);
	}
}

function hasGroup(hits: Hits, group: string): boolean {
	for (let h = 0; h < hits.length; h++) {
		if (hits[h].group === group) {
			return true;
		}
	}
	return false;
}

/**
 * A folder's coverage kept up to date from scan to scan (the Coverage view holds one per folder). A rescan after a
 * few captions changed reads every image's tags (kept with the image: datasetCaptionTags.ts) but counts again only
 * the images whose group tags changed, and makes again only the groups they touch: made whole, each change to a
 * 20,000-caption folder cost the extension host 150-300 ms of work and the garbage of 240,000 list entries (issue 22).
 * The result equals folderCoverage's for the same scan (test/unit/coverageTracker.test.ts).
 */
export class CoverageTracker {
	private readonly normalize = memoizedNormalize();
	private groupsKey = '';
	private index = new Map<string, Hit[]>();
	private groupNames: string[] = [];
	private readonly hitsByPath = new Map<string, { tags: readonly string[]; hits: Hits }>();
	private tallies = new Map<string, SubsetTally>();
	/** The total's groups as last made, with the subsets' groups they were made from. */
	private lastTotal: Array<{ pieces: GroupCoverage[]; coverage: GroupCoverage }> | undefined;
	private lastTotalCount = 0;
	private optionsKey = '';
	private last: FolderCoverage | undefined;
	/** Updates run one at a time; one that a newer scan overtook before it began takes the newer one's result. */
	private tail: Promise<unknown> = Promise.resolve();
	private wanted: TrackedFolder | undefined;
	private newest: Promise<FolderCoverage> | undefined;

	/** The coverage of `folder`, computed in slices after the updates asked for before it. */
	coverage(folder: TrackedFolder): Promise<FolderCoverage> {
		this.wanted = folder;
		const run = this.tail.then(() => (this.wanted === folder ? runInSlices(this.updateSteps(folder)) : undefined));
		this.tail = run.catch(() => undefined);
		const result = run.then((coverage) => coverage ?? this.newest!);
		this.newest = result;
		return result;
	}

	*updateSteps(folder: TrackedFolder): Steps<FolderCoverage> {
		try {
			return yield* this.steps(folder);
		} catch (err) {
			this.reset('');
			throw err;
		}
	}

	private *steps(folder: TrackedFolder): Steps<FolderCoverage> {
		const { options } = coverageOptionsFrom(folder.settings.raw);
		const groups = coverageGroupsOf(folder.settings);
		const groupsKey = JSON.stringify(groups);
		if (groupsKey !== this.groupsKey) {
			this.reset(groupsKey);
			this.index = groupIndex(groups);
			this.groupNames = Object.keys(groups);
		}
		const hitsOf = (image: TrackedImage): Hits => this.hitsOf(image);
		const tallies = new Map<string, SubsetTally>();
		const subsets: SubsetCoverage[] = [];
		let changed = false;
		for (let s = 0; s < folder.subsets.length; s++) {
			const subset = folder.subsets[s];
			const tally = this.tallies.get(subset.key) ?? new SubsetTally(this.groupNames);
			tallies.set(subset.key, tally);
			yield* tally.update(subset.images, hitsOf);
			changed ||= tally.changed;
			subsets.push(yield* tally.finish(subset.name, subset.isReg ? 'reg' : subset.role));
		}
		changed ||= tallies.size !== this.tallies.size || [...this.tallies.keys()].some((key) => !tallies.has(key));
		this.tallies = tallies;
		const report: CoverageReport = { subsets, total: yield* this.totalSteps(subsets.filter((s) => s.role !== 'reg')) };
		yield* this.forgetGone(folder);
		// The checks read the report, and the captions only for declared costumes' shares.
		const optionsKey = JSON.stringify([options, subsets.map((s) => [s.subset, s.role])]);
		if (!changed && this.last && optionsKey === this.optionsKey && options.costumes.length === 0) {
			return (this.last = { report, problems: this.last.problems });
		}
		this.optionsKey = optionsKey;
		const captions = options.costumes.length > 0 ? yield* coverageSubsetSteps(folder) : [];
		return (this.last = { report, problems: yield* checkCoverageSteps(report, captions, options) });
	}

	/**
	 * All subsets together, made from the subsets' coverage: their images are the total's, in folder order, so a
	 * group's untagged images are the subsets' lists one after the other, and a tag's images their lists merged. A
	 * group whose subsets' coverage is unchanged (the same objects) keeps its total too.
	 */
	private *totalSteps(parts: readonly SubsetCoverage[]): Steps<SubsetCoverage> {
		let count = 0;
		for (const part of parts) {
			count += part.imageCount;
		}
		const groups: GroupCoverage[] = [];
		const made: Array<{ pieces: GroupCoverage[]; coverage: GroupCoverage }> = [];
		for (let g = 0; g < this.groupNames.length; g++) {
			const pieces = parts.map((part) => part.groups[g]);
			const last = this.lastTotal?.[g];
			if (last && this.lastTotalCount === count && last.pieces.length === pieces.length && last.pieces.every((piece, p) => piece === pieces[p])) {
				made.push(last);
				groups.push(last.coverage);
				continue;
			}
			const byTag = new Map<string, { count: number; lists: string[][] }>();
			for (const piece of pieces) {
				for (const tag of piece.tags) {
					const entry = byTag.get(tag.tag);
					if (entry) {
						entry.count += tag.count;
						entry.lists.push(tag.images);
					} else {
						byTag.set(tag.tag, { count: tag.count, lists: [tag.images] });
					}
				}
			}
			const tags: TagCoverage[] = [];
			for (const [tag, entry] of byTag) {
				// One subset's list is already in order; several are runs in order, which sortSteps merges.
				const images = entry.lists.length === 1 ? entry.lists[0] : yield* sortSteps(([] as string[]).concat(...entry.lists), byCodeUnits);
				tags.push({ tag, count: entry.count, share: count ? entry.count / count : 0, images });
			}
			const untagged = pieces.length === 1 ? pieces[0].untagged : ([] as string[]).concat(...pieces.map((piece) => piece.untagged));
			const coverage: GroupCoverage = { group: this.groupNames[g], tags: tags.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)), untagged };
			made.push({ pieces, coverage });
			groups.push(coverage);
			yield;
		}
		this.lastTotal = made;
		this.lastTotalCount = count;
		return { subset: 'all subsets', role: 'unknown', imageCount: count, groups };
	}

	private hitsOf(image: TrackedImage): Hits {
		const tags = imageCaptionTags(image);
		const known = this.hitsByPath.get(image.path);
		if (known?.tags === tags) {
			return known.hits;
		}
		let hits: Hit[] | undefined;
		for (let t = 0; t < tags.length; t++) {
			const found = this.index.get(this.normalize(tags[t]));
			if (found) {
				for (let f = 0; f < found.length; f++) {
					hits ??= [];
					if (!hits.includes(found[f])) {
						hits.push(found[f]);
					}
				}
			}
		}
		const same = known && sameHits(known.hits, hits ?? NO_HITS) ? known.hits : hits ?? NO_HITS;
		this.hitsByPath.set(image.path, { tags, hits: same });
		return same;
	}

	/** The per-image cache keeps images of this scan only, once images went away. */
	private *forgetGone(folder: TrackedFolder): Steps<void> {
		let count = 0;
		for (const subset of folder.subsets) {
			count += subset.images.length;
		}
		if (this.hitsByPath.size <= count) {
			return;
		}
		const current = new Set<string>();
		for (const subset of folder.subsets) {
			for (let i = 0; i < subset.images.length; i++) {
				current.add(subset.images[i].path);
				if ((i & 63) === 63) {
					yield;
				}
			}
		}
		for (const path of [...this.hitsByPath.keys()]) {
			if (!current.has(path)) {
				this.hitsByPath.delete(path);
			}
		}
	}

	private reset(groupsKey: string): void {
		this.groupsKey = groupsKey;
		this.hitsByPath.clear();
		this.tallies = new Map();
		this.lastTotal = undefined;
		this.last = undefined;
	}
}

function sameHits(a: Hits, b: Hits): boolean {
	if (a.length !== b.length) {
		return false;
	}
	for (let i = 0; i < a.length; i++) {
		if (a[i] !== b[i]) {
			return false;
		}
	}
	return true;
}
