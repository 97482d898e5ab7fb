import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHistoryLine, historyRecord, historyRunId, historyStatus, parseHistory, seriesFromHistory } from '../../src/core/trainerLog/history';
import { parseTrainerLog } from '../../src/core/trainerLog/parser';
import type { ScalarPoint } from '../../src/core/tensorboard/events';
import { successfulRun } from './fixtures/trainerTranscript';

test('history: events round-trip through JSON lines, NaN kept, a half-written last line skipped', () => {
	const header = { type: 'run' as const, version: 1 as const, id: historyRunId('3mm4w4ts0n', new Date(2026, 1, 16, 12, 13, 14)), outputName: '3mm4w4ts0n', folderRoot: '/w', startedAt: 1 };
	assert.equal(header.id, '3mm4w4ts0n-20260216-121314');
	const events = parseTrainerLog(successfulRun({ batchesPerEpoch: 4, epochs: 3 }));
	let text = encodeHistoryLine(header);
	for (const event of events) {
		const record = historyRecord(event);
		if (record) { text += encodeHistoryLine(record); }
	}
	text += encodeHistoryLine({ type: 'step', step: 13, total: 12, avrLoss: NaN });
	text += encodeHistoryLine({ type: 'exit', code: 0, signal: null, at: 2 });
	text += '{"type":"step","ste';
	const parsed = parseHistory(text);
	assert.deepEqual(parsed.header, header);
	assert.equal(parsed.badLines.length, 1);
	assert.ok(parsed.records.some((r) => r.type === 'step' && Number.isNaN(r.avrLoss)));
	assert.equal(historyStatus(parsed.records), 'finished');
	const series = seriesFromHistory(header.id, parsed);
	assert.deepEqual(series.steps, Array.from({ length: 14 }, (_, i) => i));
	assert.deepEqual(series.epochs, [{ epoch: 1, step: 0 }, { epoch: 2, step: 4 }, { epoch: 3, step: 8 }]);
	assert.equal(series.avrLoss[13], null, 'NaN is a gap in the chart');
	assert.equal(typeof series.avrLoss[5], 'number');
	assert.match(series.warnings[0], /1 damaged line/);
});

test('history status: failed on a fatal error even with exit code 0; stopped on a signal', () => {
	assert.equal(historyStatus([{ type: 'error', code: 'no-data', severity: 'error', message: 'No data found.', advice: '' }, { type: 'exit', code: 0, signal: null, at: 1 }]), 'failed');
	assert.equal(historyStatus([{ type: 'exit', code: null, signal: 'SIGTERM', at: 1 }]), 'stopped');
	assert.equal(historyStatus([]), 'unknown');
});

test('TensorBoard scalars fill current loss, average loss and the U-Net learning rate', () => {
	const point = (tag: string, step: number, value: number): ScalarPoint => ({ tag, step, value, wallTime: 0 });
	const scalars = new Map<string, ScalarPoint[]>([
		['loss/current', [point('loss/current', 1, 0.3), point('loss/current', 2, 0.2)]],
		['loss/average', [point('loss/average', 1, 0.3), point('loss/average', 2, 0.25)]],
		['lr/textencoder', [point('lr/textencoder', 1, 5e-5)]],
		['lr/unet', [point('lr/unet', 1, 1e-4), point('lr/unet', 2, 9e-5)]],
	]);
	const series = seriesFromHistory('tb', { records: [], badLines: [] }, scalars);
	assert.deepEqual(series.steps, [1, 2]);
	assert.deepEqual(series.loss, [0.3, 0.2]);
	assert.deepEqual(series.avrLoss, [0.3, 0.25]);
	assert.deepEqual(series.lr, [1e-4, 9e-5]);
	assert.equal(series.lrTag, 'lr/unet');
});
