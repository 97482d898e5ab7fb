import * as vscode from 'vscode';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DownloadCancelledError, downloadModel, readDownloadRecord } from '../core/tagger/download';
import { TAGS_FILE } from '../core/tagger/labels';
import { listCachedModels, removeCachedModel } from '../core/tagger/modelCache';
import { DEFAULT_TAGGER_MODEL, HUGGING_FACE_ENDPOINT, KNOWN_TAGGER_MODELS, cacheFolderName, isValidRepoId } from '../core/tagger/models';
import { MODEL_FILE } from '../core/tagger/session';
import { Disposable } from '../util/dispose';
import { settingsTabFor } from '../util/settingsScope';
import { workspaceTrusted } from '../services/workspaceTrust';

const SECTION = 'loraWorkbench.tagger';
const USE_LOCAL_FOLDER = 'Use a Local Folder…';
const USE_MIRROR = 'Use a Mirror…';

function megabytes(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Where the tagger's model comes from: a local folder (setting `modelPath`), or a Hugging Face repository
 * (setting `model`) downloaded once into the extension's global storage. Also "LoRA: Manage Tagger Models".
 */
export class TaggerModels extends Disposable {
	readonly cacheRoot: string;

	private constructor(globalStorageUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {
		super();
		this.cacheRoot = join(globalStorageUri.fsPath, 'tagger');
		this.register(vscode.commands.registerCommand('loraWorkbench.manageTaggerModels', () => workspaceTrusted('Managing tagger models') ? this.manage() : undefined));
		// `folder` / `url` skip the picker and the input box (tests, keybindings).
		this.register(vscode.commands.registerCommand('loraWorkbench.useLocalTaggerFolder', (folder?: string) => workspaceTrusted('Choosing a tagger model') ? this.useLocalFolder(folder) : undefined));
		this.register(vscode.commands.registerCommand('loraWorkbench.useTaggerMirror', (url?: string) => workspaceTrusted('Choosing a tagger mirror') ? this.useMirror(url) : undefined));
		// Programmatic (not in the palette): what "Download" does, for tests against a local mirror.
		this.register(vscode.commands.registerCommand('loraWorkbench.downloadTaggerModel', (repoId?: string) => workspaceTrusted('Downloading a tagger model')
			? this.download(repoId ?? (vscode.workspace.getConfiguration(SECTION).get<string>('model', DEFAULT_TAGGER_MODEL) || DEFAULT_TAGGER_MODEL)) : undefined));
	}

	static register(services: { globalStorageUri: vscode.Uri; log: vscode.LogOutputChannel }): TaggerModels {
		return new TaggerModels(services.globalStorageUri, services.log);
	}

	/** The model folder to use, downloading it (with a cancellable progress notification) when needed. */
	async resolveModelDir(): Promise<string | undefined> {
		const config = vscode.workspace.getConfiguration(SECTION);
		const localPath = config.get<string>('modelPath', '').trim();
		if (localPath) {
			for (const file of [MODEL_FILE, TAGS_FILE]) {
				if (!existsSync(join(localPath, file))) {
					void vscode.window.showErrorMessage(`The tagger model folder ${localPath} (setting loraWorkbench.tagger.modelPath) has no ${file}. Put model.onnx and selected_tags.csv of one WD14 model there, or clear the setting to download one.`);
					return undefined;
				}
			}
			return localPath;
		}
		const repoId = config.get<string>('model', DEFAULT_TAGGER_MODEL).trim() || DEFAULT_TAGGER_MODEL;
		if (!isValidRepoId(repoId)) {
			void vscode.window.showErrorMessage(`loraWorkbench.tagger.model is "${repoId}", which is not a Hugging Face repository id such as ${DEFAULT_TAGGER_MODEL}.`);
			return undefined;
		}
		const dir = join(this.cacheRoot, cacheFolderName(repoId));
		if (await readDownloadRecord(dir)) {
			return dir;
		}
		// Modal: a toast left unanswered held the run ("already running") with nothing on screen to say why.
		const endpoint = this.endpoint();
		const answer = await vscode.window.showInformationMessage(
			`Auto-tagging needs the WD14 model ${repoId}. Download it now?`,
			{ modal: true, detail: `model.onnx and selected_tags.csv, a few hundred MB, from ${endpoint}. Without internet: use a folder that holds both files, or a mirror.` },
			'Download', USE_LOCAL_FOLDER, USE_MIRROR,
		);
		return this.answer(answer, repoId);
	}

	/** Where the three offers lead; undefined when the user cancelled. */
	private async answer(answer: string | undefined, repoId: string): Promise<string | undefined> {
		if (answer === USE_LOCAL_FOLDER) {
			return this.useLocalFolder();
		}
		if (answer === USE_MIRROR) {
			return (await this.useMirror()) ? this.download(repoId) : undefined;
		}
		return answer === 'Download' ? this.download(repoId) : undefined;
	}

	private endpoint(): string {
		return vscode.workspace.getConfiguration(SECTION).get<string>('endpoint', HUGGING_FACE_ENDPOINT) || HUGGING_FACE_ENDPOINT;
	}

	/**
	 * Picks a folder holding model.onnx and selected_tags.csv and writes loraWorkbench.tagger.modelPath where it
	 * takes effect: a folder or workspace value wins over the user's, so it is replaced there; otherwise the user
	 * settings, which in a remote window VS Code writes to the remote machine's (the setting is machine-overridable).
	 * Returns the folder, so the run that asked goes on with it.
	 */
	async useLocalFolder(given?: string): Promise<string | undefined> {
		const folder = given ?? (await vscode.window.showOpenDialog({
			canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Use This Folder',
			title: 'LoRA: the folder holding model.onnx and selected_tags.csv of a WD14 tagger',
		}))?.[0]?.fsPath;
		if (!folder) {
			return undefined;
		}
		const missing = [MODEL_FILE, TAGS_FILE].filter((file) => !existsSync(join(folder, file)));
		if (missing.length > 0) {
			void vscode.window.showErrorMessage(`${folder} has no ${missing.join(' and no ')}: a WD14 tagger folder holds model.onnx and selected_tags.csv (download both from the model's Hugging Face page on a machine with internet). The setting was not changed.`);
			return undefined;
		}
		await this.updateWhereItApplies('modelPath', folder);
		void vscode.window.showInformationMessage(`Auto-tagging uses the tagger in ${folder} (loraWorkbench.tagger.modelPath).`);
		return folder;
	}

	/** Asks for a Hugging Face mirror (resolve/main/<file> layout) and writes loraWorkbench.tagger.endpoint where it applies. */
	async useMirror(given?: string): Promise<string | undefined> {
		const url = given ?? await vscode.window.showInputBox({
			title: 'LoRA: Hugging Face mirror for tagger models',
			prompt: 'The mirror\'s address; files are read from <address>/<repository>/resolve/main/<file>, as from huggingface.co.',
			value: this.endpoint(),
			validateInput: (text) => (/^https?:\/\/[^\s/]+/i.test(text.trim()) ? undefined : 'An http:// or https:// address, e.g. https://hf-mirror.com'),
		});
		const trimmed = url?.trim().replace(/\/+$/, '');
		if (!trimmed) {
			return undefined;
		}
		if (!/^https?:\/\/[^\s/]+/i.test(trimmed)) {
			void vscode.window.showErrorMessage(`"${trimmed}" is not an http:// or https:// address; loraWorkbench.tagger.endpoint was not changed.`);
			return undefined;
		}
		await this.updateWhereItApplies('endpoint', trimmed);
		return trimmed;
	}

	private async updateWhereItApplies(key: 'modelPath' | 'endpoint', value: string): Promise<void> {
		const config = vscode.workspace.getConfiguration(SECTION);
		// Machine-overridable: VS Code writes a Global value of a remote window to the Remote settings, where it applies.
		const tab = settingsTabFor(config.inspect(key), vscode.env.remoteName, true);
		const target = tab === 'folder' ? vscode.ConfigurationTarget.WorkspaceFolder : tab === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
		await config.update(key, value, target);
	}

	async download(repoId: string): Promise<string | undefined> {
		const endpoint = this.endpoint();
		try {
			return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${repoId}`, cancellable: true }, async (progress, token) => {
				const controller = new AbortController();
				const subscription = token.onCancellationRequested(() => controller.abort());
				let reported = 0;
				const dir = await downloadModel(repoId, this.cacheRoot, {
					endpoint, signal: controller.signal,
					onProgress: (p) => {
						if (!p.overallTotal) {
							progress.report({ message: `${p.file}: ${megabytes(p.received)}` });
							return;
						}
						const percent = (p.overallReceived / p.overallTotal) * 100;
						if (percent - reported >= 1 || p.overallReceived === p.overallTotal) {
							progress.report({ increment: percent - reported, message: `${megabytes(p.overallReceived)} of ${megabytes(p.overallTotal)}` });
							reported = percent;
						}
					},
				}).finally(() => subscription.dispose());
				this.log.info(`Tagger model ${repoId} is in ${dir}`);
				return dir;
			});
		} catch (err) {
			if (err instanceof DownloadCancelledError) {
				void vscode.window.showInformationMessage(`Download of ${repoId} cancelled. What arrived is kept; the next download resumes from there.`);
			} else {
				// Offline or blocked: the two ways to get the model without that address. Not awaited, so the run ends
				// now and an unanswered message holds nothing; an answer sets it up for the next run.
				void vscode.window.showErrorMessage(`Could not download ${repoId} from ${endpoint}: ${err instanceof Error ? err.message : String(err)}`, USE_LOCAL_FOLDER, USE_MIRROR)
					.then((answer) => this.answer(answer, repoId));
			}
			return undefined;
		}
	}

	/** Lists cached models with their size; picking one offers to use, remove or finish downloading it. */
	async manage(): Promise<void> {
		const config = vscode.workspace.getConfiguration(SECTION);
		const current = config.get<string>('model', DEFAULT_TAGGER_MODEL);
		const localPath = config.get<string>('modelPath', '');
		const cached = await listCachedModels(this.cacheRoot);
		type Item = vscode.QuickPickItem & { repoId?: string; cachedDir?: string; complete?: boolean };
		const items: Item[] = [];
		if (localPath) {
			items.push({ label: '$(folder) Local folder (loraWorkbench.tagger.modelPath)', description: localPath, detail: 'Used instead of any downloaded model while the setting is set.' });
		}
		items.push({ label: 'Downloaded', kind: vscode.QuickPickItemKind.Separator });
		for (const model of cached) {
			items.push({
				label: `${model.repoId === current && !localPath ? '$(check) ' : ''}${model.repoId}`,
				description: `${megabytes(model.bytes)}${model.complete ? '' : ' · unfinished download'}`,
				detail: model.dir, repoId: model.repoId, cachedDir: model.dir, complete: model.complete,
			});
		}
		if (cached.length === 0) {
			items.push({ label: 'No models downloaded yet', description: this.cacheRoot });
		}
		items.push({ label: 'Available', kind: vscode.QuickPickItemKind.Separator });
		for (const known of KNOWN_TAGGER_MODELS.filter((k) => !cached.some((c) => c.repoId === k.repoId))) {
			items.push({ label: `${known.repoId === current && !localPath ? '$(check) ' : ''}${known.repoId}`, description: `${known.label}${known.repoId === DEFAULT_TAGGER_MODEL ? ' · kohya_ss default' : ''}`, repoId: known.repoId });
		}
		const picked = await vscode.window.showQuickPick(items, { title: 'Tagger Models', placeHolder: 'Pick a model to use, download or remove' });
		if (!picked?.repoId) {
			return;
		}
		const actions = [
			'Use for Auto-tagging',
			...(picked.cachedDir ? ['Remove from Disk'] : []),
			...(!picked.complete ? ['Download'] : []),
		];
		const action = await vscode.window.showQuickPick(actions, { title: picked.repoId });
		if (action === 'Use for Auto-tagging') {
			await config.update('model', picked.repoId, vscode.ConfigurationTarget.Global);
		} else if (action === 'Download') {
			await this.download(picked.repoId);
		} else if (action === 'Remove from Disk' && picked.cachedDir) {
			const size = statSync(picked.cachedDir).isDirectory() ? picked.description : '';
			const confirm = await vscode.window.showWarningMessage(`Remove ${picked.repoId} (${size}) from disk?`, { modal: true }, 'Remove');
			if (confirm === 'Remove') {
				await removeCachedModel(this.cacheRoot, picked.repoId);
				this.log.info(`Removed tagger model ${picked.repoId}`);
			}
		}
	}
}
