import { optionOf } from './sdScriptsOptions';
import { SD_SCRIPTS_SCRIPTS, familyLabel } from './sdScriptsScripts';
import { AnyDef, DefsOf, LAUNCH_SETTINGS, LeafDef, Normalizer, SAMPLE_SETTINGS, TRAINING_SETTINGS, flatDefs, isGroup, presetFor, sdScriptsUses } from './settingsTable';
import { MODEL_FAMILIES, ModelFamily, TrainerSettings } from './trainingSettings';
import { REMOVED_SD15_MODEL_ID, SD15_MODEL_ID, replacementModelNote } from './sd15Model';

/**
 * The reader of the `training:` section, driven by the settings table (settingsTable.ts): it checks values with
 * the rules there, and the JSON schema for lora-workbench.yaml and its completion come from the same table, so the
 * editor and the reader never disagree. The section is read here and nowhere else (core/settings.ts keeps the
 * result, the plan takes it from there).
 */
export type FieldSpec =
	| { kind: 'string'; description: string; enum?: readonly string[]; pattern?: string; normalize?: Normalizer }
	| { kind: 'int'; description: string; min?: number; max?: number; nullable?: boolean; enum?: readonly number[] }
	| { kind: 'number'; description: string; min?: number; max?: number; nullable?: boolean }
	| { kind: 'bool'; description: string }
	| { kind: 'stringList'; description: string }
	| { kind: 'resolution'; description: string }
	| { kind: 'map'; description: string }
	| { kind: 'object'; description: string; fields: Readonly<Record<string, FieldSpec>> };

/** A table group as the field specs the reader, the schema and completion walk. */
export function fieldSpecsOf<T>(defs: DefsOf<T>): Readonly<Record<string, FieldSpec>> {
	const out: Record<string, FieldSpec> = {};
	for (const [key, def] of Object.entries(defs) as [string, AnyDef][]) {
		out[key] = isGroup(def)
			? { kind: 'object', description: def.doc, fields: fieldSpecsOf(def.fields as DefsOf<unknown>) }
			: { ...def.rules, description: def.doc } as FieldSpec;
	}
	return out;
}

export const SAMPLE_FIELDS = fieldSpecsOf(SAMPLE_SETTINGS);
export const LAUNCH_FIELDS = fieldSpecsOf(LAUNCH_SETTINGS);
export const TRAINING_FIELDS = fieldSpecsOf(TRAINING_SETTINGS);

export interface SettingsProblem {
	/** Dotted path inside the YAML, e.g. `training.batchSize`. */
	path: string;
	message: string;
	/** `unknown-key`: the key is not a setting (with the one meant, when it is clear); `bad-value`: its value. */
	kind?: 'unknown-key' | 'bad-value';
	/** The key the user most likely meant, for an unknown key. */
	suggestion?: string;
}

function typeName(value: unknown): string {
	return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `"${value}"` : String(value);
}

/** Checks one value against its spec; returns the accepted value or undefined (and records why). */
function readValue(spec: FieldSpec, value: unknown, fallback: unknown, path: string, problems: SettingsProblem[], notes: SettingsNote[]): unknown {
	const bad = (what: string): undefined => {
		problems.push({ path, kind: 'bad-value', message: `${path} must be ${what} (got ${typeName(value)}); using ${JSON.stringify(fallback)}` });
		return undefined;
	};
	switch (spec.kind) {
		case 'string':
			if (typeof value !== 'string') { return bad('text'); }
			if (spec.normalize) {
				const normalized = spec.normalize(value);
				if (normalized.note) { notes.push({ path, message: normalized.note }); }
				value = normalized.value;
				if (spec.pattern && !new RegExp(spec.pattern).test(normalized.value)) { return bad(`text matching ${spec.pattern}`); }
				return normalized.value;
			}
			if (spec.enum && !spec.enum.includes(value)) { return bad(`one of ${spec.enum.join(', ')}`); }
			if (spec.pattern && !new RegExp(spec.pattern).test(value)) { return bad(`text matching ${spec.pattern}`); }
			return value;
		case 'int':
		case 'number': {
			if (value === null && spec.nullable) { return null; }
			if (typeof value !== 'number' || !Number.isFinite(value)) { return bad(spec.kind === 'int' ? 'a whole number' : 'a number'); }
			if (spec.kind === 'int' && !Number.isInteger(value)) { return bad('a whole number'); }
			if (spec.min !== undefined && value < spec.min) { return bad(`at least ${spec.min}`); }
			if (spec.max !== undefined && value > spec.max) { return bad(`at most ${spec.max}`); }
			if (spec.kind === 'int' && spec.enum && !spec.enum.includes(value)) { return bad(`one of ${spec.enum.join(', ')}`); }
			return value;
		}
		case 'bool':
			return typeof value === 'boolean' ? value : bad('true or false');
		case 'stringList':
			return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : bad('a list of texts');
		case 'resolution':
			return normalizeResolution(value) ?? bad('"width,height" or one number (at least 64)');
		case 'map':
			return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : bad('a mapping');
		case 'object': {
			if (value === null || typeof value !== 'object' || Array.isArray(value)) { return bad('a mapping'); }
			return readObject(spec.fields, value as Record<string, unknown>, fallback as Record<string, unknown>, path, problems, notes);
		}
	}
}

