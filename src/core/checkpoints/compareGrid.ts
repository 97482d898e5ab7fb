import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseSampleName } from './checkpointNames';
import { SamplePrompt } from './samplePrompts';

export interface GridColumn {
	/** Epoch number, or step number for step-triggered samples. */
	key: string;
	label: string;
	epoch?: number;
	step?: number;
}

export interface GridRow {
	promptIndex: number;
	prompt?: string;
	/** Image path per column key; a missing key means no sample for that epoch. */
	cells: Record<string, string>;
}

export interface CompareGrid {
	columns: GridColumn[];
	rows: GridRow[];
}

/**
 * Rows = prompts, columns = epochs (or steps), from the PNGs sd-scripts writes into `<output_dir>/sample/`.
 * When a prompt was sampled twice at one epoch (a restarted run), the newest timestamp wins.
 */
export async function buildCompareGrid(sampleDir: string, outputName: string | undefined, prompts: SamplePrompt[] = []): Promise<CompareGrid> {
	let names: string[] = [];
	try {
		names = await fs.readdir(sampleDir);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw err;
		}
	}
	const columns = new Map<string, GridColumn>();
	const rows = new Map<number, GridRow>();
	const stamps = new Map<string, string>();
	for (const name of names) {
		const sample = parseSampleName(name);
		if (!sample || (outputName !== undefined && sample.outputName !== undefined && sample.outputName !== outputName)) {
			continue;
		}
		const key = sample.epoch !== undefined ? `e${sample.epoch}` : `s${sample.step}`;
		if (!columns.has(key)) {
			columns.set(key, sample.epoch !== undefined
				? { key, label: sample.epoch === 0 ? 'before training' : `epoch ${sample.epoch}`, epoch: sample.epoch }
				: { key, label: `step ${sample.step}`, step: sample.step });
		}
		let row = rows.get(sample.promptIndex);
		if (!row) {
			row = { promptIndex: sample.promptIndex, prompt: prompts[sample.promptIndex]?.prompt, cells: {} };
			rows.set(sample.promptIndex, row);
		}
		const cellId = `${sample.promptIndex}/${key}`;
		if ((stamps.get(cellId) ?? '') <= sample.timestamp) {
			stamps.set(cellId, sample.timestamp);
			row.cells[key] = join(sampleDir, name);
		}
	}
	const sortKey = (c: GridColumn) => (c.epoch !== undefined ? c.epoch * 1e9 : c.step ?? 0);
	return {
		columns: [...columns.values()].sort((a, b) => sortKey(a) - sortKey(b)),
		rows: [...rows.values()].sort((a, b) => a.promptIndex - b.promptIndex),
	};
}
