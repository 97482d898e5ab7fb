/**
 * What interrupted writers leave in a training folder, found by every scan: a rename journal, subset folders
 * hidden under a temporary `.lora-rename-*` name (sd-scripts skips them, so their images silently drop out of
 * training), and `subsets:` keys in lora-workbench.yaml naming folders that no longer exist (their roles are
 * then re-guessed without a word). The scan only reports; `balance --repair` (and the CLI's `scan`) repair.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { RENAME_JOURNAL_NAME, RENAME_TEMP_PATTERN } from './coverage/renameJournal';
import type { DatasetProblem } from './datasetModel';
import { SETTINGS_FILE_NAME } from './settings';

async function exists(path: string): Promise<boolean> {
	return fs.stat(path).then(() => true, () => false);
}

export async function leftoverProblems(root: string, subsetKeys: readonly string[], settingsKeys: readonly string[]): Promise<DatasetProblem[]> {
	const problems: DatasetProblem[] = [];
	const repair = `run "lora-workbench balance ${root} --repair"`;
	const journal = join(root, RENAME_JOURNAL_NAME);
	if (await exists(journal)) {
		problems.push({ severity: 'error', code: 'interrupted-rename', path: journal, message: `A Balance Repeats rename of subset folders was interrupted (${journal} is still there): ${repair} to finish it.` });
	}
	for (const base of ['images', 'reg']) {
		const names = await fs.readdir(join(root, base)).catch(() => [] as string[]);
		for (const name of names.filter((n) => RENAME_TEMP_PATTERN.test(n))) {
			const dir = join(root, base, name);
			problems.push({
				severity: 'error', code: 'hidden-subset', path: dir,
				message: `${dir} is a subset folder left under a temporary name by an interrupted rename; sd-scripts skips it, so its images are not trained. ${problems.some((p) => p.code === 'interrupted-rename') ? repair : 'Rename it back to <repeats>_<class> (e.g. 10_mytrigger woman)'}.`,
			});
		}
	}
	const current = new Set(subsetKeys);
	for (const key of settingsKeys) {
		if (!current.has(key) && !(await exists(join(root, key)))) {
			const [base, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
			const tokens = name.slice(name.indexOf('_') + 1);
			const likely = subsetKeys.find((k) => k.startsWith(`${base}/`) && k.slice(k.indexOf('_') + 1) === tokens && !settingsKeys.includes(k));
			problems.push({
				severity: 'warning', code: 'stale-subset-key', path: join(root, SETTINGS_FILE_NAME),
				message: `${SETTINGS_FILE_NAME} has settings for subsets: "${key}", but there is no such folder, so they apply to nothing${likely ? ` (the folder is probably "${likely}" now)` : ''}. ${likely ? `Rename the key to "${likely}"` : 'Rename the key to the folder\'s name or delete it'}${problems.some((p) => p.code === 'interrupted-rename') ? `, or ${repair}` : ''}.`,
			});
		}
	}
	return problems;
}