function readObject(fields: Readonly<Record<string, FieldSpec>>, raw: Record<string, unknown>, defaults: Record<string, unknown>, path: string, problems: SettingsProblem[], notes: SettingsNote[]): Record<string, unknown> {
	const result: Record<string, unknown> = { ...defaults };
	for (const [key, value] of Object.entries(raw)) {
		const spec = fields[key];
		const keyPath = `${path}.${key}`;
		if (!spec) {
			const hint = closest(key, Object.keys(fields));
			problems.push({ path: keyPath, kind: 'unknown-key', suggestion: hint, message: `unknown setting ${keyPath}${hint ? ` (did you mean ${hint}?)` : ''}; it is ignored` });
			continue;
		}
		const accepted = readValue(spec, value, defaults[key], keyPath, problems, notes);
		if (accepted !== undefined) {
			result[key] = accepted;
		}
	}
	return result;
}

/** `512`, `"512"`, `"512,768"`, `[512, 768]` → `"512,768"` style text; undefined when not a resolution. */
export function normalizeResolution(value: unknown): string | undefined {
	let parts: unknown[];
	if (typeof value === 'number') {
		parts = [value];
	} else if (typeof value === 'string') {
		parts = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p.trim())));
	} else if (Array.isArray(value)) {
		parts = value;
	} else {
		return undefined;
	}
	if (parts.length < 1 || parts.length > 2 || !parts.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 64)) {
		return undefined;
	}
	return parts.join(',');
}

export function resolutionPair(resolution: string): [number, number] {
	const [w, h] = resolution.split(',').map(Number);
	return [w, h ?? w];
}

/**
 * Names users bring from the kohya_ss GUI and sd-scripts that are not just our key in snake_case: each row's
 * sd-scripts option and GUI keys (settingsTable.ts), the option names first (`sample_every_n_epochs` is
 * sample.everyNEpochs, though the GUI key also turns sampling on).
 */
const ALIASES: Record<string, string> = (() => {
	const aliases: Record<string, string> = {};
	const rows = flatDefs().filter(([, def]) => !isGroup(def)) as [string, LeafDef<unknown>][];
	const add = (word: string, name: string): void => {
		if (/^\w+$/.test(word) && !(word in aliases)) {
			aliases[word] = name.split('.').at(-1)!;
		}
	};
	for (const [name, def] of rows) {
		sdScriptsUses(def).forEach((use) => ('key' in use ? [use.key, use.datasetKey ?? use.key] : []).forEach((word) => add(word, name)));
	}
	for (const [name, def] of rows) {
		if ('key' in def.kohya) { add(def.kohya.key, name); }
	}
	// A row converted from one GUI key names it more surely than a row that reads several.
	const special = rows.flatMap(([name, def]) => ('keys' in def.kohya ? [{ name, keys: def.kohya.keys }] : [])).sort((a, b) => a.keys.length - b.keys.length);
	for (const { name, keys } of special) {
		keys.forEach((word) => add(word, name));
	}
	return aliases;
})();

