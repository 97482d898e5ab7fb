/**
 * The figures the VS Code bench tier measures, shared by the tier (test/benchvscode/*.test.ts, inside the
 * extension host) and `npm run bench` (bench/vscode.bench.ts prints one line per figure). The tier writes
 * what it measured to the JSON file named by LORA_BENCH_OUT, after every figure, so a failure keeps the rest.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface FigureSpec {
	/** The bench line's name. */
	name: string;
	unit: string;
	/** Another figure of this tier measured in the same launch, to compare against. */
	baseline?: FigureKey;
}

export type FigureKey = 'activation' | 'webviewFloor' | 'captionSmall' | 'captionLarge' | 'captionNext' | 'loss1k' | 'loss100k'
	| 'gallery100Grid' | 'gallery100Thumbs' | 'gallery5kGrid' | 'gallery5kThumbs' | 'gallery5kCached'
	| 'tags100Root' | 'tags5kRoot' | 'tags5kAll' | 'hostBlockFloor20k' | 'hostBlock20k';

/** In the order the lines are printed; a baseline comes before the figures compared with it. */
export const FIGURES: Record<FigureKey, FigureSpec> = {
	activation: { name: 'vscode: activation in a fresh window, code loading + activate()', unit: 'activations' },
	// VS Code's own part of each panel's open below: they are compared with it.
	webviewFloor: { name: 'vscode: empty webview panel (no script of ours), created to painted', unit: 'panels' },
	captionSmall: { name: 'vscode: caption editor 512x768 JPEG, command to image painted', unit: 'images', baseline: 'webviewFloor' },
	captionLarge: { name: 'vscode: caption editor 4000x6000 JPEG, command to image painted', unit: 'images', baseline: 'captionSmall' },
	captionNext: { name: 'vscode: caption editor next 4000x6000 image, step to image painted', unit: 'images', baseline: 'captionLarge' },
	loss1k: { name: 'vscode: loss panel 1,000-step history, command to chart painted', unit: 'points', baseline: 'webviewFloor' },
	loss100k: { name: 'vscode: loss panel 100,000-step history, command to chart painted', unit: 'points', baseline: 'loss1k' },
	gallery100Grid: { name: 'vscode: gallery 100 images, command to grid painted', unit: 'images', baseline: 'webviewFloor' },
	gallery100Thumbs: { name: 'vscode: gallery 100 images, command to thumbnails painted', unit: 'images', baseline: 'gallery100Grid' },
	gallery5kGrid: { name: 'vscode: gallery 5,000 images, command to grid painted', unit: 'images', baseline: 'gallery100Grid' },
	gallery5kThumbs: { name: 'vscode: gallery 5,000 images, command to thumbnails painted', unit: 'images', baseline: 'gallery100Thumbs' },
	gallery5kCached: { name: 'vscode: gallery 5,000 images reopened, thumbnails painted', unit: 'images', baseline: 'gallery5kThumbs' },
	tags100Root: { name: 'vscode: Tags view 100 images, folder children', unit: 'images' },
	tags5kRoot: { name: 'vscode: Tags view 5,000 images, folder children', unit: 'images', baseline: 'tags100Root' },
	tags5kAll: { name: 'vscode: Tags view 5,000 images, all tags listed', unit: 'tags', baseline: 'tags5kRoot' },
	// Their ms is the longest single block of the extension host's event loop (target: 50 ms), not a duration.
	hostBlockFloor20k: { name: 'vscode: extension host, the same 20,000 files outside a training folder, longest event-loop block', unit: 'captions' },
	hostBlock20k: { name: 'vscode: extension host, 20,000 captions opened and changing, longest event-loop block', unit: 'captions', baseline: 'hostBlockFloor20k' },
};

export interface MeasuredFigure {
	ms: number;
	work: number;
	note?: string;
}

export interface BenchFigures {
	vscodeVersion: string;
	figures: Partial<Record<FigureKey, MeasuredFigure>>;
}

/**
 * Adds a figure to the output file (LORA_BENCH_OUT; nothing is written without it). Read and rewritten each
 * time: every test file is its own bundle, with its own copy of this module.
 */
export function recordFigure(key: FigureKey, figure: MeasuredFigure, vscodeVersion: string): void {
	const out = process.env.LORA_BENCH_OUT;
	if (!out) {
		return;
	}
	const measured: BenchFigures = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) as BenchFigures : { vscodeVersion, figures: {} };
	measured.figures[key] = figure;
	writeFileSync(out, JSON.stringify(measured, null, '\t'));
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
