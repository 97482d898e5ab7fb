import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import { writeFileAtomic } from './atomicWrite';
import { LintSettings, defaultLintSettings, parseLintSettings } from './lint/lintSettings';
import { SCAN_KEYS, ScanKey } from './training/settingsTable';
import { TrainingSectionRead, readTrainingSection, resolutionPair } from './training/trainingFields';
import { ModelFamily, TrainerSettings } from './training/trainingSettings';
import { FAMILY_PRESETS, guidePreset, presetFor } from './training/settingsTable';
import { SETTINGS_FILE_NAME } from './settingsFileName';

/**
 * `lora-workbench.yaml`: the workbench's own settings beside `images/` and `model/`. Every value has a
 * default from the guide, so a folder made by another tool works without the file; the file is only
 * written when the user changes something, and always through the `yaml` Document API so comments and
 * key order survive.
 */
export { SETTINGS_FILE_NAME };

export type SubsetRole = 'face' | 'body' | 'costume' | 'reg' | 'unknown';
export const SUBSET_ROLES: readonly SubsetRole[] = ['face', 'body', 'costume', 'reg', 'unknown'];

/**
 * The training settings the dataset side reads (Dataset view, step math, caption files, `lora-workbench scan`):
 * the rows of the settings table marked `scan` (src/core/training/settingsTable.ts), read by the same reader as the
 * trainer's (readTrainingSection), so the two never disagree. Unknown keys of the file stay in `extra`.
 */
export type TrainingSettings = Omit<Pick<TrainerSettings, ScanKey>, 'resolution'> & {
	/** [width, height]; the file may say `512`, `"512,768"` or `[512, 768]`. */
	resolution: [number, number];
	/** Keys of the `training:` section the dataset side does not read (the trainer's, or unknown ones), kept as read. */
	extra: Record<string, unknown>;
};

/** The dataset side's view of the trainer settings (the `scan` rows; resolution as a pair). */
export function scanSettingsOf(trainer: TrainerSettings, extra: Record<string, unknown> = {}): TrainingSettings {
	// Every scan row is a plain value (a number, a boolean, a text).
	const picked = Object.fromEntries(SCAN_KEYS.map((key) => [key, trainer[key]])) as Record<string, unknown>;
	return { ...picked, resolution: resolutionPair(trainer.resolution), extra } as TrainingSettings;
}

/** Thresholds of the guide checks (`checks:` section). Ranges are inclusive [min, max]. */
export interface GuideThresholds {
	maxTotalSteps: number;
	faceBodyRatio: [number, number];
	faceImages: [number, number];
	bodyImages: [number, number];
}

export interface SubsetSettings {
	role?: SubsetRole;
}

export interface WorkbenchSettings {
	/** The trigger word, from the file; `undefined` when the file does not say (then inferred from subsets). */
	trigger: string | undefined;
	/** The class word (woman, man, person...). */
	classWord: string | undefined;
	training: TrainingSettings;
	/** The whole `training:` section as the trainer reads it (settings, problems, notes): read once, here. */
	trainer: TrainingSectionRead;
	checks: GuideThresholds;
	/** Per subset folder name relative to the root (`images/24_x woman`, `reg/1_woman`). */
	subsets: Record<string, SubsetSettings>;
	/** The `lint:` section (rules, vocabulary, baked traits, costume tags, conflicts); see src/core/lint/lintSettings.ts. */
	lint: LintSettings;
	/** Whole parsed file (other features read their own sections from here). `{}` when there is none. */
	raw: Record<string, unknown>;
	/** Problems with the file's content, each naming the key and what to do. */
	problems: string[];
}

/** The table's defaults (src/core/training/settingsTable.ts), as the dataset side reads them. */
export const DEFAULT_TRAINING: Readonly<TrainingSettings> = Object.freeze(scanSettingsOf(guidePreset()));

export const DEFAULT_CHECKS: Readonly<GuideThresholds> = Object.freeze({
	maxTotalSteps: 1500,
	faceBodyRatio: [1.5, 2] as [number, number],
	faceImages: [25, 30] as [number, number],
	bodyImages: [15, 20] as [number, number],
});

