import * as assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { excludedDirFor, planExclusion, planExclusionOnDisk } from '../../src/core/exclude';
import { parseSubsetName } from '../../src/core/datasetParse';

describe('exclude from training', () => {
	const root = join('/data', 'emma');
	const subset = join(root, 'images', '24_3mm4w4ts0n woman');

	it('moves image and caption to <root>/excluded/<subset>/, a folder sd-scripts never reads', () => {
		assert.equal(excludedDirFor(root, join(subset, 'a.png')), join(root, 'excluded', '24_3mm4w4ts0n woman'));
		// Outside images/ and reg/, and its name has no <repeats>_ prefix either.
		assert.equal(parseSubsetName('excluded').kind, 'no-repeats');
		const [plan] = planExclusion(root, [{ image: join(subset, 'a.png'), caption: join(subset, 'a.txt') }], () => new Set());
		assert.deepEqual(plan.moves, [
			{ from: join(subset, 'a.png'), to: join(root, 'excluded', '24_3mm4w4ts0n woman', 'a.png') },
			{ from: join(subset, 'a.txt'), to: join(root, 'excluded', '24_3mm4w4ts0n woman', 'a.txt') },
		]);
	});

	it('never overwrites: a taken stem (any image or caption extension, any case) gets _2, and the caption follows', () => {
		const target = join(root, 'excluded', '24_3mm4w4ts0n woman');
		const plans = planExclusion(root, [
			{ image: join(subset, 'a.png'), caption: join(subset, 'a.txt') },
			{ image: join(subset, 'b.jpg') },
			{ image: join(root, 'images', '8_other', 'a.png') },
		], (dir) => new Set(dir === target ? ['a.jpg'] : []));
		assert.deepEqual(plans[0].moves.map((m) => m.to), [join(target, 'a_2.png'), join(target, 'a_2.txt')]);
		assert.deepEqual(plans[1].moves.map((m) => m.to), [join(target, 'b.jpg')]);
		assert.deepEqual(plans[2].moves.map((m) => m.to), [join(root, 'excluded', '8_other', 'a.png')]);
		// Two images of one plan with the same stem do not collide either.
		const twins = planExclusion(root, [{ image: join(subset, 'c.png') }, { image: join(subset, 'c.jpg') }], () => new Set());
		assert.deepEqual(twins.map((p) => p.moves[0].to), [join(target, 'c.png'), join(target, 'c_2.jpg')]);
	});

	it('reads the target folder from disk', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'lw-exclude-'));
		await mkdir(join(dir, 'excluded', '10_x'), { recursive: true });
		await writeFile(join(dir, 'excluded', '10_x', 'A.TXT'), 'old');
		const [plan] = await planExclusionOnDisk(dir, [{ image: join(dir, 'images', '10_x', 'a.png'), caption: join(dir, 'images', '10_x', 'a.txt') }]);
		assert.deepEqual(plan.moves.map((m) => m.to), [join(dir, 'excluded', '10_x', 'a_2.png'), join(dir, 'excluded', '10_x', 'a_2.txt')]);
	});
});
