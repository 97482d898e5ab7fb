import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { sharedDir } from '../support/paths';
import { DEFAULT_TRAINING, defaultSettings, newSettingsText, parseSettings } from '../../src/core/settings';
import { exportKohyaConfig, importKohyaConfig } from '../../src/core/training/kohya';
import { TRAINER_BACKENDS, backendFor, sdScriptsBackend } from '../../src/core/training/sdScriptsBackend';
import { AnyDef, LeafDef, SUPPORTED_FAMILIES, TRAINING_SETTINGS, defaultsOf, flatDefs, isGroup, sdScriptsUses } from '../../src/core/training/settingsTable';
import { settingsCompletions } from '../../src/core/training/settingsCompletion';
import { workbenchSettingsSchema } from '../../src/core/training/settingsSchema';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import { settingsDiagnostics } from '../../src/core/training/settingsDiagnostics';
import { TrainerSettings } from '../../src/core/training/trainingSettings';
import { guidePreset, presetFor } from '../../src/core/training/settingsTable';
import type { ModelFamily } from '../../src/core/training/trainingSettings';

/**
 * The settings table (src/core/training/settingsTable.ts) is the one place a training setting is declared: these
 * tests check that its sd-scripts keys are real options, that the defaults come from it alone, and that every
 * consumer (reader, schema and completion, kohya_ss import/export, run-file writer) covers every row.
 */

const readList = (path: string): Set<string> => new Set(readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
/** Each family's script's options: train_network.py's from ../shared, the SDXL and Flux.1 scripts' from the repository's lists. */
const optionNamesOf: Record<ModelFamily, Set<string>> = {
	sd15: readList(join(sharedDir(), 'reference', 'sd-scripts-options.txt')),
	sdxl: readList(join(__dirname, '..', 'fixtures', 'sd-scripts-options', 'sdxl_train_network.txt')),
	flux1: readList(join(__dirname, '..', 'fixtures', 'sd-scripts-options', 'flux_train_network.txt')),
};
const leaves = flatDefs().filter(([, def]) => !isGroup(def)) as [string, LeafDef<unknown>][];

/** A value other than the default that each consumer must carry through (the generic choice, or this one). */
const EXAMPLES: Record<string, unknown> = {
	preset: 'my preset', baseModel: 'someone/some-model', vae: 'vae.safetensors', networkModule: 'networks.dylora', networkArgs: ['conv_dim=4'],
	optimizer: 'Lion', mixedPrecision: 'fp16', optimizerArgs: ['weight_decay=0.1'], lrWarmupSteps: 0.1, resolution: '640,768', captionExtension: '.caption',
	resume: 'model/x-000001-state', outputName: 'mylora', outputDir: 'out', loggingDir: 'logs', trainingComment: 'a comment',
	'sample.prompts': ['{trigger} {class}, smiling'], 'sample.negativePrompt': 'ugly', 'launch.gpuIds': '0,1', 'launch.mainProcessIp': '10.0.0.5',
	'launch.extraArgs': ['--rdzv_backend', 'c10d'], extra: { max_grad_norm: 0.5 }, kohyaKept: { some_gui_key: 'kept' },
	// On in the SDXL preset, where the row is tried.
	cacheTextEncoderOutputs: false,
};

function example(name: string, def: LeafDef<unknown>): unknown {
	if (name in EXAMPLES) {
		return EXAMPLES[name];
	}
	const rules = def.rules;
	const value = def.default;
	switch (rules.kind) {
		case 'bool': return !value;
		case 'int':
			if (rules.enum) { return rules.enum.find((v) => v !== value); }
			return value === null ? (rules.min ?? 0) + 3 : Math.min((value as number) + 64, rules.max ?? Infinity);
		case 'number':
			if (value === null) { return 0.5; }
			return rules.max !== undefined ? (value as number) + 0.25 : (value as number) === 0 ? 0.5 : (value as number) * 2;
		case 'string': return rules.enum ? rules.enum.find((v) => v !== value) : `${String(value)}x`;
		default: throw new Error(`no example for ${name}: add one to EXAMPLES`);
	}
}

function valueAt(settings: unknown, name: string): unknown {
	return name.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], settings);
}

function setAt(settings: unknown, name: string, value: unknown): void {
	const path = name.split('.');
	const parent = path.slice(0, -1).reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], settings) as Record<string, unknown>;
	parent[path.at(-1)!] = structuredClone(value);
}

