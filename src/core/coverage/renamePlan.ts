import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { BalanceProposal, renameWithRepeats } from './balance';
import { renameSettingsKeys } from '../settings';

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

/** The settings text with each renamed subset's `subsets:` key (`images/<name>`, `reg/<name>`) following its folder. */
export function renameSubsetKeys(settingsText: string, renames: readonly FolderRename[]): string {
	const keys = new Map(renames.map((rename) => {
		const prefix = basename(dirname(rename.from));
		return [`${prefix}/${basename(rename.from)}`, `${prefix}/${basename(rename.to)}`];
	}));
	return renameSettingsKeys(settingsText, ['subsets'], keys);
}
