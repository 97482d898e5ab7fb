import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import { fileTextOf, writeCaptionFile } from '../core/captionFile';
import { EXISTING_CAPTION_MODES, ExistingCaptionMode } from '../core/tagger/captionMerge';
import { TaggerModelError, parseTagReplacements } from '../core/tagger/labels';
import { LintAfterTagging, formatLintLines, lintAfterTagging } from '../core/tagger/lintAfterTagging';
import { splitTagList } from '../core/tagger/selectTags';
import { EXECUTION_PROVIDERS, ExecutionProvider } from '../core/tagger/session';
import { TaggingSummary, formatSummary, summarizeTagging } from '../core/tagger/summary';
import { TagImagesResult, captionPathFor, tagImages } from '../core/tagger/tagImages';
import { collectTaggerTargets } from '../core/tagger/targets';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import { TaggerModels } from './taggerModels';
import { editorAwareCaptions } from './captionDocuments';
import { workspaceTrusted } from '../services/workspaceTrust';
import { countOf } from '../core/plural';

export interface AutoTagRun {
	result: TagImagesResult;
	summary: TaggingSummary;
	lint?: LintAfterTagging;
	/** Set when the linter could not run, with the reason. */
	lintNote?: string;
}

type TargetArg = vscode.Uri | { kind: string; root?: string; dir?: string; path?: string } | string | undefined;

const MODE_ITEMS: Array<vscode.QuickPickItem & { mode: ExistingCaptionMode }> = [
	{ label: 'Skip captioned images', description: 'tag only images without a caption', mode: 'skip' },
	{ label: 'Append new tags', description: 'keep each caption, add the tags it does not have yet', mode: 'append' },
	{ label: 'Overwrite captions', description: 'replace each caption with the tagger\'s (Undo restores them)', mode: 'overwrite' },
];

/** "LoRA: Auto-tag Images" on a training folder, a subset or selected images. Off in untrusted workspaces. */
export class AutoTag extends Disposable {
	/** The last finished run, for the summary's Undo and for integration tests. */
	lastRun: AutoTagRun | undefined;
	private running = false;

	private constructor(private readonly services: WorkbenchServices, private readonly models: TaggerModels) {
		super();
		this.register(models);
		this.register(vscode.commands.registerCommand('loraWorkbench.autoTagImages', (arg?: TargetArg, args?: TargetArg[]) => this.run(arg, args)));
	}

	static register(services: WorkbenchServices): AutoTag {
		return new AutoTag(services, TaggerModels.register(services));
	}

	async run(arg?: TargetArg, args?: TargetArg[]): Promise<AutoTagRun | undefined> {
		if (!workspaceTrusted('Auto-tagging')) {
			return undefined;
		}
		if (this.running) {
			void vscode.window.showInformationMessage('Auto-tagging is already running; wait for it or cancel it from its notification.');
			return undefined;
		}
		this.running = true;
		try {
			return await this.runTrusted(arg, args);
		} finally {
			this.running = false;
		}
	}

