import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EpochReport, EpochStats } from '../../src/core/likeness/epochs';
import { likenessOverlayPoints } from '../../src/core/likeness/lossOverlay';
import { isLossPanelWebviewMessage } from '../../src/core/protocol/lossPanel';

function stats(key: string, median?: number, extra: Partial<EpochStats> = {}): EpochStats {
	const epoch = key.startsWith('e') ? Number(key.slice(1)) : undefined;
	const step = key.startsWith('s') ? Number(key.slice(1)) : undefined;
	return {
		key, label: epoch !== undefined ? `epoch ${epoch}` : `step ${step}`, epoch, step, samples: [],
		spread: median === undefined ? undefined : { min: median - 0.1, q1: median - 0.05, median, q3: median + 0.05, max: median + 0.1 },
		alike: 0, noFace: 0, severalFaces: 0, copying: 0, ...extra,
	};
}

const report = (...epochs: EpochStats[]): EpochReport => ({ epochs, notes: [] });

describe('likeness overlay on the loss panel', () => {
	it('puts each epoch at the step it ended: the next epoch\'s mark, the newest at the run\'s last step', () => {
		const marks = [{ epoch: 1, step: 0 }, { epoch: 2, step: 50 }, { epoch: 3, step: 100 }];
		const { points, unplaced } = likenessOverlayPoints(report(stats('e1', 0.8), stats('e2', 0.4), stats('e3', 0.35)), marks, 150);
		assert.deepEqual(points.map((p) => [p.key, p.step, p.median]), [['e1', 50, 0.8], ['e2', 100, 0.4], ['e3', 150, 0.35]]);
		assert.equal(unplaced, 0);
		assert.deepEqual([points[1].q1, points[1].q3].map((v) => Number(v.toFixed(2))), [0.35, 0.45], 'the spread travels with the median');
	});

	it('mid-run: the epoch that just ended is at the last step, before training at step 0, step samples at their step', () => {
		// Epoch 3 has begun (its mark is at 100) and the run is at step 120: epoch 2's samples end at 100.
		const marks = [{ epoch: 1, step: 0 }, { epoch: 2, step: 50 }, { epoch: 3, step: 100 }];
		const { points } = likenessOverlayPoints(report(stats('e0', 0.9), stats('e2', 0.5)), marks, 120);
		assert.deepEqual(points.map((p) => [p.key, p.step]), [['e0', 0], ['e2', 100]]);
		assert.deepEqual(likenessOverlayPoints(report(stats('s500', 0.5), stats('s250', 0.6)), [], 600).points.map((p) => [p.key, p.step]), [['s250', 250], ['s500', 500]]);
	});

	it('leaves out what it cannot place instead of guessing, and epochs without a scored face', () => {
		// No mark after epoch 1 and epoch 1 is not the newest: where it ended is unknown. A step past the run is another run's.
		const marks = [{ epoch: 1, step: 0 }, { epoch: 3, step: 100 }];
		const { points, unplaced } = likenessOverlayPoints(report(stats('e1', 0.8), stats('e2'), stats('e3', 0.4), stats('s900', 0.4)), marks, 150);
		assert.deepEqual(points.map((p) => p.key), ['e3']);
		assert.equal(unplaced, 2);
	});

	it('the toggle message is validated like every webview message', () => {
		assert.ok(isLossPanelWebviewMessage({ type: 'showLikeness', on: true }));
		assert.ok(isLossPanelWebviewMessage({ type: 'showLikeness', on: false }));
		assert.ok(!isLossPanelWebviewMessage({ type: 'showLikeness', on: 'yes' }));
		assert.ok(!isLossPanelWebviewMessage({ type: 'showLikeness' }));
	});
});
