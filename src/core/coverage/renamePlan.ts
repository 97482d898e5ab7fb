import { existsSync, promises as fs } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { BalanceProposal, renameWithRepeats } from './balance';
import { renameSettingsKey } from '../settings';

export interface FolderRename {
	from: string;
	to: string;
}

/** Renames that apply a proposal; refuses a target that exists and is not itself renamed away. */
export function planRenames(proposal: BalanceProposal, subsetDirs: Record<string, string>): FolderRename[] {
	const renames = proposal.rows
		.filter((row) => row.repeatsAfter !== row.repeatsBefore)
		.map((row) => {
			const from = subsetDirs[row.name];
			return { from, to: join(dirname(from), renameWithRepeats(basename(from), row.repeatsAfter)) };
		});
	const leaving = new Set(renames.map((r) => r.from));
	const targets = new Set<string>();
	for (const rename of renames) {
		if (targets.has(rename.to)) {
			throw new Error(`two subsets would both become ${rename.to}; rename one of them by hand first.`);
		}
		targets.add(rename.to);
		if (existsSync(rename.to) && !leaving.has(rename.to)) {
			throw new Error(`${rename.to} already exists: nothing was renamed. Move or merge that folder first.`);
		}
	}
	return renames;
}

/**
 * Applies renames in two phases through temporary names, so swaps (`24_x` <-> `16_x`) work and a failure
 * part-way is rolled back.
 */
export async function applyRenames(renames: FolderRename[]): Promise<void> {
	const temps = renames.map((r, i) => ({ ...r, temp: join(dirname(r.from), `.lora-rename-${process.pid}-${i}`) }));
	const done: { from: string; to: string }[] = [];
	try {
		for (const r of temps) {
			await fs.rename(r.from, r.temp);
			done.push({ from: r.from, to: r.temp });
		}
		for (const r of temps) {
			await fs.rename(r.temp, r.to);
			done.push({ from: r.temp, to: r.to });
		}
	} catch (err) {
		for (const step of done.reverse()) {
			await fs.rename(step.to, step.from).catch(() => undefined);
		}
		throw err;
	}
}

/** The settings text with each renamed subset's `subsets:` key (`images/<name>`, `reg/<name>`) following its folder. */
export function renameSubsetKeys(settingsText: string, renames: FolderRename[]): string {
	let next = settingsText;
	for (const rename of renames) {
		const prefix = basename(dirname(rename.from));
		next = renameSettingsKey(next, ['subsets'], `${prefix}/${basename(rename.from)}`, `${prefix}/${basename(rename.to)}`);
	}
	return next;
}
