import * as vscode from 'vscode';
import { copyFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { formatBytes } from '../core/checkpoints/checkpointList';
import { readSafetensorsHeader } from '../core/checkpoints/safetensors';
import { summarizeMetadata } from '../core/checkpoints/metadata';
import { usageSnippet } from '../core/checkpoints/checkpointList';
import { chosenName } from '../core/checkpoints/checkpointRuns';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';
import { CheckpointNode, CheckpointsView } from './checkpointsView';
import { LikenessService } from '../services/likenessService';

const DETAILS_SCHEME = 'lora-checkpoint';

type CheckpointArg = Extract<CheckpointNode, { kind: 'checkpoint' }>;

function isCheckpointArg(value: unknown): value is CheckpointArg {
	return typeof value === 'object' && value !== null && (value as CheckpointNode).kind === 'checkpoint';
}

/** Details page, hover, "choose this epoch", usage snippet and "save as final" for checkpoints. */
export class CheckpointCommands extends Disposable implements vscode.TextDocumentContentProvider {
	public static register(services: WorkbenchServices): CheckpointCommands {
		const likeness = new LikenessService(services.globalStorageUri, services.log, services.trainingFolders);
		const view = CheckpointsView.register(services.trainingFolders, likeness);
		const commands = new CheckpointCommands(services.trainingFolders, view);
		commands.register(view);
		commands.register(likeness);
		return commands;
	}

	private constructor(private readonly trainingFolders: TrainingFolderService, public readonly view: CheckpointsView) {
		super();
		this.register(vscode.workspace.registerTextDocumentContentProvider(DETAILS_SCHEME, this));
		this.register(vscode.commands.registerCommand('loraWorkbench.showCheckpointDetails', (node: unknown) => this.showDetails(node)));
		this.register(vscode.commands.registerCommand('loraWorkbench.chooseCheckpoint', (node: unknown) => this.choose(node)));
		this.register(vscode.commands.registerCommand('loraWorkbench.copyLoraSnippet', (node: unknown) => this.copySnippet(node)));
		this.register(vscode.commands.registerCommand('loraWorkbench.saveCheckpointAsFinal', (node: unknown) => this.saveAsFinal(node)));
		this.register(vscode.commands.registerCommand('loraWorkbench.refreshCheckpoints', () => this.view.refresh()));
		this.register(vscode.commands.registerCommand('loraWorkbench.resumeFromState', (node: unknown, options?: { train?: boolean }) => this.resumeFrom(node, options)));
	}

	private async resolveArg(node: unknown): Promise<CheckpointArg | undefined> {
		if (isCheckpointArg(node)) {
			return node;
		}
		const uri = node instanceof vscode.Uri ? node : vscode.window.activeTextEditor?.document.uri;
		const folder = uri ? this.trainingFolders.folderOf(uri) : undefined;
		if (uri && folder) {
			const match = (await this.view.allCheckpoints(folder)).find((c) => c.file.path === uri.fsPath);
			if (match) {
				return match;
			}
		}
		void vscode.window.showWarningMessage('Pick a checkpoint in the LoRA Checkpoints view first.');
		return undefined;
	}

	/**
	 * "Resume from This State": training.resume names the state folder (relative to the training folder, as
	 * sd-scripts resolves it from there) and saveState stays on, then Train LoRA continues the run.
	 */
	private async resumeFrom(node: unknown, options: { train?: boolean } = {}): Promise<string | undefined> {
		if (typeof node !== 'object' || node === null || (node as CheckpointNode).kind !== 'state') {
			void vscode.window.showWarningMessage('Pick a training state (a <name>-<epoch>-state folder) in the LoRA Checkpoints view first. sd-scripts writes them when training.saveState is on.');
			return undefined;
		}
		const { folder, state } = node as Extract<CheckpointNode, { kind: 'state' }>;
		const resume = relative(folder.root, state.path).split(sep).join('/');
		await editSettingsFile(folder.root, [{ path: ['training', 'resume'], value: resume }, { path: ['training', 'saveState'], value: true }], 'Resume from state');
		await this.trainingFolders.refresh(folder.root);
		if (options.train) {
			await vscode.commands.executeCommand('loraWorkbench.trainLora', folder.root);
			return resume;
		}
		void vscode.window.showInformationMessage(`The next training of ${basename(folder.root)} resumes from ${resume} (training.resume; clear it for a fresh run).`, 'Train Now').then((choice) => {
			if (choice) { void vscode.commands.executeCommand('loraWorkbench.trainLora', folder.root); }
		});
		return resume;
	}

	public async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
		const path = uri.path.replace(/\.md$/, '');
		const lines = [`# ${basename(path)}`, ''];
		try {
			const info = await stat(path);
			lines.push(`${formatBytes(info.size)}, modified ${info.mtime.toLocaleString()}  `, `\`${path}\``, '');
			if (!/\.safetensors$/i.test(path)) {
				lines.push('This is a pickled PyTorch file (.ckpt/.pt): it carries no metadata. Train with `save_model_as = "safetensors"` to keep it.');
				return lines.join('\n');
			}
			const header = await readSafetensorsHeader(path);
			const summary = summarizeMetadata(header.metadata);
			lines.push(`${header.tensors.length} tensors, header ${formatBytes(header.headerBytes)}`, '');
			if (!summary.hasTrainingMetadata) {
				lines.push('No sd-scripts training metadata (`ss_*`) in this file (trained with `--no_metadata` or by another tool).', '');
			}
			lines.push('| | |', '|---|---|', ...summary.fields.map((f) => `| ${f.label} | ${escapeCell(f.value)} |`), '');
			for (const folder of summary.tagFrequency) {
				lines.push(`## Tags in ${folder.folder}`, '', '| tag | images |', '|---|---|', ...folder.tags.map((t) => `| ${escapeCell(t.tag)} | ${t.count} |`), '');
			}
			if (summary.otherKeys.length) {
				lines.push('## Other metadata', '', '| key | value |', '|---|---|', ...summary.otherKeys.map((f) => `| ${escapeCell(f.label)} | ${escapeCell(f.value.slice(0, 500))} |`));
			}
		} catch (err) {
			lines.push(`Metadata unavailable: ${err instanceof Error ? err.message : String(err)}`);
		}
		return lines.join('\n');
	}

	private async showDetails(node: unknown): Promise<void> {
		const arg = await this.resolveArg(node);
		if (!arg) {
			return;
		}
		const uri = vscode.Uri.from({ scheme: DETAILS_SCHEME, path: `${arg.file.path}.md` });
		await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, async () => {
			await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
		});
	}

	private async choose(node: unknown): Promise<void> {
		const arg = await this.resolveArg(node);
		if (!arg) {
			return;
		}
		await editSettingsFile(arg.folder.root, [{ path: ['checkpoints', 'chosen'], value: chosenName(arg.folder.modelDir, arg.file.path) }], 'Choose epoch');
		await this.trainingFolders.refresh(arg.folder.root);
		this.view.refresh();
		const snippet = usageSnippet(arg.file.fileName, arg.folder.trigger ?? '');
		// Not awaited: the command is done once the choice is recorded; the buttons are an offer.
		void vscode.window.showInformationMessage(`Chose ${arg.file.fileName}. Use it with ${snippet}`, 'Copy Snippet', 'Save as Final Name').then(async (action) => {
			if (action === 'Copy Snippet') {
				await vscode.env.clipboard.writeText(snippet);
			} else if (action === 'Save as Final Name') {
				await this.saveAsFinal(arg);
			}
		});
	}

	private async copySnippet(node: unknown): Promise<void> {
		const arg = await this.resolveArg(node);
		if (arg) {
			const snippet = usageSnippet(arg.file.fileName, arg.folder.trigger ?? '');
			await vscode.env.clipboard.writeText(snippet);
			void vscode.window.showInformationMessage(`Copied ${snippet}`);
		}
	}

	/** Copies the chosen epoch to `<output name>.safetensors` (or a name the user gives), never overwriting silently. */
	private async saveAsFinal(node: unknown): Promise<void> {
		const arg = await this.resolveArg(node);
		if (!arg) {
			return;
		}
		const finalName = `${arg.file.outputName}${arg.file.extension}`;
		let target = join(dirname(arg.file.path), finalName);
		if (target === arg.file.path) {
			void vscode.window.showInformationMessage(`${finalName} already has the final name.`);
			return;
		}
		const exists = await stat(target).then(() => true, () => false);
		if (exists) {
			const choice = await vscode.window.showWarningMessage(`${finalName} exists (sd-scripts saves the last epoch under that name). Overwrite it with ${arg.file.fileName}?`,
				{ modal: true }, 'Overwrite', 'Save Under Another Name');
			if (choice === 'Save Under Another Name') {
				const picked = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(join(dirname(target), `${arg.file.outputName}-final${arg.file.extension}`)) });
				if (!picked) {
					return;
				}
				target = picked.fsPath;
			} else if (choice !== 'Overwrite') {
				return;
			}
		}
		const temp = `${target}.partial`;
		await copyFile(arg.file.path, temp);
		await vscode.workspace.fs.rename(vscode.Uri.file(temp), vscode.Uri.file(target), { overwrite: true });
		this.view.refresh();
		void vscode.window.showInformationMessage(`Saved ${arg.file.fileName} as ${basename(target)}.`);
	}
}

function escapeCell(text: string): string {
	return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