	private async runTrusted(arg?: TargetArg, args?: TargetArg[]): Promise<AutoTagRun | undefined> {
		let paths = (args && args.length > 0 ? args : [arg]).map(pathOf).filter((p): p is string => !!p);
		if (paths.length === 0) {
			const folder = await pickTrainingFolder(this.services.trainingFolders, undefined);
			if (!folder) {
				return undefined;
			}
			paths = [folder.root];
		}
		const targets = await collectTaggerTargets(paths);
		for (const problem of targets.problems) {
			this.services.log.warn(problem);
		}
		if (targets.images.length === 0) {
			void vscode.window.showWarningMessage(`No images to tag in ${paths.map((p) => basename(p)).join(', ')}. ${targets.problems[0] ?? ''}`.trim());
			return undefined;
		}
		const config = vscode.workspace.getConfiguration('loraWorkbench.tagger');
		const mode = await this.chooseMode(config, targets.images, targets.captionExtension);
		if (!mode) {
			return undefined;
		}
		const modelDir = await this.models.resolveModelDir();
		if (!modelDir) {
			return undefined;
		}
		let replacements: Array<[string, string]>;
		try {
			replacements = parseTagReplacements(config.get<string>('tagReplacements', ''));
		} catch (err) {
			void vscode.window.showErrorMessage(`loraWorkbench.tagger.tagReplacements: ${(err as Error).message}`);
			return undefined;
		}
		const separator = config.get<string>('captionSeparator', ', ') || ', ';
		const provider = config.get<string>('executionProvider', 'cpu') as ExecutionProvider;
		const prefix = {
			trigger: config.get<boolean>('addTrigger', true) ? targets.trigger : undefined,
			classWord: config.get<boolean>('addClassWord', false) ? targets.classWord : undefined,
		};
		let result: TagImagesResult;
		try {
			result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Auto-tagging', cancellable: true }, async (progress, token) => {
				const controller = new AbortController();
				const subscription = token.onCancellationRequested(() => controller.abort());
				// Tagging writes captions in bulk: the training folder's lock keeps the CLI's bulk writers out meanwhile.
				const locked = <T>(work: () => Promise<T>) => (targets.trainingRoot ? withFolderLock(targets.trainingRoot, 'VS Code: Auto-tag', work) : work());
				try {
					return await locked(() => tagImages({
						modelDir, images: targets.images, mode, prefix, signal: controller.signal,
						// A caption open in an editor is changed in its editor (a WorkspaceEdit), the others on disk.
						captions: editorAwareCaptions(),
						captionExtension: targets.captionExtension,
						batchSize: config.get<number>('batchSize', 4),
						executionProvider: EXECUTION_PROVIDERS.includes(provider) ? provider : 'cpu',
						selection: {
							generalThreshold: config.get<number>('generalThreshold', 0.35),
							characterThreshold: config.get<number>('characterThreshold', 0.35),
							ratingTags: config.get<'none' | 'first' | 'last'>('ratingTags', 'none'),
							characterTagsFirst: config.get<boolean>('characterTagsFirst', false),
							undesiredTags: splitTagList(config.get<string>('undesiredTags', ''), separator),
							alwaysFirstTags: splitTagList(config.get<string>('alwaysFirstTags', ''), separator),
						},
						processing: {
							removeUnderscores: config.get<boolean>('removeUnderscores', true),
							expandCharacterTags: config.get<boolean>('expandCharacterTags', false),
							replacements, captionSeparator: separator,
						},
						onModelReady: (contract) => {
							this.services.log.info(`Tagger: ${contract.modelFile} (input "${contract.inputName}" ${contract.inputSize}px, output "${contract.outputName}", ${contract.provider})`);
							if (contract.providerNote) {
								void vscode.window.showWarningMessage(contract.providerNote);
							}
						},
						onProgress: (done, total) => progress.report({ increment: 100 / total, message: `${done} of ${total}` }),
					}));
				} finally {
					subscription.dispose();
				}
			});
		} catch (err) {
			const message = err instanceof TaggerModelError || err instanceof FolderLockedError ? err.message : `Auto-tagging failed: ${err instanceof Error ? err.message : String(err)}`;
			this.services.log.error(message);
			void vscode.window.showErrorMessage(message);
			return undefined;
		}
		return this.finish(result, targets.trainingRoot, [prefix.trigger ?? '', prefix.classWord ?? '']);
	}

	private async chooseMode(config: vscode.WorkspaceConfiguration, images: readonly string[], captionExtension: string): Promise<ExistingCaptionMode | undefined> {
		const setting = config.get<string>('existingCaptions', 'ask');
		if (EXISTING_CAPTION_MODES.includes(setting as ExistingCaptionMode)) {
			return setting as ExistingCaptionMode;
		}
		const captioned = (await Promise.all(images.map((i) => fs.access(captionPathFor(i, captionExtension)).then(() => true, () => false)))).filter(Boolean).length;
		if (captioned === 0) {
			return 'skip';
		}
		const picked = await vscode.window.showQuickPick(MODE_ITEMS, {
			title: `${captioned} of ${countOf(images.length, 'image')} already ${captioned === 1 ? 'has' : 'have'} a caption`,
			placeHolder: 'What should happen to the existing captions?',
		});
		return picked?.mode;
	}

	private async finish(result: TagImagesResult, trainingRoot: string | undefined, prefixWords: string[]): Promise<AutoTagRun> {
		const run: AutoTagRun = { result, summary: summarizeTagging(result, prefixWords) };
		if (trainingRoot) {
			await this.services.trainingFolders.refresh(trainingRoot);
			if (result.tagged.length > 0) {
				try {
					run.lint = await lintAfterTagging(trainingRoot, result.tagged.map((t) => t.captionPath));
				} catch (err) {
					run.lintNote = `the caption linter could not run (${err instanceof Error ? err.message : String(err)})`;
				}
			}
		} else {
			run.lintNote = 'the images are not in a training folder, so the caption linter was not run';
		}
		this.lastRun = run;
		const log = this.services.log;
		for (const problem of result.problems) {
			log.warn(problem.message);
		}
		const lines = [...formatSummary(run.summary), ...(run.lint ? formatLintLines(run.lint) : run.lintNote ? [`Lint: ${run.lintNote}.`] : [])];
		lines.forEach((line) => log.info(line));
		const lintText = run.lint ? (run.lint.issues.length ? ` The linter reports ${countOf(run.lint.issues.length, 'problem')}: ${run.lint.byCode.slice(0, 3).map((c) => `${c.code} x${c.count}`).join(', ')}.` : ' No lint problems.') : '';
		const failedText = result.problems.length ? ` ${result.problems.length} failed (see the log).` : '';
		const message = `${lines[0]}${run.summary.tagged ? ` ${run.summary.tagsPerImage.average.toFixed(1)} tags per image; most frequent: ${run.summary.topTags.slice(0, 5).map((t) => t.tag).join(', ')}.` : ''}${lintText}${failedText}`;
		const changed = result.tagged.filter((t) => t.written !== undefined && t.written !== t.previous);
		const buttons = [...(run.lint?.issues.length ? ['Show Problems'] : []), 'Show Log', ...(changed.length ? ['Undo'] : [])];
		const show = result.problems.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
		void show(message, ...buttons).then(async (button) => {
			if (button === 'Show Problems') {
				await vscode.commands.executeCommand('workbench.actions.view.problems');
			} else if (button === 'Show Log') {
				log.show();
			} else if (button === 'Undo') {
				await this.undo(run);
			}
		});
		return run;
	}

	/** Restores the captions of a run, except those edited since (their content is no longer what we wrote). */
	async undo(run: AutoTagRun): Promise<number> {
		let restored = 0;
		const keptEdited: string[] = [];
		const captions = editorAwareCaptions();
		for (const tagged of run.result.tagged) {
			const file = await captions.read(tagged.captionPath);
			const current = file.kind === 'text' ? fileTextOf(file) : undefined;
			if (current !== tagged.written || tagged.written === tagged.previous) {
				if (current !== tagged.written) {
					keptEdited.push(tagged.captionPath);
				}
				continue;
			}
			if (tagged.previous === undefined && !tagged.previousBytes) {
				await fs.rm(tagged.captionPath, { force: true });
			} else {
				await (tagged.previousBytes ? writeCaptionFile(tagged.captionPath, tagged.previousBytes) : captions.write(tagged.captionPath, tagged.previous!));
			}
			restored++;
		}
		this.services.log.info(`Undo auto-tag: ${countOf(restored, 'caption')} restored${keptEdited.length ? `, ${keptEdited.length} left as they were edited since: ${keptEdited.join(', ')}` : ''}.`);
		void vscode.window.showInformationMessage(`${countOf(restored, 'caption')} restored${keptEdited.length ? `; ${keptEdited.length} edited since the run were left alone` : ''}.`);
		return restored;
	}
}

function pathOf(arg: TargetArg): string | undefined {
	if (!arg) {
		return undefined;
	}
	if (typeof arg === 'string') {
		return arg;
	}
	if (arg instanceof vscode.Uri) {
		return arg.scheme === 'file' ? arg.fsPath : undefined;
	}
	if (arg.kind === 'image') {
		return arg.path;
	}
	if (arg.kind === 'subset') {
		return arg.dir;
	}
	return arg.root;
}
