import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSlices, runToEnd, Steps } from '../../src/core/slices';
import { computeCoverage, coverageSteps, CoverageSubset } from '../../src/core/coverage/coverage';
import { resolveGroups } from '../../src/core/coverage/groups';
import { normalizeTag } from '../../src/core/caption';

function* busySteps(count: number, stepMs: number): Steps<number> {
	let sum = 0;
	for (let i = 0; i < count; i++) {
		const end = performance.now() + stepMs;
		while (performance.now() < end) {
			sum++;
		}
		yield;
	}
	// The spin count is used so the loop is not optimised away.
	return sum >= 0 ? count : -1;
}

test('runInSlices gives what runToEnd gives, and lets other callbacks run between slices', async () => {
	assert.equal(runToEnd(busySteps(10, 0)), 10);
	let ticks = 0;
	const timer = setInterval(() => ticks++, 1);
	try {
		// 400 steps of 0.5 ms: about 200 ms of work, in slices of about 8 ms.
		assert.equal(await runInSlices(busySteps(400, 0.5)), 400);
	} finally {
		clearInterval(timer);
	}
	assert.ok(ticks >= 5, `the event loop ran ${ticks} times during 200 ms of sliced work`);
});

test('coverage computed in slices equals coverage computed at once', async () => {
	const tags = ['looking at viewer', 'from side', 'Full_Body', 'standing', 'ponytail', 'long hair', 'glasses', 'dress', 'smile'];
	const subsets: CoverageSubset[] = ['face', 'body', 'reg'].map((role, s) => ({
		name: `${s + 1}_${role}`,
		role: role as CoverageSubset['role'],
		images: Array.from({ length: 300 }, (_, i) => ({
			path: `/d/${s}/${String(i).padStart(4, '0')}.png`,
			tags: tags.filter((_, k) => (i * 7 + k * 3 + s) % 4 !== 0).concat(i % 9 === 0 ? ['looking at viewer'] : []),
		})),
	}));
	const groups = resolveGroups(undefined);
	const atOnce = computeCoverage(subsets, groups);
	assert.deepEqual(await runInSlices(coverageSteps(subsets, groups), 0.1), atOnce);
	assert.equal(atOnce.total.imageCount, 600);
	// Against the plain definition: per group, each tag's images (normalised match), and the images with none.
	for (const [i, subset] of [...subsets.map((s) => ({ ...s, images: s.images })), { name: 'all subsets', role: 'unknown', images: subsets.filter((s) => s.role !== 'reg').flatMap((s) => s.images) }].entries()) {
		const report = i < subsets.length ? atOnce.subsets[i] : atOnce.total;
		assert.equal(report.subset, subset.name);
		for (const group of report.groups) {
			const expected = groups[group.group].map((tag) => ({ tag, images: subset.images.filter((image) => image.tags.some((t) => normalizeTag(t) === normalizeTag(tag))).map((image) => image.path) }))
				.filter((t) => t.images.length > 0);
			assert.deepEqual(group.tags.map((t) => [t.tag, t.images]).sort(), expected.map((t) => [t.tag, t.images]).sort());
			const tagged = new Set(expected.flatMap((t) => t.images));
			assert.deepEqual(group.untagged, subset.images.map((image) => image.path).filter((path) => !tagged.has(path)));
		}
	}
});