export function defaultSettings(): WorkbenchSettings {
	return {
		trigger: undefined,
		classWord: undefined,
		training: { ...DEFAULT_TRAINING, resolution: [...DEFAULT_TRAINING.resolution], extra: {} },
		trainer: readTrainingSection(undefined),
		checks: {
			...DEFAULT_CHECKS,
			faceBodyRatio: [...DEFAULT_CHECKS.faceBodyRatio],
			faceImages: [...DEFAULT_CHECKS.faceImages],
			bodyImages: [...DEFAULT_CHECKS.bodyImages],
		},
		subsets: {},
		lint: defaultLintSettings(),
		raw: {},
		problems: [],
	};
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class SettingsReader {
	constructor(private readonly problems: string[]) {}

	int(section: Record<string, unknown>, where: string, key: string, fallback: number, min = 1): number {
		const value = section[key];
		if (value === undefined || value === null) {
			return fallback;
		}
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
			this.problems.push(`${where}.${key} must be a whole number >= ${min} (found ${JSON.stringify(value)}); using ${fallback}.`);
			return fallback;
		}
		return value;
	}

	text(section: Record<string, unknown>, where: string, key: string): string | undefined {
		const value = section[key];
		if (value === undefined || value === null) {
			return undefined;
		}
		if (typeof value !== 'string' && typeof value !== 'number') {
			this.problems.push(`${where}${key} must be a word (found ${JSON.stringify(value)}).`);
			return undefined;
		}
		const trimmed = String(value).trim();
		return trimmed.length > 0 ? trimmed : undefined;
	}

	range(section: Record<string, unknown>, key: string, fallback: [number, number]): [number, number] {
		const value = section[key];
		if (value === undefined || value === null) {
			return [...fallback];
		}
		if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number') && value[0] <= value[1]) {
			return [value[0], value[1]];
		}
		this.problems.push(`checks.${key} must be [min, max] (found ${JSON.stringify(value)}); using [${fallback.join(', ')}].`);
		return [...fallback];
	}
}

const SCAN_KEY_SET = new Set<string>(SCAN_KEYS);

/** Parses the file's text. Never throws: YAML errors and bad values become `problems`, defaults fill in. */
export function parseSettings(text: string): WorkbenchSettings {
	const settings = defaultSettings();
	const doc = parseDocument(text);
	if (doc.errors.length > 0) {
		const first = doc.errors[0];
		const line = first.linePos?.[0].line;
		settings.problems.push(`${SETTINGS_FILE_NAME} is not valid YAML${line ? ` (line ${line})` : ''}: ${first.message.split('\n')[0]}. Fix the file; defaults are used meanwhile.`);
		return settings;
	}
	const raw: unknown = doc.toJS();
	if (raw === null || raw === undefined) {
		return settings;
	}
	if (!isRecord(raw)) {
		settings.problems.push(`${SETTINGS_FILE_NAME} must be a mapping of keys (trigger:, class:, training:...); defaults are used.`);
		return settings;
	}
	settings.raw = raw;
	const read = new SettingsReader(settings.problems);
	settings.trigger = read.text(raw, '', 'trigger');
	settings.classWord = read.text(raw, '', 'class');

	// The one read of the `training:` section; the dataset side shows the problems and notes of its own keys.
	settings.trainer = readTrainingSection(raw.training);
	const ownKey = (path: string): boolean => SCAN_KEY_SET.has(path.split('.')[1] ?? '') && path.split('.').length === 2;
	const training = isRecord(raw.training) ? raw.training : {};
	settings.problems.push(...settings.trainer.problems.filter((p) => p.kind === 'bad-value' && ownKey(p.path)).map((p) => `${p.message}.`));
	settings.problems.push(...settings.trainer.noted.filter((n) => ownKey(n.path)).map((n) => `${n.message}.`));
	settings.training = scanSettingsOf(settings.trainer.settings, Object.fromEntries(Object.entries(training).filter(([key]) => !SCAN_KEY_SET.has(key))));

	const checks = isRecord(raw.checks) ? raw.checks : {};
	settings.checks.maxTotalSteps = read.int(checks, 'checks', 'maxTotalSteps', settings.checks.maxTotalSteps);
	settings.checks.faceBodyRatio = read.range(checks, 'faceBodyRatio', settings.checks.faceBodyRatio);
	settings.checks.faceImages = read.range(checks, 'faceImages', settings.checks.faceImages);
	settings.checks.bodyImages = read.range(checks, 'bodyImages', settings.checks.bodyImages);

	settings.lint = parseLintSettings(raw.lint, settings.problems);

	if (isRecord(raw.subsets)) {
		for (const [name, value] of Object.entries(raw.subsets)) {
			if (!isRecord(value)) {
				continue;
			}
			const role = value.role;
			if (role === undefined || role === null) {
				settings.subsets[name] = {};
			} else if (typeof role === 'string' && (SUBSET_ROLES as readonly string[]).includes(role)) {
				settings.subsets[name] = { role: role as SubsetRole };
			} else {
				settings.problems.push(`subsets."${name}".role must be one of ${SUBSET_ROLES.join(', ')} (found ${JSON.stringify(role)}); the role is guessed instead.`);
				settings.subsets[name] = {};
			}
		}
	}
	return settings;
}