function closest(word: string, candidates: string[]): string | undefined {
	const alias = ALIASES[word];
	if (alias && candidates.includes(alias)) {
		return alias;
	}
	const lower = word.toLowerCase().replace(/[_-]/g, '');
	return candidates.find((c) => c.toLowerCase() === lower);
}

/** Something read differently from how it is written (a missing dot added, a removed model id replaced). */
export interface SettingsNote {
	/** Dotted path inside the YAML, e.g. `training.captionExtension`. */
	path: string;
	message: string;
}

/** The `training:` section as read: the settings, what was wrong with it, and what was read differently. */
export interface TrainingSectionRead {
	settings: TrainerSettings;
	problems: SettingsProblem[];
	/** The messages of `noted`, for the preflight and the CLI. */
	notes: string[];
	noted: SettingsNote[];
}

/** The family a `training:` section names (`model:`), sd15 when it names none or none we know. */
export function familyOfSection(raw: unknown): ModelFamily {
	const model = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).model : undefined;
	return MODEL_FAMILIES.find((f) => f === model) ?? 'sd15';
}

/**
 * Reads the `training:` section (already parsed from YAML): the preset of its model family (`model:`, sd15 when
 * absent), overlaid with what the user set. Bad values fall back to the preset and are reported, never silently
 * dropped; a setting of another family (clipL on sd15) is reported as not used.
 */
export function readTrainingSection(raw: unknown, base: TrainerSettings = presetFor(familyOfSection(raw))): TrainingSectionRead {
	const problems: SettingsProblem[] = [];
	const noted: SettingsNote[] = [];
	const result = (settings: TrainerSettings): TrainingSectionRead => ({ settings, problems, notes: noted.map((n) => n.message), noted });
	if (raw === undefined || raw === null) {
		return result(base);
	}
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		problems.push({ path: 'training', message: 'training must be a mapping of settings; using the guide preset' });
		return result(base);
	}
	const settings = readObject(TRAINING_FIELDS, raw as Record<string, unknown>, base as unknown as Record<string, unknown>, 'training', problems, noted) as unknown as TrainerSettings;
	const family = settings.model;
	for (const key of Object.keys(raw)) {
		const def = (TRAINING_SETTINGS as Record<string, AnyDef>)[key];
		if (def && !def.families.includes(family)) {
			problems.push({ path: `training.${key}`, message: `training.${key} is for ${def.families.map(familyLabel).join(' and ')} only; training.model is ${family}, so ${SD_SCRIPTS_SCRIPTS[family]} does not get it` });
		}
	}
	for (const [key, value] of Object.entries(settings.extra)) {
		if (!optionOf(family, key)) {
			problems.push({ path: `training.extra.${key}`, message: `training.extra.${key} is not an option of ${SD_SCRIPTS_SCRIPTS[family]}; it is ignored` });
			delete settings.extra[key];
		} else if (value === null || typeof value === 'object' && !Array.isArray(value)) {
			problems.push({ path: `training.extra.${key}`, message: `training.extra.${key} must be a value or a list; it is ignored` });
			delete settings.extra[key];
		}
	}
	if (settings.baseModel.trim() === REMOVED_SD15_MODEL_ID) {
		settings.baseModel = SD15_MODEL_ID;
		noted.push({ path: 'training.baseModel', message: `${replacementModelNote('training.baseModel')}; write ${SD15_MODEL_ID} there to drop this note` });
	}
	return result(settings);
}

/**
 * The `training:` mapping to write back to YAML: only what differs from the preset of the settings' family (and
 * the family itself unless it is sd15, since the reader picks the preset by it), so files stay short.
 */
export function trainingSectionDiff(settings: TrainerSettings, base: TrainerSettings = presetFor(settings.model)): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(TRAINING_FIELDS) as (keyof TrainerSettings)[]) {
		if (JSON.stringify(settings[key]) !== JSON.stringify(base[key]) || key === 'model' && settings.model !== 'sd15') {
			out[key] = settings[key];
		}
	}
	return out;
}
