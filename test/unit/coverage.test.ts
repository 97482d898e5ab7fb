import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCoverage, CoverageSubset } from '../../src/core/coverage/coverage';
import { checkCoverage, DEFAULT_COVERAGE_OPTIONS } from '../../src/core/coverage/checks';
import { DEFAULT_COVERAGE_GROUPS, resolveGroups, withDeclaredCostumes } from '../../src/core/coverage/groups';
import { proposeRepeats, renameWithRepeats } from '../../src/core/coverage/balance';
import { folderCoverage, sharesForRoleRatio } from '../../src/core/coverage/fromFolder';
import { computeSteps } from '../../src/core/steps';
import { memoizedNormalize } from '../../src/core/tagStats';

function subset(name: string, role: CoverageSubset['role'], captions: string[]): CoverageSubset {
	return { name, role, images: captions.map((c, i) => ({ path: `${name}/${i}.jpg`, tags: c.split(',').map((t) => t.trim()).filter(Boolean) })) };
}

const groups = resolveGroups(undefined);

test('coverage counts group tags per subset and in total, normalising tags', () => {
	const faces = subset('24_x woman', 'face', ['x, looking_at_viewer, long hair', 'x, from side, Long Hair', 'x, smile']);
	const report = computeCoverage([faces, subset('1_woman', 'reg', ['woman, from side'])], groups);
	const angle = report.subsets[0].groups.find((g) => g.group === 'angle')!;
	assert.deepEqual(angle.tags.map((t) => [t.tag, t.count]), [['from side', 1], ['looking at viewer', 1]]);
	assert.deepEqual(angle.untagged, ['24_x woman/2.jpg']);
	assert.equal(report.subsets[0].groups.find((g) => g.group === 'hairstyle')!.tags[0].count, 2);
	assert.equal(report.total.imageCount, 3, 'regularisation images are not counted in the total');
});

test('user groups from the settings replace or add groups', () => {
	const custom = resolveGroups({ angle: ['dutch angle'], makeup: ['lipstick'] });
	assert.deepEqual(custom.angle, ['dutch angle']);
	assert.deepEqual(custom.makeup, ['lipstick']);
	assert.deepEqual(custom.framing, DEFAULT_COVERAGE_GROUPS.framing);
});

test('one-angle fires when nearly all faces are frontal and not when angles vary', () => {
	const frontal = subset('24_x woman', 'face', Array.from({ length: 10 }, (_, i) => (i === 0 ? 'x, from side' : 'x, looking at viewer')));
	const problems = checkCoverage(computeCoverage([frontal], groups), [frontal], DEFAULT_COVERAGE_OPTIONS);
	assert.deepEqual(problems.map((p) => p.code), ['one-angle']);
	assert.match(problems[0].message, /9 of 10 faces .* from the front and only 1 from another angle: add close-ups from the side/);
	assert.equal(problems[0].images.length, 9);
	const varied = subset('24_x woman', 'face', ['x, from side', 'x, from above', 'x, from below', 'x, looking at viewer', 'x, profile', 'x, looking away']);
	assert.deepEqual(checkCoverage(computeCoverage([varied], groups), [varied], DEFAULT_COVERAGE_OPTIONS), []);
});

test('faces without angle tags are not counted as frontal: with no captions it says the angles are unknown (issue 19.6)', () => {
	const uncaptioned = subset('24_x woman', 'face', Array.from({ length: 27 }, () => ''));
	const problems = checkCoverage(computeCoverage([uncaptioned], groups), [uncaptioned], DEFAULT_COVERAGE_OPTIONS);
	assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['no-angle-tags', 'info']]);
	assert.match(problems[0].message, /^27 of 27 faces in 24_x woman have no angle tag/);
	assert.doesNotMatch(problems[0].message, /from the front/);
	// Half tagged frontal, half untagged: not "one angle" either, the untagged ones are unknown.
	const half = subset('24_x woman', 'face', Array.from({ length: 10 }, (_, i) => (i < 5 ? 'x, looking at viewer' : 'x')));
	assert.deepEqual(checkCoverage(computeCoverage([half], groups), [half], DEFAULT_COVERAGE_OPTIONS), []);
});