export interface LoadedSettings {
	settings: WorkbenchSettings;
	fileExists: boolean;
	path: string;
}

/** Reads `<root>/lora-workbench.yaml`; a missing file gives the guide's defaults, an unreadable one a problem. */
export async function loadSettings(root: string): Promise<LoadedSettings> {
	const path = join(root, SETTINGS_FILE_NAME);
	let text: string;
	try {
		text = await fs.readFile(path, 'utf8');
	} catch (err) {
		const settings = defaultSettings();
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			return { settings, fileExists: false, path };
		}
		settings.problems.push(`${path} could not be read (${code ?? String(err)}); check its permissions. Defaults are used.`);
		return { settings, fileExists: true, path };
	}
	return { settings: parseSettings(text), fileExists: true, path };
}

/** One change to the settings file: `value: undefined` deletes the key. */
export interface SettingsEdit {
	path: readonly (string | number)[];
	value: unknown;
}

const NEW_FILE_HEADER = ' LoRA Workbench settings for this training folder. Comments and order are kept on every edit.';

/**
 * Applies edits to the file's text and returns the new text; comments, blank lines and key order stay.
 * Pure, so the extension can put the result into a WorkspaceEdit (one undo) and the CLI can write it.
 */
export function applySettingsEdits(text: string, edits: readonly SettingsEdit[]): string {
	const doc = text.trim().length > 0 ? parseDocument(text) : new Document({});
	if (doc.errors.length > 0) {
		throw new Error(`${SETTINGS_FILE_NAME} is not valid YAML (${doc.errors[0].message.split('\n')[0]}); fix it by hand before the workbench can change it.`);
	}
	if (text.trim().length === 0) {
		doc.commentBefore = NEW_FILE_HEADER;
	} else if (doc.contents !== null && !isMap(doc.contents)) {
		throw new Error(`${SETTINGS_FILE_NAME} must be a mapping of keys; fix it by hand before the workbench can change it.`);
	}
	for (const edit of edits) {
		if (edit.value === undefined) {
			if (doc.hasIn(edit.path)) {
				doc.deleteIn(edit.path);
			}
		} else {
			const existing = doc.getIn(edit.path, true);
			if (isScalar(existing) && (edit.value === null || typeof edit.value !== 'object')) {
				existing.value = edit.value; // the node stays, with its comment (`batchSize: 3 # one per step`)
			} else {
				doc.setIn(edit.path, doc.createNode(edit.value, { flow: Array.isArray(edit.value) }));
			}
		}
	}
	return doc.toString({ lineWidth: 0 });
}

/** Reads, edits and atomically rewrites `<root>/lora-workbench.yaml` (created when missing). */
export async function updateSettingsFile(root: string, edits: readonly SettingsEdit[]): Promise<string> {
	const path = join(root, SETTINGS_FILE_NAME);
	let text = '';
	try {
		text = await fs.readFile(path, 'utf8');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw err;
		}
	}
	const next = applySettingsEdits(text, edits);
	await writeFileAtomic(path, next);
	return next;
}

