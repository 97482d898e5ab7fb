import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeFileAtomic } from '../core/atomicWrite';
import type { TrainingFolder } from '../core/dataset';
import { SETTINGS_FILE_NAME } from '../core/settings';
import { describeKohyaImport, exportKohyaForFolder, importKohyaIntoFolder, KohyaFolderImport } from '../core/training/kohyaFolder';
import { readTrainingSection } from '../core/training/trainingFields';
import { effectiveOutputName } from '../core/training/trainingSettings';
import { pickTrainingFolder } from '../services/pickTrainingFolder';
import type { TrainingFolderService } from '../services/trainingFolders';
import type { WorkbenchServices } from '../services/workbenchServices';
import { Disposable } from '../util/dispose';
import { editSettingsFile } from '../util/settingsFile';
import { countOf } from '../core/plural';

interface Services {
	readonly log: vscode.LogOutputChannel;
	readonly trainingFolders: TrainingFolderService;
}

/** What the import command answers (tests read it; the user sees it as a notification and in the log). */
export interface KohyaImportResult {
	root: string;
	source: string;
	kept: string[];
	ignored: { key: string; reason: string }[];
	migrated: string[];
	warnings: string[];
}

export interface KohyaExportResult {
	root: string;
	target: string;
}

function pathOf(arg: unknown): string | undefined {
	return typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
}

/**
 * "LoRA: Import kohya_ss Config…" and "LoRA: Export kohya_ss Config…": the kohya_ss GUI's LoRA config JSON into
 * the `training:` section of lora-workbench.yaml (one undoable edit, comments kept) and back out, with the
 * folder's own paths so the GUI can train the same folder.
 */
export class KohyaConfigCommands extends Disposable {
	constructor(private readonly services: Services) {
		super();
		// import(file?, folder?) and export(folder?, target?): arguments let tests and other commands skip the dialogs.
		this.register(vscode.commands.registerCommand('loraWorkbench.importKohyaConfig', (file?: unknown, folder?: unknown) => this.importConfig(file, folder)));
		this.register(vscode.commands.registerCommand('loraWorkbench.exportKohyaConfig', (folder?: unknown, target?: unknown) => this.exportConfig(folder, target)));
	}

	public static register(services: WorkbenchServices): KohyaConfigCommands {
		return new KohyaConfigCommands(services);
	}

	/** A folder named by the argument is used even when the watcher has not found it (scanned without captions). */
	private pickFolder(arg: unknown, title: string): Promise<TrainingFolder | undefined> {
		return pickTrainingFolder(this.services.trainingFolders, arg, { title, fromActiveEditor: true, scanUnknown: true });
	}

	public async importConfig(fileArg?: unknown, folderArg?: unknown): Promise<KohyaImportResult | undefined> {
		// From the explorer the one argument may be the folder (or its settings file) instead of a .json.
		const given = pathOf(fileArg);
		let source = given?.toLowerCase().endsWith('.json') ? given : undefined;
		const folder = await this.pickFolder(folderArg ?? (source ? undefined : fileArg), 'Import the kohya_ss config into which training folder?');
		if (!folder) {
			return undefined;
		}
		if (!source) {
			const picked = await vscode.window.showOpenDialog({
				canSelectMany: false, openLabel: 'Import', title: 'kohya_ss GUI LoRA config (saved from the LoRA tab)',
				filters: { 'kohya_ss config': ['json'] }, defaultUri: vscode.Uri.file(folder.root),
			});
			source = picked?.[0]?.fsPath;
			if (!source) {
				return undefined;
			}
		}
		let json: unknown;
		try {
			json = JSON.parse(await fs.readFile(source, 'utf8'));
		} catch (err) {
			void vscode.window.showErrorMessage(`${source} could not be read as JSON (${err instanceof Error ? err.message : String(err)}). Save the config from the kohya_ss GUI's LoRA tab and import that file.`);
			return undefined;
		}
		const settingsUri = vscode.Uri.file(join(folder.root, SETTINGS_FILE_NAME));
		let imported: KohyaFolderImport;
		try {
			imported = importKohyaIntoFolder(json, (await this.currentSettings(settingsUri))?.training);
			await editSettingsFile(folder.root, imported.edits, `Import kohya_ss config ${basename(source)}`);
		} catch (err) {
			void vscode.window.showErrorMessage(`Import of ${source}: ${err instanceof Error ? err.message : String(err)}`);
			return undefined;
		}
		await this.services.trainingFolders.refresh(folder.root);
		const notes = describeKohyaImport(imported);
		this.services.log.info(`Imported ${source} into ${settingsUri.fsPath} (training:)${notes.map((n) => `\n  ${n}`).join('')}`);
		const headline = `Imported ${basename(source)} into ${basename(folder.root)}/${SETTINGS_FILE_NAME}.`
			+ (imported.kept.length ? ` ${countOf(imported.kept.length, 'GUI key has', 'GUI keys have')} no sd-scripts meaning and ${imported.kept.length === 1 ? 'was' : 'were'} kept for export: ${imported.kept.slice(0, 6).join(', ')}${imported.kept.length > 6 ? ', …' : ''}.` : ' Every key was mapped.')
			+ (imported.warnings.length ? ` ${countOf(imported.warnings.length, 'warning')}.` : '');
		const show = imported.warnings.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
		void show(headline, 'Open Settings', 'Show Details').then(async (choice) => {
			if (choice === 'Open Settings') {
				await vscode.window.showTextDocument(settingsUri);
			} else if (choice === 'Show Details') {
				this.services.log.show(true);
			}
		});
		return { root: folder.root, source, kept: imported.kept, ignored: imported.ignored, migrated: imported.migrated, warnings: imported.warnings };
	}