/** The YAML mapping that sets one row (`sample.width` -> { sample: { width } }). */
function rawFor(name: string, value: unknown): Record<string, unknown> {
	return name.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

test('every sd-scripts key in the table is an option of each of its families\' scripts (the option lists)', () => {
	const uses = leaves.flatMap(([, def]) => sdScriptsUses(def).flatMap((use) => ('key' in use ? [{ key: use.key, families: def.families }] : [])));
	assert.ok(uses.length > 50);
	for (const { key, families } of uses) {
		for (const family of families) {
			assert.ok(optionNamesOf[family].has(key), `${key} is not an option of ${family}'s script`);
		}
	}
	// The Flux.1 rows are not options of train_network.py: the check is per family, not one list.
	assert.ok(!optionNamesOf.sd15.has('clip_l') && optionNamesOf.flux1.has('clip_l') && !optionNamesOf.sdxl.has('clip_l'));
});

/** The family a row is tried in: sd15 when it applies there, else its first. */
function familyOf(def: AnyDef): ModelFamily {
	return def.families.includes('sd15') ? 'sd15' : def.families[0];
}

test('every row says what it is for: documentation, model families, sd-scripts and kohya_ss uses or why none', () => {
	for (const [name, def] of flatDefs() as [string, AnyDef][]) {
		assert.ok(def.doc.length > 10, `${name}: documentation`);
		assert.ok(def.families.length > 0 && def.families.every((f) => ['sd15', 'sdxl', 'flux1'].includes(f)), `${name}: families`);
		assert.ok(def.families.some((f) => SUPPORTED_FAMILIES.includes(f)), `${name}: no supported family uses it`);
		if ('none' in def.kohya) { assert.ok(def.kohya.none.length > 5, `${name}: why no kohya_ss key`); }
		if (!isGroup(def)) {
			for (const use of sdScriptsUses(def as LeafDef<unknown>)) {
				if ('none' in use) { assert.ok(use.none.length > 5, `${name}: why not for sd-scripts`); }
			}
		}
	}
});

test('the defaults come from the table alone: the preset, the dataset side, the schema and a new settings file', () => {
	const fromTable = defaultsOf(TRAINING_SETTINGS);
	assert.deepEqual(guidePreset(), fromTable);
	assert.deepEqual(defaultSettings().trainer.settings, fromTable);
	// The dataset side's defaults are the table's `scan` rows.
	const scanRows = leaves.filter(([, def]) => def.scan).map(([name]) => name);
	assert.deepEqual(Object.keys(DEFAULT_TRAINING).filter((k) => k !== 'extra').sort(), [...scanRows].sort());
	for (const name of scanRows) {
		const expected = name === 'resolution' ? (fromTable.resolution.split(',').map(Number).concat(Number(fromTable.resolution.split(',')[0])).slice(0, 2)) : valueAt(fromTable, name);
		assert.deepEqual(valueAt(DEFAULT_TRAINING, name), expected, name);
	}
	// A new settings file writes the table's defaults.
	const fresh = parseSettings(newSettingsText({ trigger: 't', classWord: 'woman', subsets: {} }));
	assert.deepEqual({ ...fresh.trainer.settings, resolution: fromTable.resolution }, fromTable);
	assert.deepEqual(fresh.training, { ...DEFAULT_TRAINING, extra: {} });
	// Each call gives a fresh copy: changing one preset changes no other.
	const changed = guidePreset();
	changed.sample.prompts.push('x');
	changed.extra.x = 1;
	assert.deepEqual(guidePreset(), fromTable);
});

test('the reader reads every row (and the dataset side every scan row) from lora-workbench.yaml', () => {
	for (const [name, def] of leaves) {
		const value = example(name, def);
		const family = familyOf(def);
		const read = readTrainingSection({ ...(family === 'sd15' ? {} : { model: family }), ...rawFor(name, value) });
		assert.deepEqual(read.problems, [], name);
		assert.deepEqual(valueAt(read.settings, name), value, name);
		if (def.scan) {
			assert.equal(family, 'sd15', `${name}: the dataset side reads it for every family`);
			const text = `training:\n  ${name}: ${JSON.stringify(value)}\n`;
			const settings = parseSettings(text);
			assert.deepEqual(settings.problems, [], name);
			const expected = name === 'resolution' ? (value as string).split(',').map(Number) : value;
			assert.deepEqual(valueAt(settings.training, name), expected, name);
		}
	}
});

test('the schema and completion of lora-workbench.yaml cover every row, with its documentation and default', () => {
	const training = (workbenchSettingsSchema().properties as Record<string, Record<string, unknown>>).training;
	const propertyAt = (name: string): Record<string, unknown> | undefined =>
		name.split('.').reduce<Record<string, unknown> | undefined>((at, key) => (at?.properties as Record<string, Record<string, unknown>> | undefined)?.[key], training);
	for (const [name, def] of flatDefs() as [string, AnyDef][]) {
		const property = propertyAt(name);
		assert.ok(property, `${name} is in the schema`);
		assert.equal(property.description, def.doc, name);
		if (!isGroup(def) && def.rules.kind !== 'map') {
			assert.deepEqual(property.default, (def as LeafDef<unknown>).default, name);
		}
	}
	assert.deepEqual(Object.keys(training.properties as object), Object.keys(TRAINING_SETTINGS), 'nothing in the schema but the rows');
	const text = 'training:\n  ';
	assert.deepEqual(settingsCompletions(text, text.length).map((c) => c.label), Object.keys(TRAINING_SETTINGS));
	const sample = 'training:\n  sample:\n    ';
	assert.deepEqual(settingsCompletions(sample, sample.length).map((c) => c.label), Object.keys(TRAINING_SETTINGS.sample.fields));
});

/** Rows whose value only shows together with others (sampling on, buckets on, several machines...). */
function withContext(name: string, settings: TrainerSettings): TrainerSettings {
	if (name.startsWith('sample.') && name !== 'sample.enabled') { settings.sample.enabled = true; }
	if (/Bucket|bucket/.test(name) && name !== 'enableBucket') { settings.enableBucket = true; }
	if (['launch.machineRank', 'launch.mainProcessIp', 'launch.mainProcessPort'].includes(name)) {
		Object.assign(settings.launch, { numMachines: 4, machineRank: 1, mainProcessIp: '10.0.0.1' });
		settings.gpus = 4;
	}
	if (name.startsWith('launch.dynamo') && name !== 'launch.dynamoBackend') { settings.launch.dynamoBackend = 'inductor'; }
	if (name === 'lrWarmupSteps') { settings.lrScheduler = 'constant_with_warmup'; }
	return settings;
}

test('kohya_ss export and import carry every row that has a GUI key (and say why for the others)', () => {
	for (const [name, def] of leaves) {
		if ('none' in def.kohya) {
			continue;
		}
		const value = example(name, def);
		const settings = withContext(name, presetFor(familyOf(def)));
		setAt(settings, name, value);
		const exported = exportKohyaConfig(settings, { trigger: 'trig' });
		const keys = 'key' in def.kohya ? [def.kohya.key] : def.kohya.keys.filter((k) => /^\w+$/.test(k));
		if (keys.length) {
			assert.ok(keys.some((key) => key in exported), `${name}: export writes ${keys.join(' or ')}`);
		}
		const back = importKohyaConfig(exported).settings;
		assert.deepEqual(valueAt(back, name), value, `${name}: export then import gives it back`);
	}
});

function runOutput(settings: TrainerSettings): string {
	const { files, command } = sdScriptsBackend.build({
		root: '/data/lora', trigger: 'trig', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/data/lora/model/runs/x',
		subsets: [{ dir: '/data/lora/images/10_trig woman', repeats: 10, classTokens: 'trig woman', isReg: false }],
		family: settings.model, sdScriptsDir: '/sd-scripts', launcher: { kind: 'executable', path: 'accelerate' },
	});
	return JSON.stringify({ config: files.trainingConfig, dataset: files.datasetConfig, prompts: files.promptText, args: command.args }, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

test('the run-file writer and the command line carry every row that sd-scripts or accelerate reads', () => {
	for (const [name, def] of leaves) {
		const uses = sdScriptsUses(def).filter((use) => !('none' in use));
		if (uses.length === 0) {
			continue;
		}
		const base = withContext(name, presetFor(familyOf(def)));
		const changed = withContext(name, presetFor(familyOf(def)));
		setAt(changed, name, example(name, def));
		const before = runOutput(base);
		const after = runOutput(changed);
		assert.notEqual(after, before, `${name}: changing it changes the run files or the command`);
		for (const use of uses) {
			if ('key' in use) {
				// One of the two writes it (a flag turned off is left out).
				assert.match(before + after, new RegExp(`"${use.datasetKey ?? use.key}":`), `${name}: writes ${use.key}`);
			} else if ('accelerate' in use && use.accelerate.startsWith('--')) {
				assert.match(before + after, new RegExp(`"${use.accelerate}"`), `${name}: passes ${use.accelerate}`);
			}
		}
	}
});

test('the trainer and the dataset side read the same values: resolution at least 64, a caption extension without its dot fixed with a note', () => {
	const read = readTrainingSection({ captionExtension: 'caption', resolution: 32 });
	assert.equal(read.settings.captionExtension, '.caption');
	assert.match(read.notes.join('\n'), /training\.captionExtension "caption" has no dot.*"\.caption" is used/);
	assert.equal(read.settings.resolution, '512,512');
	assert.deepEqual(read.problems.map((p) => p.path), ['training.resolution']);
	const settings = parseSettings('training:\n  captionExtension: caption\n  resolution: 32\n');
	assert.equal(settings.training.captionExtension, '.caption');
	assert.deepEqual(settings.training.resolution, [512, 512]);
	assert.equal(settings.problems.length, 2);
	assert.deepEqual(settings.trainer, read, 'the section is read once, and the dataset side shows what the trainer read');
	const diagnostics = settingsDiagnostics('training:\n  captionExtension: caption\n');
	assert.deepEqual(diagnostics.map((d) => [d.severity, d.code]), [['info', 'settings/note']]);
});

test('the trainer backends train exactly the supported families, each with a script', () => {
	assert.deepEqual([...new Set(TRAINER_BACKENDS.flatMap((b) => b.families))].sort(), [...SUPPORTED_FAMILIES].sort());
	const scripts = Object.fromEntries(SUPPORTED_FAMILIES.map((family) => [family, backendFor(family).script(family)]));
	assert.deepEqual(scripts, { sd15: 'train_network.py', sdxl: 'sdxl_train_network.py', flux1: 'flux_train_network.py' });
});