export interface NewSettingsInput {
	trigger: string;
	classWord: string;
	subsets: Record<string, SubsetRole>;
	/** The model family (training.model); sd15 when left out. */
	model?: ModelFamily;
}

/** The text of a fresh settings file, with comments that explain each section. */
export function newSettingsText(input: NewSettingsInput): string {
	const model = input.model ?? 'sd15';
	const preset = presetFor(model);
	const lines = [
		'# LoRA Workbench settings for this training folder. Comments and order are kept on every edit.',
		'',
		'# The word that calls up the person in prompts; every caption starts with it.',
		`trigger: ${JSON.stringify(input.trigger)}`,
		'# What the person is (woman, man, person...); subsets are named "<repeats>_<trigger> <class>".',
		`class: ${JSON.stringify(input.classWord)}`,
		'',
		'# Role of each subset folder (face, body, costume, reg); unlisted folders get a guessed role.',
		'subsets:',
		...Object.entries(input.subsets).map(([name, role]) => `  ${JSON.stringify(name)}:\n    role: ${role}`),
		'',
		`# Training settings (the "${FAMILY_PRESETS[model].label}" preset; keys left out take its values).`,
		'training:',
		...(model === 'sd15' ? [] : [
			'  # Model family: sd15, sdxl or flux1 (picks sd-scripts\' script and the preset).',
			`  model: ${model}`,
		]),
		...(model === 'flux1' ? [
			'  # Flux.1 needs four .safetensors files: the transformer (flux1-dev.safetensors and ae.safetensors from',
			'  # black-forest-labs/FLUX.1-dev), and clip_l / t5xxl_fp16 from comfyanonymous/flux_text_encoders.',
			'  baseModel: ""',
			'  clipL: ""',
			'  t5xxl: ""',
			'  ae: ""',
		] : []),
		`  batchSize: ${preset.batchSize}`,
		`  epochs: ${preset.epochs}`,
		`  gradientAccumulationSteps: ${preset.gradientAccumulationSteps}`,
		`  gpus: ${preset.gpus}`,
		`  enableBucket: ${preset.enableBucket}`,
		`  resolution: ${preset.resolution.split(',')[0]}`,
		`  captionExtension: ${JSON.stringify(preset.captionExtension)}`,
		'',
		'# Guide checks shown in the Dataset view; ranges are [min, max].',
		'checks:',
		`  maxTotalSteps: ${DEFAULT_CHECKS.maxTotalSteps}`,
		`  faceBodyRatio: [${DEFAULT_CHECKS.faceBodyRatio.join(', ')}]`,
		`  faceImages: [${DEFAULT_CHECKS.faceImages.join(', ')}]`,
		`  bodyImages: [${DEFAULT_CHECKS.bodyImages.join(', ')}]`,
		'',
	];
	return lines.join('\n');
}

/**
 * Renames one key in place (same position, comments kept), e.g. a subset's entry after its folder was
 * renamed. Returns the text unchanged when the key is not there.
 */
export function renameSettingsKey(text: string, parentPath: readonly string[], oldKey: string, newKey: string): string {
	return renameSettingsKeys(text, parentPath, new Map([[oldKey, newKey]]));
}

/**
 * Renames several keys of one map at once, so swaps (`images/24_a` <-> `images/16_a`) come out right: each
 * pair is found by its old key before any is renamed.
 */
export function renameSettingsKeys(text: string, parentPath: readonly string[], renames: ReadonlyMap<string, string>): string {
	const doc = parseDocument(text);
	if (doc.errors.length > 0) {
		return text;
	}
	const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
	if (!isMap(parent)) {
		return text;
	}
	const keyOf = (item: { key: unknown }) => {
		const key = item.key as { value?: unknown } | string | null;
		return typeof key === 'object' && key !== null ? key.value : key;
	};
	const found = parent.items.flatMap((item) => {
		const key = keyOf(item);
		return typeof key === 'string' && renames.has(key) ? [{ item, newKey: renames.get(key)! }] : [];
	});
	if (found.length === 0) {
		return text;
	}
	found.forEach(({ item, newKey }) => { item.key = doc.createNode(newKey); });
	return doc.toString({ lineWidth: 0 });
}
