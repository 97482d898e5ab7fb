import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { WorkbenchServices } from '../services/workbenchServices';
import { writeFileAtomic } from '../core/atomicWrite';
import { checkClassWord, checkTriggerWord } from '../core/datasetTrigger';
import { SETTINGS_FILE_NAME, newSettingsText } from '../core/settings';
import { FAMILY_PRESETS } from '../core/training/settingsTable';
import type { ModelFamily } from '../core/training/trainingSettings';

export interface NewTrainingFolderAnswers {
	/** Folder the training folder is created in (it gets the trigger word as its name). */
	parent: string;
	trigger: string;
	classWord: string;
	faceRepeats: number;
	bodyRepeats: number;
	/** The model family (training.model); sd15 when left out. */
	model?: ModelFamily;
}

/** The families New Training Folder offers, with what each means for the dataset. */
const FAMILY_CHOICES: readonly (vscode.QuickPickItem & { model: ModelFamily })[] = [
	{ model: 'sd15', label: 'SD1.5', description: FAMILY_PRESETS.sd15.label, detail: 'train_network.py at 512x512 / 512x768, the guide\'s workflow' },
	{ model: 'sdxl', label: 'SDXL', description: FAMILY_PRESETS.sdxl.label, detail: 'sdxl_train_network.py at 1024 with buckets; images of about 1024 px' },
	{ model: 'flux1', label: 'Flux.1 dev', description: FAMILY_PRESETS.flux1.label, detail: 'flux_train_network.py at 1024 with buckets; needs the transformer, clip_l, t5xxl and ae files' },
];

/** Creates `<parent>/<trigger>/` with images/<face>, images/<body>, model/, log/ and lora-workbench.yaml. */
export async function createTrainingFolder(answers: NewTrainingFolderAnswers): Promise<string> {
	const root = join(answers.parent, answers.trigger);
	if (await fs.stat(root).then(() => true, () => false)) {
		throw new Error(`${root} already exists; pick another trigger word or remove that folder.`);
	}
	const tokens = `${answers.trigger} ${answers.classWord}`;
	const face = `${answers.faceRepeats}_${tokens}`;
	const body = `${answers.bodyRepeats}_${tokens}`;
	for (const dir of [join('images', face), join('images', body), 'model', 'log']) {
		await fs.mkdir(join(root, dir), { recursive: true });
	}
	await writeFileAtomic(join(root, SETTINGS_FILE_NAME), newSettingsText({
		trigger: answers.trigger, classWord: answers.classWord,
		subsets: { [`images/${face}`]: 'face', [`images/${body}`]: 'body' }, model: answers.model,
	}));
	return root;
}

function repeatsValidator(other?: number) {
	return (text: string): string | undefined => {
		if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
			return 'Enter a whole number of 1 or more.';
		}
		if (other !== undefined && Number(text) === other) {
			return 'Face and body repeats must differ: the two folders would get the same name.';
		}
		return undefined;
	};
}

async function askParent(): Promise<string | undefined> {
	const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
	const browse = { label: '$(folder-opened) Choose another folder...', path: undefined as string | undefined };
	const items = [...folders.map((f) => ({ label: f.name, description: f.uri.fsPath, path: f.uri.fsPath as string | undefined })), browse];
	const picked = folders.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'Create the training folder in' });
	if (!picked) {
		return undefined;
	}
	if (picked.path) {
		return picked.path;
	}
	const chosen = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, openLabel: 'Create Here' });
	return chosen?.[0]?.fsPath;
}

async function ask(services: WorkbenchServices): Promise<void> {
	const parent = await askParent();
	if (!parent) {
		return;
	}
	const trigger = await vscode.window.showInputBox({
		title: 'New Training Folder (1/5): trigger word',
		prompt: 'A made-up word that will call up the person, e.g. 3mm4w4ts0n. It names the folder and starts every caption.',
		validateInput: (text) => {
			const check = checkTriggerWord(text);
			return check.error ?? (check.warning ? { message: check.warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined);
		},
	});
	if (trigger === undefined) {
		return;
	}
	const classWord = await vscode.window.showQuickPick(['woman', 'man', 'person', 'girl', 'boy', 'Other...'], { title: 'New Training Folder (2/5): class word', placeHolder: 'What the person is' });
	if (classWord === undefined) {
		return;
	}
	const finalClass = classWord === 'Other...'
		? await vscode.window.showInputBox({ title: 'Class word', validateInput: (t) => checkClassWord(t).error })
		: classWord;
	if (!finalClass) {
		return;
	}
	const family = await vscode.window.showQuickPick(FAMILY_CHOICES, { title: 'New Training Folder (3/5): model family', placeHolder: 'The model the LoRA is for (training.model; change it later in lora-workbench.yaml)' });
	if (!family) {
		return;
	}
	const face = await vscode.window.showInputBox({ title: 'New Training Folder (4/5): face repeats', value: '24', validateInput: repeatsValidator() });
	if (face === undefined) {
		return;
	}
	const body = await vscode.window.showInputBox({ title: 'New Training Folder (5/5): body repeats', value: '16', validateInput: repeatsValidator(Number(face)) });
	if (body === undefined) {
		return;
	}
	let root: string;
	try {
		root = await createTrainingFolder({ parent, trigger: trigger.trim(), classWord: finalClass.trim(), faceRepeats: Number(face), bodyRepeats: Number(body), model: family.model });
	} catch (err) {
		void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
		return;
	}
	const inWorkspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root)) !== undefined;
	if (inWorkspace) {
		await services.trainingFolders.refresh(root);
		void vscode.window.showInformationMessage(`Created ${root}. Put 25-30 face close-ups and 15-20 body shots into its images/ folders.`);
	} else {
		const add = 'Add to Workspace';
		if ((await vscode.window.showInformationMessage(`Created ${root}.`, add)) === add) {
			vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri: vscode.Uri.file(root) });
		}
	}
}

export class NewTrainingFolder {
	public static register(services: WorkbenchServices): vscode.Disposable {
		return vscode.commands.registerCommand('loraWorkbench.newTrainingFolder', (answers?: NewTrainingFolderAnswers) =>
			// Tests pass the answers directly; people get the prompts.
			answers ? createTrainingFolder(answers).then(async (root) => { await services.trainingFolders.refresh(root); return root; }) : ask(services));
	}
}
