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
import { BenchFigures, FIGURES, FigureKey } from '../test/benchvscode/figures';
import { BenchCase } from './harness';

let launch: Promise<BenchFigures> | undefined;

async function measureInVscode(): Promise<BenchFigures> {
	const dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-vscode-'));
	const out = join(dir, 'figures.json');
	try {
		const { runVscodeSuite } = await import('../scripts/vscode-run.mjs');
		const result = await runVscodeSuite({ suite: 'benchvscode', benchOut: out, quiet: true });
		if (!existsSync(out)) {
			throw new Error(`the VS Code bench tier measured nothing (${result.failed} failed; its output is above)`);
		}
		return JSON.parse(readFileSync(out, 'utf8')) as BenchFigures;
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
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