	/** lora-workbench.yaml as the editor has it now (unsaved edits included), parsed; undefined when there is none. */
	private async currentSettings(uri: vscode.Uri): Promise<Record<string, unknown> | undefined> {
		let text: string;
		try {
			text = (await vscode.workspace.openTextDocument(uri)).getText();
		} catch {
			return undefined; // no settings file yet: it is created with the import
		}
		let parsed: unknown;
		try {
			parsed = parseYaml(text);
		} catch (err) {
			throw new Error(`${uri.fsPath} is not valid YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); fix it before importing.`, { cause: err });
		}
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
	}

	public async exportConfig(folderArg?: unknown, targetArg?: unknown): Promise<KohyaExportResult | undefined> {
		const folder = await this.pickFolder(folderArg, 'Export the training settings of which folder?');
		if (!folder) {
			return undefined;
		}
		let current: Record<string, unknown> | undefined;
		try {
			current = await this.currentSettings(vscode.Uri.file(join(folder.root, SETTINGS_FILE_NAME)));
		} catch (err) {
			void vscode.window.showErrorMessage(`Export: ${err instanceof Error ? err.message : String(err)}`);
			return undefined;
		}
		const { settings, problems } = readTrainingSection(current?.training);
		const trigger = (typeof current?.trigger === 'string' || typeof current?.trigger === 'number' ? String(current.trigger).trim() : '') || (folder.trigger ?? '');
		let target = pathOf(targetArg);
		if (!target) {
			const picked = await vscode.window.showSaveDialog({
				title: 'Save as kohya_ss GUI LoRA config', saveLabel: 'Export', filters: { 'kohya_ss config': ['json'] },
				defaultUri: vscode.Uri.file(join(folder.root, `${effectiveOutputName(settings, trigger)}-kohya_ss.json`)),
			});
			target = picked?.fsPath;
			if (!target) {
				return undefined;
			}
		}
		const config = exportKohyaForFolder(settings, { root: folder.root, trigger, hasReg: folder.subsets.some((s) => s.isReg) });
		try {
			await fs.mkdir(dirname(target), { recursive: true });
			await writeFileAtomic(target, `${JSON.stringify(config, null, 2)}\n`);
		} catch (err) {
			void vscode.window.showErrorMessage(`${target} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); pick a folder you can write to.`);
			return undefined;
		}
		const skipped = problems.length ? ` ${countOf(problems.length, 'setting')} in ${SETTINGS_FILE_NAME} ${problems.length === 1 ? 'was' : 'were'} invalid and exported with the preset value: ${problems.map((p) => p.path).join(', ')}.` : '';
		this.services.log.info(`Exported the training settings of ${folder.root} to ${target}${problems.map((p) => `\n  ${p.message}`).join('')}`);
		void (problems.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(`Exported the training settings to ${basename(target)} (kohya_ss GUI: Configuration → Open).${skipped}`);
		return { root: folder.root, target };
	}
}
