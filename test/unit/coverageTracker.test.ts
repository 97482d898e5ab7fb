import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainingFolder } from '../../src/core/dataset';
import { CoverageTracker, TrackedFolder } from '../../src/core/coverage/coverageTracker';
import { folderCoverage } from '../../src/core/coverage/fromFolder';
import { runToEnd } from '../../src/core/slices';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// Group tags in the spellings captions use (case, underscores, weights), and tags in no group.
const POOL = ['looking at viewer', 'Looking_At_Viewer', 'from side', 'from above', '(from below:1.2)', 'profile', 'portrait', 'upper body',
	'full body', 'standing', 'long hair', 'ponytail', 'black hair', 'glasses', 'red dress', 'dress', 'shirt', 'jacket', 'smile', 'solo', '1girl', 'outdoors'];

interface FakeSubset {
	key: string;
	name: string;
	role: TrainingFolder['subsets'][number]['role'];
	isReg: boolean;
	images: Array<{ path: string; caption?: string }>;
}

function caption(next: () => number): string | undefined {
	if (next() < 0.05) {
		return undefined;
	}
	const tags = ['zq7'];
	const count = Math.floor(next() * 6);
	for (let i = 0; i < count; i++) {
		tags.push(POOL[Math.floor(next() * POOL.length)]);
	}
	return tags.join(', ');
}

function folderOf(subsets: FakeSubset[], raw: Record<string, unknown>, costumeTags: string[] = []): TrackedFolder {
	return { settings: { raw, lint: { costumeTags } } as unknown as TrainingFolder['settings'], subsets: subsets.map((s) => ({ ...s, images: [...s.images] })) };
}

function fresh(folder: TrackedFolder) {
	return folderCoverage(folder as unknown as TrainingFolder);
}

test('the tracker gives what a whole recompute gives, scan after scan, as captions, images, subsets and settings change', () => {
	for (let seed = 1; seed <= 12; seed++) {
		const next = random(seed);
		let nextImage = 0;
		const image = (dir: string) => ({ path: `/t/${dir}/img_${String(nextImage++).padStart(4, '0')}.png`, caption: caption(next) });
		const subsets: FakeSubset[] = [
			{ key: 'images/24_zq7 woman', name: '24_zq7 woman', role: 'face', isReg: false, images: [] },
			{ key: 'images/16_zq7 woman', name: '16_zq7 woman', role: 'body', isReg: false, images: [] },
			{ key: 'reg/1_woman', name: '1_woman', role: 'reg', isReg: true, images: [] },
		];
		for (const subset of subsets) {
			subset.images = Array.from({ length: 8 + Math.floor(next() * 20) }, () => image(subset.name));
		}
		let raw: Record<string, unknown> = {};
		let costumeTags: string[] = [];
		const tracker = new CoverageTracker();
		for (let scan = 0; scan < 25; scan++) {
			const what = next();
			const subset = subsets[Math.floor(next() * subsets.length)];
			if (what < 0.4) {
				// Captions rewritten: new image objects for some, the same objects (and tags) for the rest.
				subset.images = subset.images.map((i) => (next() < 0.2 ? { path: i.path, caption: caption(next) } : i));
			} else if (what < 0.5) {
				// The same captions in new image objects, as a rescan makes for every image.
				subset.images = subset.images.map((i) => ({ ...i }));
			} else if (what < 0.65) {
				subset.images.splice(Math.floor(next() * subset.images.length), 0, image(subset.name));
			} else if (what < 0.8 && subset.images.length > 1) {
				subset.images.splice(Math.floor(next() * subset.images.length), 1 + Math.floor(next() * 3));
			} else if (what < 0.85 && !subset.isReg) {
				subset.role = subset.role === 'face' ? 'body' : 'face';
			} else if (what < 0.9) {
				raw = next() < 0.5 ? {} : { coverage: { groups: { angle: ['from side', 'profile'], makeup: ['smile'] }, costumes: [{ tag: 'red dress', share: 0.2 }] } };
			} else if (what < 0.95) {
				costumeTags = next() < 0.5 ? [] : ['outdoors'];
			} else if (!subset.isReg) {
				// A renamed subset folder: another key, other paths.
				subset.name = `${10 + scan}_zq7 woman`;
				subset.key = `images/${subset.name}`;
				subset.images = subset.images.map((i) => ({ path: i.path.replace(/\/t\/[^/]+\//, `/t/${subset.name}/`), caption: i.caption }));
			}
			const folder = folderOf(subsets, raw, costumeTags);
			assert.deepEqual(runToEnd(tracker.updateSteps(folder)), fresh(folder), `seed ${seed}, scan ${scan}`);
		}
	}
});

test('a rescan with no group tag changed keeps every group\'s coverage object', () => {
	const subsets: FakeSubset[] = [{ key: 'images/24_zq7 woman', name: '24_zq7 woman', role: 'face', isReg: false, images: [
		{ path: '/t/a.png', caption: 'zq7, looking at viewer, long hair' }, { path: '/t/b.png', caption: 'zq7, from side' },
	] }];
	const tracker = new CoverageTracker();
	const first = runToEnd(tracker.updateSteps(folderOf(subsets, {})));
	subsets[0].images = [{ path: '/t/a.png', caption: 'zq7, looking at viewer, long hair, smile' }, { path: '/t/b.png', caption: 'zq7, from side' }];
	const second = runToEnd(tracker.updateSteps(folderOf(subsets, {})));
	assert.deepEqual(second, fresh(folderOf(subsets, {})));
	second.report.subsets[0].groups.forEach((group, g) => assert.equal(group, first.report.subsets[0].groups[g], group.group));
	subsets[0].images = [{ path: '/t/a.png', caption: 'zq7, from above, long hair, smile' }, { path: '/t/b.png', caption: 'zq7, from side' }];
	const third = runToEnd(tracker.updateSteps(folderOf(subsets, {})));
	assert.deepEqual(third, fresh(folderOf(subsets, {})));
	assert.notEqual(third.report.subsets[0].groups.find((g) => g.group === 'angle'), second.report.subsets[0].groups.find((g) => g.group === 'angle'));
	assert.equal(third.report.subsets[0].groups.find((g) => g.group === 'hairstyle'), second.report.subsets[0].groups.find((g) => g.group === 'hairstyle'));
	assert.equal(third.report.total.groups.find((g) => g.group === 'hairstyle'), second.report.total.groups.find((g) => g.group === 'hairstyle'), 'the total\'s too');
	assert.notEqual(third.report.total.groups.find((g) => g.group === 'angle'), second.report.total.groups.find((g) => g.group === 'angle'));
});

test('updates asked for while one runs: each caller gets the coverage of its scan or a newer one', async () => {
	const tracker = new CoverageTracker();
	const scans = [0, 1, 2].map((n) => folderOf([{ key: 'images/24_zq7 woman', name: '24_zq7 woman', role: 'face', isReg: false,
		images: Array.from({ length: 3 + n }, (_, i) => ({ path: `/t/${i}.png`, caption: 'zq7, from side' })) }], {}));
	const results = await Promise.all(scans.map((scan) => tracker.coverage(scan)));
	assert.deepEqual(results.map((r) => r.report.total.imageCount), [5, 5, 5], 'asked for in one turn: only the newest scan is counted');
	assert.deepEqual(results[2], fresh(scans[2]));
	const again = await tracker.coverage(scans[0]);
	assert.deepEqual(again, fresh(scans[0]), 'asked for alone: its own scan, with the images gone counted out');
});
