/**
 * Figures only a real VS Code can give: from running a command to the webview's first paint (caption
 * editor on a 4000x6000 JPEG, loss panel with a 100,000-step history, gallery of 5,000 images) and the Tags
 * view's children for 5,000 images. They are measured inside the extension host by the `benchvscode` tier
 * (test/benchvscode), launched once for all of these lines; each case reports the figure the tier measured.
 * Needs what the integration tests need (the offline VS Code server and Chromium); takes a few minutes.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchFigures, FIGURES, FigureKey, MeasuredFigure } from '../test/benchvscode/figures';
import { BenchCase } from './harness';

let launch: Promise<BenchFigures> | undefined;

/**
 * Activation is one sample per window, and a window's start shares the 2 cores with VS Code's own start: the
 * figure is the median of this many fresh windows (the tier's own and activation-only ones after it).
 */
const ACTIVATION_WINDOWS = 5;

async function measureInVscode(): Promise<BenchFigures> {
	const dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-vscode-'));
	const out = join(dir, 'figures.json');
	try {
		const { runVscodeSuite } = await import('../scripts/vscode-run.mjs');
		const result = await runVscodeSuite({ suite: 'benchvscode', benchOut: out, quiet: true });
		if (!existsSync(out)) {
			throw new Error(`the VS Code bench tier measured nothing (${result.failed} failed; its output is above)`);
		}
		const measured = JSON.parse(readFileSync(out, 'utf8')) as BenchFigures;
		const activations = measured.figures.activation ? [measured.figures.activation] : [];
		for (let window = 1; window < ACTIVATION_WINDOWS && activations.length > 0; window++) {
			const again = join(dir, `activation-${window}.json`);
			await runVscodeSuite({ suite: 'benchvscode', grep: 'activation', benchOut: again, quiet: true });
			const figure = existsSync(again) ? (JSON.parse(readFileSync(again, 'utf8')) as BenchFigures).figures.activation : undefined;
			if (figure) {
				activations.push(figure);
			}
		}
		if (activations.length > 0) {
			measured.figures.activation = medianActivation(activations);
		}
		return measured;
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
}

function medianActivation(windows: MeasuredFigure[]): MeasuredFigure {
	const sorted = [...windows].sort((a, b) => a.ms - b.ms);
	const median = sorted[Math.floor(sorted.length / 2)];
	const each = windows.map((w, i) => `window ${i + 1}: ${w.ms} ms, ${w.note ?? ''}`).join('; ');
	return { ms: median.ms, work: 1, note: `median of ${windows.length} fresh windows (each says whether V8 had its code cache; the first window after a build has none): ${each}` };
}

function figureCase(key: FigureKey): BenchCase {
	const spec = FIGURES[key];
	return {
		name: spec.name,
		baseline: spec.baseline && FIGURES[spec.baseline].name,
		// The one launch happens in the first selected case's (untimed) setup; the others reuse its figures.
		setup: async () => { await (launch ??= measureInVscode()); },
		async run() {
			const measured = await launch!;
			const figure = measured.figures[key];
			if (!figure) {
				throw new Error('not measured: the VS Code bench tier failed before this figure (its output is above)');
			}
			return { work: figure.work, unit: spec.unit, ms: figure.ms, note: figure.note };
		},
	};
}

export const cases: BenchCase[] = (Object.keys(FIGURES) as FigureKey[]).map(figureCase);
