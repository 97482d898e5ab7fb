import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimateSeries, packSeries, stepCount, unpackSeries } from '../../src/core/trainerLog/chartData';
import { encodeHistoryLine, parseHistory, SeriesBuilder, seriesFromHistory } from '../../src/core/trainerLog/history';
import type { LossSeries } from '../../src/core/protocol/lossPanel';

function longSeries(n: number): LossSeries {
	const builder = new SeriesBuilder('long');
	for (let step = 1; step <= n; step++) {
		builder.point(step, { avrLoss: 0.1 + 0.01 * Math.sin(step / 50), loss: 0.1 + 0.02 * Math.cos(step / 7) });
	}
	builder.point(61_234, { loss: 9.5 }); // a divergence spike of one step
	builder.point(70_000, { loss: NaN }); // a NaN: a gap
	builder.point(80_000, { valLoss: 0.08 });
	return builder.build();
}

test('loss chart: a long series is decimated for the first paint; spikes, gaps and validation points stay', () => {
	const series = longSeries(100_000);
	const first = decimateSeries(series);
	assert.ok(first.steps.length < 10_000, `${first.steps.length} steps for the first paint`);
	assert.equal(first.decimatedFrom, 100_000);
	assert.equal(stepCount(first), 100_000);
	const at = (step: number) => first.steps.indexOf(step);
	assert.equal(first.loss[at(61_234)], 9.5, 'the spike is drawn');
	assert.equal(first.loss[at(70_000)], null, 'the NaN step is a gap');
	assert.equal(first.valLoss[at(80_000)], 0.08, 'every validation point is kept');
	assert.equal(first.steps[0], 1);
	assert.equal(first.steps[first.steps.length - 1], 100_000);
	assert.deepEqual(first.steps, [...first.steps].sort((a, b) => a - b));
	const lows = Math.min(...series.avrLoss.map((v) => v ?? Infinity));
	assert.equal(Math.min(...first.avrLoss.map((v) => v ?? Infinity)), lows, 'the lowest avr_loss is drawn');
	const short = longSeries(1000);
	assert.equal(decimateSeries(short), short, 'a short series is drawn whole');
});

test('loss chart: packed for postMessage as Float64Arrays and back, nulls kept', () => {
	const series = longSeries(2000);
	const packed = packSeries(series);
	assert.ok(packed.loss instanceof Float64Array);
	assert.deepEqual(unpackSeries(packed), series);
});

test('series builder: a step that comes late is merged in order; a step seen again keeps the last value', () => {
	const builder = new SeriesBuilder('late');
	builder.point(1, { avrLoss: 0.5 });
	builder.point(3, { avrLoss: 0.3 });
	builder.point(2, { lr: 1e-4 });
	builder.point(2, { loss: 0.2 });
	builder.point(3, { lr: 2e-4 });
	builder.point(1, { avrLoss: 0.45 });
	const series = builder.build();
	assert.deepEqual(series.steps, [1, 2, 3]);
	assert.deepEqual(series.avrLoss, [0.45, null, 0.3]);
	assert.deepEqual(series.loss, [null, 0.2, null]);
	assert.deepEqual(series.lr, [null, 1e-4, 2e-4]);
});

test('history parse: 100k lines read back as written, NaN and Infinity kept', () => {
	let text = '';
	for (let step = 1; step <= 100_000; step++) {
		text += encodeHistoryLine({ type: 'step', step, total: 100_000, epoch: 1, avrLoss: step === 5 ? NaN : 0.1, loss: step === 6 ? -Infinity : 0.2 });
	}
	const parsed = parseHistory(text);
	assert.equal(parsed.records.length, 100_000);
	assert.deepEqual(parsed.badLines, []);
	const fifth = parsed.records[4] as { avrLoss: number };
	const sixth = parsed.records[5] as { loss: number };
	assert.ok(Number.isNaN(fifth.avrLoss));
	assert.equal(sixth.loss, -Infinity);
	const series = seriesFromHistory('h', parsed);
	assert.equal(series.steps.length, 100_000);
	assert.equal(series.avrLoss[4], null);
});

test('series builder: continuing a built series adds TensorBoard scalars as one build would', () => {
	const history = longSeries(150_000);
	const scalars = new Map([['lr/unet', [{ tag: 'lr/unet', step: 2, value: 1e-4, wallTime: 0 }, { tag: 'lr/unet', step: 0, value: 2e-4, wallTime: 0 }]]]);
	const builder = SeriesBuilder.continuing('h', history);
	builder.addTensorBoard(scalars, { avrLoss: false });
	const series = builder.build();
	assert.equal(series.steps.length, history.steps.length + 1, 'step 0 merged in before step 1');
	assert.equal(series.steps[0], 0);
	assert.equal(series.lr[0], 2e-4);
	assert.equal(series.lr[2], 1e-4);
	assert.equal(series.lrTag, 'lr/unet');
	assert.deepEqual(series.avrLoss.slice(1), history.avrLoss);
});
