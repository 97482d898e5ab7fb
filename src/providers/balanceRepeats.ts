import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { BalanceProposal } from '../core/coverage/balance';
import { balanceFolder } from '../core/coverage/fromFolder';
import { FolderRename, companionRenames, planRenames, renameSubsetKeys } from '../core/coverage/renamePlan';
import { finishInterruptedRenames, removeRenameJournal, writeRenameJournal } from '../core/coverage/renameJournal';
import { withFolderLock } from '../core/folderLock';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { countOf } from '../core/plural';

/** Arguments that skip the questions (tests, keybindings): `{ root, budgetSteps, epochs?, faceToBody?, apply? }`. */
export interface BalanceArgs {
	root: string;
	budgetSteps: number;
	epochs?: number;
	faceToBody?: number;
	apply?: boolean;
}

function isBalanceArgs(value: unknown): value is BalanceArgs {
	const v = value as BalanceArgs;
	return typeof v === 'object' && v !== null && typeof v.root === 'string' && typeof v.budgetSteps === 'number';
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "LoRA: Balance Repeats": repeats that fit a step budget, applied as folder renames in one undoable edit. */
export class BalanceRepeats {
	public static register(services: WorkbenchServices): vscode.Disposable {
		return vscode.commands.registerCommand('loraWorkbench.balanceRepeats', (arg?: unknown) => balanceRepeats(services.trainingFolders, arg));
	}
}

async function balanceRepeats(trainingFolders: TrainingFolderService, arg: unknown): Promise<BalanceProposal | undefined> {
	try {
		const given = isBalanceArgs(arg) ? arg : undefined;
		const folder = await pickTrainingFolder(trainingFolders, given?.root ?? arg);
		if (!folder) {
			return undefined;
		}
		const request = given ?? await ask(folder);
		if (!request) {
			return undefined;
		}
		const proposal = balanceFolder(folder, request);
		if (given ? given.apply === false : !(await confirm(folder, proposal))) {
			return proposal;
		}
		// The folder's lock keeps the CLI's bulk writers out meanwhile; a rename a killed process left is finished first.
		const renamed = await withFolderLock(folder.root, 'VS Code: Balance Repeats', async () => {
			const recovery = await finishInterruptedRenames(folder.root);
			if (recovery?.problems.length) {
				throw new Error(recovery.problems.join(' '));
			}
			const current = recovery?.done.length ? await rescan(trainingFolders, folder.root) : folder;
			const applied = recovery?.done.length ? balanceFolder(current, request) : proposal;
			return applyRenames(current, planRenames(applied, Object.fromEntries(current.subsets.map((s) => [s.name, s.dir]))), 'Balance repeats');
		});
		await trainingFolders.refresh(folder.root);
		if (renamed.subsets.length > 0) {
			reportRenamed(trainingFolders, folder, renamed);
		}
		return proposal;
	} catch (err) {
		void vscode.window.showErrorMessage(`Balance Repeats: ${err instanceof Error ? err.message : String(err)}`);
		return undefined;
	}
}

async function ask(folder: TrainingFolder): Promise<BalanceArgs | undefined> {
	const budget = await vscode.window.showInputBox({
		title: 'Balance Repeats (1/3): step budget',
		prompt: `Total optimisation steps to aim for. Now: ${folder.steps?.totalSteps ?? '?'} steps. The guide: about 1500 or fewer.`,
		value: String(folder.settings.checks.maxTotalSteps),
		validateInput: (t) => (/^\d+$/.test(t.trim()) && Number(t) >= 1 ? undefined : 'Enter a whole number of steps.'),
	});
	if (!budget) {
		return undefined;
	}
	const epochs = await vscode.window.showInputBox({
		title: 'Balance Repeats (2/3): epochs',
		value: String(folder.training.epochs),
		validateInput: (t) => (/^\d+$/.test(t.trim()) && Number(t) >= 1 ? undefined : 'Enter a whole number of epochs.'),
	});
	if (!epochs) {
		return undefined;
	}
	const ratio = await vscode.window.showQuickPick([
		{ label: 'Keep the current shares', description: 'each subset keeps its share of samples per epoch', value: undefined },
		{ label: 'Face:body 1.5:1', value: 1.5 },
		{ label: 'Face:body 2:1', value: 2 },
		{ label: 'Face:body 1:1', value: 1 },
	], { title: 'Balance Repeats (3/3): share of samples' });
	if (!ratio) {
		return undefined;
	}
	return { root: folder.root, budgetSteps: Number(budget), epochs: Number(epochs), faceToBody: ratio.value };
}

async function confirm(folder: TrainingFolder, proposal: BalanceProposal): Promise<boolean> {
	const changed = proposal.rows.filter((r) => r.repeatsAfter !== r.repeatsBefore);
	if (changed.length === 0) {
		void vscode.window.showInformationMessage(`The repeats already fit: ${proposal.totalStepsAfter} steps for a budget of ${proposal.budgetSteps}.`);
		return false;
	}
	const items: (vscode.QuickPickItem & { apply?: boolean })[] = [
		{ label: `$(check) Apply: ${proposal.totalStepsBefore} → ${proposal.totalStepsAfter} steps`, description: `budget ${proposal.budgetSteps}`, detail: proposal.note, apply: true },
		{ label: '', kind: vscode.QuickPickItemKind.Separator },
		...proposal.rows.map((row) => ({
			label: `${row.name} → ${row.repeatsAfter}_${row.name.slice(row.name.indexOf('_') + 1)}`,
			description: `${row.role}, ${countOf(row.images, 'image')}`,
			detail: `repeats ${row.repeatsBefore} → ${row.repeatsAfter} · share of samples ${pct(row.shareBefore)} → ${pct(row.shareAfter)}`,
		})),
		{ label: '$(close) Cancel' },
	];
	const picked = await vscode.window.showQuickPick(items, { title: `Balance Repeats for ${basename(folder.root)}`, placeHolder: 'Before → after; Apply renames the subset folders (one undo)' });
	return picked?.apply === true;
}

/**
 * One WorkspaceEdit: subset folder renames and their originals/ and excluded/ folders (through temporary names
 * when two subsets swap names) plus the settings file's subset keys, so one undo restores all of them and open
 * editors follow the files. Returns the subset renames done (empty when there was nothing to rename).
 */
async function applyRenames(folder: TrainingFolder, subsetRenames: FolderRename[], label: string): Promise<Renamed> {
	if (subsetRenames.length === 0) {
		return { subsets: [], records: [] };
	}
	// Restore Original Image and excluded images find their subset by its folder name, so those folders follow it.
	const records = companionRenames(folder.root, subsetRenames);
	const renames = [...subsetRenames, ...records];
	const edit = new vscode.WorkspaceEdit();
	const metadata = { label, needsConfirmation: false };
	const sources = new Set(renames.map((r) => r.from));
	const swaps = renames.some((r) => sources.has(r.to));
	if (swaps) {
		renames.forEach((r, i) => edit.renameFile(vscode.Uri.file(r.from), vscode.Uri.file(join(dirname(r.from), `.lora-balance-${i}`)), undefined, metadata));
		renames.forEach((r, i) => edit.renameFile(vscode.Uri.file(join(dirname(r.from), `.lora-balance-${i}`)), vscode.Uri.file(r.to), undefined, metadata));
	} else {
		renames.forEach((r) => edit.renameFile(vscode.Uri.file(r.from), vscode.Uri.file(r.to), undefined, metadata));
	}
	if (folder.settingsFileExists) {
		const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder.root, SETTINGS_FILE_NAME)));
		const text = document.getText();
		const next = renameSubsetKeys(text, renames);
		if (next !== text) {
			edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), next, metadata);
		}
	}
	// Journaled like the CLI's --apply: if VS Code dies before the keys are saved, the next scan or balance finishes it.
	await writeRenameJournal(folder.root, renames, swaps ? renames.map((r, i) => join(dirname(r.from), `.lora-balance-${i}`)) : undefined);
	if (!(await vscode.workspace.applyEdit(edit))) {
		await removeRenameJournal(folder.root);
		throw new Error('the folders could not be renamed (is a file in them open in another program?). Nothing was changed.');
	}
	// Save the settings file so the new keys are on disk with the folders; undo still reverts it.
	await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === join(folder.root, SETTINGS_FILE_NAME))?.save();
	await removeRenameJournal(folder.root);
	return { subsets: subsetRenames, records };
}

