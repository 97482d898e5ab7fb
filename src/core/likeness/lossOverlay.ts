/**
 * The likeness curve on the loss panel's step axis: each epoch's sample likeness is drawn where that epoch ended,
 * so loss and likeness are read together (a falling loss with a likeness that stopped improving is overfitting).
 */
import type { EpochMark, LikenessOverlayPoint } from '../protocol/lossPanel';
import type { EpochReport } from './epochs';

/**
 * Each scored epoch of `report` at the step its epoch ended. sd-scripts writes an epoch's samples when the epoch
 * ends, so the end step is where the loss was when the samples were made: the next epoch's mark (the last step
 * before it began), or, for the newest epoch, the run's last step. Samples named by step (`s500`) sit at their
 * step. An epoch whose end is unknown (no mark after it and not the newest) is left out and counted in `unplaced`,
 * not guessed from an even split (a resumed run's epochs are not evenly long).
 */
export function likenessOverlayPoints(report: EpochReport, marks: readonly EpochMark[], lastStep: number): { points: LikenessOverlayPoint[]; unplaced: number } {
	const startOf = new Map(marks.map((m) => [m.epoch, m.step]));
	const newest = Math.max(0, ...marks.map((m) => m.epoch));
	const points: LikenessOverlayPoint[] = [];
	let unplaced = 0;
	for (const e of report.epochs) {
		if (!e.spread) {
			continue; // no face scored: nothing to draw, and the panel's tooltip has no number to show
		}
		let step: number | undefined;
		if (e.step !== undefined) {
			step = e.step;
		} else if (e.epoch === 0) {
			step = 0;
		} else if (e.epoch !== undefined) {
			step = startOf.get(e.epoch + 1) ?? (e.epoch >= newest ? lastStep : undefined);
		}
		if (step === undefined || step > lastStep) {
			unplaced++; // a step past the run's last point is another run's sample (same output name, not archived)
			continue;
		}
		points.push({ key: e.key, label: e.label, step, median: e.spread.median, q1: e.spread.q1, q3: e.spread.q3 });
	}
	return { points: points.sort((a, b) => a.step - b.step), unplaced };
}
