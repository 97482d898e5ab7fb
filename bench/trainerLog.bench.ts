import { alignRuns } from '../src/core/trainerLog/chartData';
import { TrainerLogParser } from '../src/core/trainerLog/parser';
import { SeriesBuilder } from '../src/core/trainerLog/history';
import type { BenchCase } from './harness';
import { now } from './harness';
import { successfulRun } from '../test/unit/fixtures/trainerTranscript';

/**
 * Parsing a 200,000-line sd-scripts log, and preparing a 100,000-point loss history for the chart.
 * Time to first paint happens in the webview's browser and cannot be measured in Node: what is measured here is
 * the host-side work before the message is posted (series build + JSON serialisation, and the message size)
 * and the webview-side data preparation (aligning runs, smoothing) that runs before uPlot draws.
 */
let log = '';
let lineCount = 0;

function makeLog(): void {
	// 2 tqdm redraws per step plus epoch/checkpoint lines: ~200,000 lines
	log = successfulRun({ batchesPerEpoch: 1000, epochs: 100, redraws: 2, saveEveryEpochs: 5 });
	lineCount = log.split(/\r\n|\r|\n/).length;
}

function history(points: number): SeriesBuilder {
	const builder = new SeriesBuilder('bench');
	for (let step = 0; step < points; step++) {
		builder.point(step, { avrLoss: 0.1 + 0.05 * Math.exp(-step / 5000), loss: 0.1 + 0.03 * Math.sin(step), lr: 1e-4 * (1 - step / points) });
		if (step % 1000 === 0) {
			builder.epoch(step / 1000 + 1, step);
		}
	}
	return builder;
}

export const cases: BenchCase[] = [
	{
		name: 'trainerLog: parse 200k-line sd-scripts log',
		setup: async () => makeLog(),
		run: async () => {
			// Three passes with a fresh parser each: the first pays for the JIT, the median is the figure; CPU
			// time is printed too, since on a shared machine the wall clock also counts other processes.
			const bytes = Buffer.from(log, 'utf8');
			const passes: { ms: number; cpuMs: number }[] = [];
			for (let pass = 0; pass < 3; pass++) {
				const parser = new TrainerLogParser();
				const cpu = process.cpuUsage();
				const start = now();
				let steps = 0;
				for (let i = 0; i < bytes.length; i += 64 * 1024) {
					for (const e of parser.feed(bytes.subarray(i, i + 64 * 1024))) {
						if (e.type === 'step') { steps++; }
					}
				}
				parser.end();
				const ms = now() - start;
				const used = process.cpuUsage(cpu);
				if (steps !== 100_001) {
					throw new Error(`expected 100001 step events, got ${steps}`);
				}
				passes.push({ ms, cpuMs: (used.user + used.system) / 1000 });
			}
			const median = [...passes].sort((a, b) => a.ms - b.ms)[1];
			const rate = (ms: number): string => `${(lineCount / ms / 1000).toFixed(2)} M lines/s`;
			return {
				work: lineCount, unit: 'lines', ms: median.ms,
				note: `${(bytes.length / 1e6).toFixed(1)} MB, 100001 step events; median of 3, first pass ${rate(passes[0].ms)}; CPU ${median.cpuMs.toFixed(0)} ms = ${rate(median.cpuMs)}; target ≥ 1 M lines/s (issue 22)`,
			};
		},
	},
	{
		name: 'lossPanel: 100k-point history to posted message',
		run: async () => {
			const builder = history(100_000);
			const start = now();
			const series = builder.build();
			const message = JSON.stringify({ type: 'init', runs: [], selected: ['bench'], series: [series] });
			const ms = now() - start;
			return { work: 100_000, unit: 'points', ms, note: `message ${(message.length / 1e6).toFixed(2)} MB; first paint is in the browser, not measured` };
		},
	},
	{
		name: 'lossPanel: 100k-point chart data (align 2 runs + smoothing)',
		run: async () => {
			const a = history(100_000).build();
			const b = { ...history(80_000).build(), id: 'other' };
			const start = now();
			const aligned = alignRuns([a, b], 0.9);
			const ms = now() - start;
			return { work: aligned.x.length, unit: 'points', ms };
		},
	},
];