interface Renamed {
	subsets: FolderRename[];
	/** The originals/ and excluded/ folders that followed them. */
	records: FolderRename[];
}

/**
 * Says what was renamed and how to undo it: VS Code keeps the edit's undo in lora-workbench.yaml (Ctrl+Z there)
 * or, without a settings file, in the Explorer, which nobody finds unaided; the Undo button renames back itself.
 */
function reportRenamed(trainingFolders: TrainingFolderService, folder: TrainingFolder, { subsets: renamed, records }: Renamed): void {
	const where = folder.settingsFileExists ? `Ctrl+Z in ${SETTINGS_FILE_NAME}` : 'Ctrl+Z in the Explorer';
	const names = renamed.map((r) => `${basename(r.from)} → ${basename(r.to)}`).join(', ');
	const followed = [...new Set(records.map((r) => basename(dirname(r.from))))].map((dir) => `${dir}/`).join(' and ');
	const message = `Balance Repeats: renamed ${countOf(renamed.length, 'subset folder')} (${names})${followed ? `; their ${followed} folders went with them` : ''}. To undo: Undo here, or ${where}.`;
	void vscode.window.showInformationMessage(message, 'Undo').then(async (choice) => {
		if (choice === 'Undo') {
			await undoRenames(trainingFolders, folder.root, renamed);
		}
	});
}

/** Renames the subsets back (a new edit, itself undoable), if they still have the names Balance Repeats gave them. */
async function undoRenames(trainingFolders: TrainingFolderService, root: string, renamed: FolderRename[]): Promise<void> {
	try {
		const moved = renamed.filter((r) => !existsSync(r.to) || existsSync(r.from));
		if (moved.length > 0) {
			throw new Error(`${moved.map((r) => relative(root, r.to)).join(', ')} ${moved.length === 1 ? 'was' : 'were'} renamed or changed since; rename the folders back by hand.`);
		}
		await withFolderLock(root, 'VS Code: undo Balance Repeats', async () => {
			await trainingFolders.refresh(root);
			const folder = trainingFolders.get(root);
			if (!folder) {
				throw new Error(`${root} is not a training folder any more.`);
			}
			await applyRenames(folder, renamed.map((r) => ({ from: r.to, to: r.from })), 'Undo balance repeats');
		});
		await trainingFolders.refresh(root);
		void vscode.window.showInformationMessage(`Balance Repeats undone: ${renamed.map((r) => basename(r.from)).join(', ')} ${renamed.length === 1 ? 'has its name' : 'have their names'} back.`);
	} catch (err) {
		void vscode.window.showErrorMessage(`Balance Repeats: could not undo: ${err instanceof Error ? err.message : String(err)}`);
	}
}

async function rescan(trainingFolders: TrainingFolderService, root: string): Promise<TrainingFolder> {
	await trainingFolders.refresh(root);
	const folder = trainingFolders.get(root);
	if (!folder) {
		throw new Error(`${root} could not be scanned again after finishing an interrupted rename; run Balance Repeats again.`);
	}
	return folder;
}
