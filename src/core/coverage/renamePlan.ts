import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { BalanceProposal, renameWithRepeats } from './balance';
import { renameSettingsKeys } from '../settings';
import { EXCLUDED_DIR_NAME, ORIGINALS_DIR_NAME } from '../exclude';

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

/** Folders beside images/ that keep per-subset files under the subset folder's name (Restore Original, Exclude). */
export const SUBSET_RECORD_DIRS = [ORIGINALS_DIR_NAME, EXCLUDED_DIR_NAME] as const;

/**
 * The renames of `<root>/originals/<subset>` and `<root>/excluded/<subset>` that go with subset renames: those
 * folders are found by the subset folder's name, so without them "Restore Original Image" and excluded images
 * would lose their subset. Only folders that exist are listed; a target that exists and is not itself renamed
 * away is refused before anything is renamed, as planRenames does.
 */
export function companionRenames(root: string, renames: readonly FolderRename[]): FolderRename[] {
	const result: FolderRename[] = [];
	for (const dirName of SUBSET_RECORD_DIRS) {
		const moves = renames
			.map((r) => ({ from: join(root, dirName, basename(r.from)), to: join(root, dirName, basename(r.to)) }))
			.filter((r) => r.from !== r.to && existsSync(r.from));
		const leaving = new Set(moves.map((r) => r.from));
		for (const move of moves) {
			if (existsSync(move.to) && !leaving.has(move.to)) {
				throw new Error(`${move.to} already exists, so ${move.from} cannot follow its subset: nothing was renamed. Move or merge that folder first.`);
			}
		}
		result.push(...moves);
	}
	return result;
}

/**
 * A path after folder renames done in this order (a swap goes through temporary names, so each rename applies to
 * the result of the ones before): records kept in memory (undo of the last bulk edit or exclusion, the gallery's
 * selection) follow the files instead of naming folders that are gone.
 */
export function followRenames(path: string, renames: readonly FolderRename[]): string {
	let current = path;
	for (const { from, to } of renames) {
		if (current === from) {
			current = to;
		} else if (current.startsWith(from + '/') || current.startsWith(from + '\\')) {
			current = to + current.slice(from.length);
		}
	}
	return current;
}
