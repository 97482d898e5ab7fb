import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSlices, runToEnd, sortSteps, Steps } from '../../src/core/slices';
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

test('runInSlices reads the clock after every step once steps are long: a turn never runs 8 steps of 3 ms', async () => {
	const perTurn: number[] = [0];
	let running = true;
	// Runs once between two turns of the slices (both are setImmediate callbacks, run in the order they were queued).
	const tick = (): void => {
		perTurn.push(0);
		if (running) {
			setImmediate(tick);
		}
	};
	setImmediate(tick);
	function* counted(): Steps<void> {
		for (const _ of busySteps(40, 3)) {
			perTurn[perTurn.length - 1]++;
			yield;
		}
	}
	try {
		await runInSlices(counted());
	} finally {
		running = false;
	}
	const busiest = Math.max(...perTurn);
	// 8 ms a turn: the third step of 3 ms ends past it (the clock is read every 8 steps only while steps are short).
	assert.ok(busiest <= 3, `a turn ran ${busiest} steps of 3 ms`);
	assert.equal(perTurn.reduce((a, b) => a + b, 0), 40);
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

test('sortSteps orders as Array.prototype.sort does (stable), in place', () => {
	let seed = 7;
	const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	for (const length of [0, 1, 2, 3, 17, 64, 1000, 4097]) {
		const items = Array.from({ length }, (_, i) => ({ key: Math.floor(random() * 20), at: i }));
		const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
		const expected = [...items].sort(compare);
		const sorted = runToEnd(sortSteps(items, compare));
		assert.equal(sorted, items);
		assert.deepEqual(sorted, expected);
	}
	// Runs already in order, as lint problems and folder paths come: sorted, appended, reversed, ties across runs.
	for (const length of [2, 5, 100, 4097]) {
		const ascending = Array.from({ length }, (_, i) => ({ key: Math.floor(i / 3), at: i }));
		const shapes = [
			ascending,
			[...ascending].reverse(),
			[{ key: length, at: -1 }, ...ascending, { key: 1, at: length }, { key: 0, at: length + 1 }],
			[...ascending.slice(length >> 1), ...ascending.slice(0, length >> 1)],
		];
		for (const shape of shapes) {
			const items = shape.map((item) => ({ ...item }));
			const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
			const expected = [...items].sort(compare);
			assert.deepEqual(runToEnd(sortSteps(items, compare)), expected);
		}
	}
});

test('sliced computations running at once share one budget per turn of the event loop', async () => {
	const waits: number[] = [];
	let last = performance.now();
	const timer = setInterval(() => {
		const now = performance.now();
		waits.push(now - last);
		last = now;
	}, 1);
	try {
		// Six computations of ~100 ms each: with a budget of its own each, every turn would take ~50 ms.
		const results = await Promise.all(Array.from({ length: 6 }, () => runInSlices(busySteps(200, 0.5))));
		assert.deepEqual(results, Array(6).fill(200));
	} finally {
		clearInterval(timer);
	}
	// The median, not the longest: on a busy machine the OS can hold any turn back.
	const median = [...waits].sort((a, b) => a - b)[Math.floor(waits.length / 2)];
	assert.ok(median < 25, `the timer waited ${median.toFixed(0)} ms (median of ${waits.length})`);
});