test('outfits: common outfit tags and the costumes the settings declare are counted (issue 19.6)', () => {
	const faces = subset('24_x woman', 'face', ['x, military uniform', 'x, spacesuit', 'x, red cape dress', 'x, smile']);
	const outfits = (g: typeof groups) => computeCoverage([faces], g).subsets[0].groups.find((x) => x.group === 'outfit')!;
	assert.deepEqual(outfits(groups).tags.map((t) => t.tag).sort(), ['military uniform', 'spacesuit']);
	const declared = outfits(withDeclaredCostumes(groups, ['red cape dress', 'Military_Uniform']));
	assert.deepEqual(declared.tags.map((t) => t.tag).sort(), ['military uniform', 'red cape dress', 'spacesuit']);
	assert.equal(declared.untagged.length, 1);
});

test('few-full-body needs standing full-body shots in a body subset', () => {
	const bodies = subset('16_x woman', 'body', ['x, full body, standing', 'x, cowboy shot, standing', 'x, full body, sitting']);
	const problems = checkCoverage(computeCoverage([bodies], groups), [bodies], DEFAULT_COVERAGE_OPTIONS);
	assert.deepEqual(problems.map((p) => p.code), ['few-full-body']);
	assert.match(problems[0].message, /has 1 standing full-body shot \(tagged .*\)\. The guide's body crops end at the waist; for full-body generations it suggests 2-3 standing shots/);
	assert.equal(problems[0].severity, 'info', 'a suggestion of the guide, not a warning (issue 19.6)');
	const enough = subset('16_x woman', 'body', ['x, full body, standing', 'x, full body, standing']);
	assert.deepEqual(checkCoverage(computeCoverage([enough], groups), [enough], DEFAULT_COVERAGE_OPTIONS), []);
});

test('one-hairstyle and costume-share follow the declared settings', () => {
	const faces = subset('24_x woman', 'face', ['x, ponytail, red dress', 'x, ponytail, red dress', 'x, ponytail', 'x, from side, ponytail']);
	const options = { ...DEFAULT_COVERAGE_OPTIONS, hairstyles: ['ponytail', 'hair down', 'braid'], costumes: [{ tag: 'red dress', share: 0.25 }] };
	const problems = checkCoverage(computeCoverage([faces], groups), [faces], options);
	assert.deepEqual(problems.map((p) => p.code).sort(), ['costume-share', 'one-hairstyle']);
	assert.match(problems.find((p) => p.code === 'costume-share')!.message, /in 2 of 4 images \(50%\)/);
	const ok = checkCoverage(computeCoverage([faces], groups), [faces], { ...options, hairstyles: ['ponytail'], costumes: [{ tag: 'red dress', share: 0.5 }] });
	assert.deepEqual(ok, []);
});

const stepsFor = (subsets: { name: string; images: number }[], epochs: number) => (repeats: Record<string, number>) =>
	computeSteps(subsets.map((s) => ({ images: s.images, repeats: repeats[s.name], isReg: false })), { batchSize: 1, gradientAccumulationSteps: 1, gpus: 1, epochs }).totalSteps;

test("balance fixes the guide's own budget: 28x24 + 16x16 = 9280 steps", () => {
	const subsets = [{ name: '24_x woman', role: 'face', images: 28, repeats: 24 }, { name: '16_x woman', role: 'body', images: 16, repeats: 16 }];
	const proposal = proposeRepeats({ subsets, budgetSteps: 1500, epochs: 10, totalSteps: stepsFor(subsets, 10) });
	assert.equal(proposal.totalStepsBefore, 9280);
	assert.ok(Math.abs(proposal.totalStepsAfter - 1500) <= 150, `lands near the budget: ${proposal.totalStepsAfter}`);
	const [face, body] = proposal.rows;
	assert.equal(proposal.totalStepsAfter, 10 * (28 * face.repeatsAfter + 16 * body.repeatsAfter));
	assert.ok(Math.abs(face.shareAfter - face.shareBefore) < 0.1, 'keeps the face share of samples');
	assert.equal(proposal.approximate, false);
});

test('balance honours a wanted face:body ratio', () => {
	const subsets = [{ name: 'f', role: 'face', images: 28, repeats: 24 }, { name: 'b', role: 'body', images: 16, repeats: 16 }];
	const shares = sharesForRoleRatio(subsets, 2);
	assert.ok(Math.abs(shares.f - 2 / 3) < 1e-9);
	const proposal = proposeRepeats({ subsets, budgetSteps: 1500, epochs: 10, shares, totalSteps: stepsFor(subsets, 10) });
	const face = proposal.rows[0];
	assert.ok(Math.abs(face.shareAfter - 2 / 3) < 0.08, `face share ${face.shareAfter}`);
});

test('budgets that cannot be met are reported, and one-image subsets work', () => {
	const subsets = [{ name: 'one', role: 'face', images: 1, repeats: 10 }];
	const proposal = proposeRepeats({ subsets, budgetSteps: 1500, epochs: 10, totalSteps: stepsFor(subsets, 10) });
	assert.equal(proposal.rows[0].repeatsAfter, 150);
	assert.equal(proposal.totalStepsAfter, 1500);
	const big = [{ name: 'many', role: 'face', images: 400, repeats: 10 }];
	const tooSmall = proposeRepeats({ subsets: big, budgetSteps: 1500, epochs: 10, totalSteps: stepsFor(big, 10) });
	assert.equal(tooSmall.rows[0].repeatsAfter, 1);
	assert.equal(tooSmall.approximate, true);
	assert.match(tooSmall.note ?? '', /closest is 4000/);
	assert.equal(renameWithRepeats('24_3mm4w4ts0n woman', 4), '4_3mm4w4ts0n woman');
	assert.equal(renameWithRepeats('10_my_char woman', 3), '3_my_char woman');
});

test('balance --apply renames the folders and their settings keys', async () => {
	const { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const { runCli } = await import('../../src/cli');
	const root = mkdtempSync(join(tmpdir(), 'bal-'));
	for (const [dir, count] of [['24_x woman', 4], ['16_x woman', 2]] as const) {
		mkdirSync(join(root, 'images', dir), { recursive: true });
		for (let i = 0; i < count; i++) {
			writeFileSync(join(root, 'images', dir, `${i}.png`), '');
			writeFileSync(join(root, 'images', dir, `${i}.txt`), 'x, 1girl');
		}
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), '# keep me\ntrigger: x\nsubsets:\n  "images/24_x woman": { role: face }\n  "images/16_x woman": { role: body }\n');
	const out: string[] = [];
	const code = await runCli(['balance', root, '--steps', '100', '--epochs', '10', '--apply'], { out: (t) => out.push(t), err: (t) => out.push(t), cwd: root });
	assert.equal(code, 0, out.join('\n'));
	assert.match(out.join('\n'), /Steps: 1280 -> 100 \(budget 100\)/);
	assert.ok(existsSync(join(root, 'images', '2_x woman')) && existsSync(join(root, 'images', '1_x woman')), out.join('\n'));
	const yaml = readFileSync(join(root, 'lora-workbench.yaml'), 'utf8');
	assert.match(yaml, /^# keep me/);
	assert.match(yaml, /images\/2_x woman"?: \{ role: face \}/);
	assert.match(yaml, /images\/1_x woman"?: \{ role: body \}/);
});

test('balance --apply carries originals/<subset> and excluded/<subset> with their subsets, swaps included', async () => {
	const { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const { runCli } = await import('../../src/cli');
	const root = mkdtempSync(join(tmpdir(), 'bal-rec-'));
	for (const [dir, count] of [['24_x woman', 4], ['16_x woman', 2]] as const) {
		mkdirSync(join(root, 'images', dir), { recursive: true });
		for (let i = 0; i < count; i++) {
			writeFileSync(join(root, 'images', dir, `${i}.png`), '');
		}
	}
	mkdirSync(join(root, 'originals', '24_x woman'), { recursive: true });
	writeFileSync(join(root, 'originals', '24_x woman', '0.png'), 'face original');
	mkdirSync(join(root, 'excluded', '16_x woman'), { recursive: true });
	writeFileSync(join(root, 'excluded', '16_x woman', 'dropped.png'), 'body excluded');
	const out: string[] = [];
	const code = await runCli(['balance', root, '--steps', '100', '--epochs', '10', '--apply'], { out: (t) => out.push(t), err: (t) => out.push(t), cwd: root });
	assert.equal(code, 0, out.join('\n'));
	assert.equal(readFileSync(join(root, 'originals', '2_x woman', '0.png'), 'utf8'), 'face original', out.join('\n'));
	assert.equal(readFileSync(join(root, 'excluded', '1_x woman', 'dropped.png'), 'utf8'), 'body excluded');
	assert.ok(!existsSync(join(root, 'originals', '24_x woman')) && !existsSync(join(root, 'excluded', '16_x woman')));
	assert.match(out.join('\n'), /renamed originals\/24_x woman -> originals\/2_x woman/);
});

test('companion renames refuse a taken name; followRenames follows renames in order', async () => {
	const { mkdtempSync, mkdirSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const { companionRenames, followRenames } = await import('../../src/core/coverage/renamePlan');
	const root = mkdtempSync(join(tmpdir(), 'bal-comp-'));
	mkdirSync(join(root, 'originals', '4_a'), { recursive: true });
	mkdirSync(join(root, 'originals', '2_a'), { recursive: true });
	const rename = { from: join(root, 'images', '4_a'), to: join(root, 'images', '2_a') };
	assert.throws(() => companionRenames(root, [rename]), /originals\/2_a already exists/);
	// A swap: both names are renamed away, so neither target counts as taken.
	const swap = [rename, { from: join(root, 'images', '2_a'), to: join(root, 'images', '4_a') }];
	assert.deepEqual(companionRenames(root, swap).map((r) => [r.from, r.to]), [
		[join(root, 'originals', '4_a'), join(root, 'originals', '2_a')],
		[join(root, 'originals', '2_a'), join(root, 'originals', '4_a')],
	]);
	const viaTemp = [{ from: '/r/images/4_a', to: '/r/images/.lora-balance-0' }, { from: '/r/images/.lora-balance-0', to: '/r/images/2_a' }];
	assert.equal(followRenames('/r/images/4_a/x.txt', viaTemp), '/r/images/2_a/x.txt');
	assert.equal(followRenames('/r/images/4_ab/x.txt', viaTemp), '/r/images/4_ab/x.txt', 'a longer name that starts the same is another folder');
});

test('a recompute with the last recompute\'s tag cache gives the same report, and sees a changed caption', async () => {
	const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const { scanTrainingFolder } = await import('../../src/core/dataset');
	const root = mkdtempSync(join(tmpdir(), 'cov-cache-'));
	try {
		const dir = join(root, 'images', '24_x woman');
		mkdirSync(dir, { recursive: true });
		const captions = ['x, looking at viewer, long hair', 'x, from side, long hair', 'x, looking at viewer, long hair', 'x, smile'];
		captions.forEach((caption, i) => {
			writeFileSync(join(dir, `${i}.png`), '');
			writeFileSync(join(dir, `${i}.txt`), caption);
		});
		const cache = memoizedNormalize();
		const first = folderCoverage(await scanTrainingFolder(root), cache);
		assert.deepEqual(first, folderCoverage(await scanTrainingFolder(root)));
		writeFileSync(join(dir, '3.txt'), 'x, from behind, ponytail');
		const changed = await scanTrainingFolder(root);
		const second = folderCoverage(changed, cache);
		assert.deepEqual(second, folderCoverage(changed), 'the same as without a cache');
		const angle = second.report.subsets[0].groups.find((g) => g.group === 'angle')!;
		assert.deepEqual(angle.tags.map((t) => [t.tag, t.count]), [['looking at viewer', 2], ['from behind', 1], ['from side', 1]]);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});
