import { isAbsolute, join, resolve } from 'node:path';
import type { SettingsEdit } from '../settings';
import { exportKohyaConfig, importKohyaConfig, KohyaImport } from './kohya';
import { readTrainingSection, TRAINING_FIELDS, trainingSectionDiff } from './trainingFields';
import { effectiveOutputName, TrainerSettings } from './trainingSettings';
import { guidePreset, presetFor } from './settingsTable';

/**
 * A kohya_ss GUI config against one training folder: import into its `training:` section (as edits of
 * lora-workbench.yaml, so comments survive and the extension can make them one undo) and export with the
 * folder's own paths, so the GUI can train the same folder.
 */

export interface KohyaFolderImport extends KohyaImport {
	/** Edits of lora-workbench.yaml, for applySettingsEdits / editSettingsFile. */
	edits: SettingsEdit[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Imports a GUI config into a folder whose current `training:` section is `currentTraining` (parsed YAML).
 * Where checkpoints and logs go stays the folder's decision (the GUI's output_dir/logging_dir point into the
 * GUI user's own setup), like its images (train_data_dir).
 */
/**
 * What a kohya_ss config is laid over: the guide preset (the GUI's presets leave keys to its defaults), except the
 * sample settings, which stay the folder's own unless the config has sample keys (most GUI presets have none).
 */
export function kohyaImportBase(current: TrainerSettings): TrainerSettings {
	const base = guidePreset();
	base.sample = structuredClone(current.sample);
	return base;
}

export function importKohyaIntoFolder(json: unknown, currentTraining: unknown): KohyaFolderImport {
	const current = readTrainingSection(currentTraining).settings;
	const imported = importKohyaConfig(json, kohyaImportBase(current));
	const raw = json as Record<string, unknown>;
	for (const [key, field] of [['output_dir', 'outputDir'], ['logging_dir', 'loggingDir']] as const) {
		const value = raw[key];
		if (typeof value === 'string' && value.trim() && value !== current[field]) {
			imported.ignored.push({ key, reason: `"${value}": the training folder keeps its own ${key === 'output_dir' ? 'checkpoint' : 'log'} folder (training.${field}: ${current[field]})` });
		}
		imported.settings[field] = current[field];
	}
	return { ...imported, edits: trainingEdits(currentTraining, imported.settings) };
}

/**
 * The edits that make the `training:` section say `settings`: what differs from its family's preset is set, keys
 * already in the file are updated in place (their comments stay), nothing else is added, so the file stays short.
 */
export function trainingEdits(currentTraining: unknown, settings: TrainerSettings): SettingsEdit[] {
	// The preset of the settings' family: the reader fills what the file leaves out from it (model: is written).
	const base = presetFor(settings.model);
	const diff = trainingSectionDiff(settings, base);
	const edits: SettingsEdit[] = [];
	if (currentTraining !== undefined && !isRecord(currentTraining)) {
		// `training:` with no mapping under it (or a scalar): there is nothing to keep.
		edits.push({ path: ['training'], value: {} });
	}
	const current = isRecord(currentTraining) ? currentTraining : {};
	const record = settings as unknown as Record<string, unknown>;
	const preset = base as unknown as Record<string, unknown>;
	for (const [key, spec] of Object.entries(TRAINING_FIELDS)) {
		const value = record[key];
		const inFile = key in current;
		if (spec.kind === 'object' || spec.kind === 'map') {
			const now = isRecord(current[key]) ? current[key] as Record<string, unknown> : undefined;
			const next = value as Record<string, unknown>;
			const presetObject = (spec.kind === 'object' ? preset[key] : {}) as Record<string, unknown>;
			if (inFile && !now) {
				edits.push({ path: ['training', key], value: undefined });
			}
			for (const sub of Object.keys(now ?? {})) {
				if (!(sub in next)) {
					edits.push({ path: ['training', key, sub], value: undefined });
				}
			}
			for (const [sub, subValue] of Object.entries(next)) {
				if (now && sub in now ? !same(now[sub], subValue) : !same(subValue, presetObject[sub])) {
					edits.push({ path: ['training', key, sub], value: subValue });
				}
			}
			if (spec.kind === 'map' && now && Object.keys(next).length === 0) {
				edits.push({ path: ['training', key], value: undefined });
			}
			continue;
		}
		// A value that stays is not rewritten: its node, and the comment on it, stay as they are.
		if (inFile ? !same(current[key], value) : key in diff) {
			edits.push({ path: ['training', key], value });
		}
	}
	return edits;
}

export interface KohyaExportFolder {
	root: string;
	trigger: string;
	/** True when the folder has regularisation subsets (`reg/`). */
	hasReg: boolean;
}

/** A GUI config for this folder: the GUI's folder fields point at the folder's images, reg, model and log. */
export function exportKohyaForFolder(settings: TrainerSettings, folder: KohyaExportFolder): Record<string, unknown> {
	const out = exportKohyaConfig(settings, { trigger: folder.trigger });
	const inFolder = (path: string) => (isAbsolute(path) ? path : resolve(folder.root, path));
	out.train_data_dir = join(folder.root, 'images');
	out.reg_data_dir = folder.hasReg ? join(folder.root, 'reg') : '';
	out.output_dir = inFolder(settings.outputDir || 'model');
	out.logging_dir = inFolder(settings.loggingDir || 'log');
	out.output_name = effectiveOutputName(settings, folder.trigger);
	// The folder decides the dataset: a dataset config from another setup would override train_data_dir.
	out.dataset_config = '';
	return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** One line per kind of note, for a notification or the CLI. */
export function describeKohyaImport(result: KohyaImport): string[] {
	const lines: string[] = [];
	if (result.kept.length) {
		lines.push(`Kept without an sd-scripts meaning (given back on export): ${result.kept.join(', ')}`);
	}
	for (const item of result.ignored) {
		lines.push(`Not used: ${item.key}: ${item.reason}`);
	}
	for (const line of result.migrated) {
		lines.push(`Migrated from an older GUI version: ${line}`);
	}
	for (const warning of result.warnings) {
		lines.push(`Warning: ${warning}`);
	}
	return lines;
}
