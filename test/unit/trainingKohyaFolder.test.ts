import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { sharedFixture } from '../support/paths';
import { applySettingsEdits, parseSettings } from '../../src/core/settings';
import { exportKohyaForFolder, importKohyaIntoFolder, trainingEdits } from '../../src/core/training/kohyaFolder';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import { guidePreset } from '../../src/core/training/settingsTable';

const presetDir = sharedFixture('kohya-presets');
const presets = readdirSync(presetDir).filter((f) => f.endsWith('.json')).sort();
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(presetDir, name), 'utf8'));

const YAML = [
	'# my training folder',
	'trigger: x',
	'class: woman',
	'',
	'training:',
	'  # two epochs for a quick look',
	'  epochs: 2 # a changed value keeps its comment',
	'  outputDir: checkpoints # beside the images',
	'  sample:',
	'    # the grid wants samples',
	'    enabled: true',
	'  extra:',
	'    noise_offset_random_strength: true',
	'',
	'# guide checks',
	'checks:',
	'  maxTotalSteps: 1500',
	'',
].join('\n');

const before = (settings: object) => settings as Record<string, unknown>;

function importInto(text: string, json: unknown) {
	const result = importKohyaIntoFolder(json, (parse(text) ?? {}).training);
	const next = applySettingsEdits(text, result.edits);
	return { result, next, section: readTrainingSection(parse(next).training) };
}

for (const name of presets) {
	test(`kohya preset "${name}" imports into lora-workbench.yaml with its comments kept`, () => {
		const { result, next, section } = importInto(YAML, load(name));
		assert.deepEqual(section.problems, [], 'the written section reads back without problems');
		assert.deepEqual(section.settings, result.settings, 'the yaml says what was imported');
		for (const comment of ['# my training folder', '# two epochs for a quick look', '# a changed value keeps its comment', '# beside the images', '# guide checks']) {
			assert.ok(next.includes(comment), `comment "${comment}" kept:\n${next}`);
		}
		assert.equal(section.settings.outputDir, 'checkpoints', 'the folder keeps its own checkpoint folder');
		assert.deepEqual(parseSettings(next).problems, [], 'the dataset side reads it too');
		assert.equal(parse(next).checks.maxTotalSteps, 1500, 'other sections untouched');
	});
}

test('keys without an sd-scripts meaning are kept in kohyaKept and reported', () => {
	const json = { ...load('sd15 - EDG_LoraOptiSettings.json'), my_gui_plugin_setting: 'on' };
	const { result, section } = importInto(YAML, json);
	assert.ok(result.kept.includes('my_gui_plugin_setting'));
	assert.ok(result.kept.includes('stop_text_encoder_training'));
	assert.equal(section.settings.kohyaKept.my_gui_plugin_setting, 'on');
	assert.equal(section.settings.extra.noise_offset_random_strength, undefined, 'the old extra option is gone: the GUI config is the whole truth');
});

test('the GUI\'s output_dir and logging_dir are reported, not taken', () => {
	const { result, section } = importInto('', load('flux1D - adamw8bit fp8.json'));
	assert.deepEqual(result.ignored.filter((i) => i.key === 'output_dir' || i.key === 'logging_dir').map((i) => i.key), ['output_dir', 'logging_dir']);
	assert.equal(section.settings.outputDir, 'model');
	assert.equal(section.settings.loggingDir, 'log');
});

test('an import into an empty file writes only what differs from the guide preset', () => {
	const settings = guidePreset();
	settings.networkDim = 16;
	const edits = trainingEdits(undefined, settings);
	assert.deepEqual(edits, [{ path: ['training', 'networkDim'], value: 16 }]);
});

test('export for a folder points the GUI at the folder, and imports back to the same settings', () => {
	const { section } = importInto(YAML, load('iA3-Prodigy-sd15.json'));
	const exported = exportKohyaForFolder(section.settings, { root: '/data/x lora', trigger: 'x', hasReg: true });
	assert.equal(exported.train_data_dir, '/data/x lora/images');
	assert.equal(exported.reg_data_dir, '/data/x lora/reg');
	assert.equal(exported.output_dir, '/data/x lora/checkpoints');
	assert.equal(exported.logging_dir, '/data/x lora/log');
	assert.equal(exported.output_name, 'x');
	assert.equal(exported.LoRA_type, 'LyCORIS/iA3');
	assert.deepEqual(Object.keys(exported), Object.keys(exported).sort(), 'keys sorted, as the GUI saves them');
	const back = importInto(YAML, JSON.parse(JSON.stringify(exported)));
	// The GUI has no "auto" precision/optimizer and no "output name = trigger word": only those may change.
	const changed = Object.keys(before(section.settings)).filter((k) => JSON.stringify(before(section.settings)[k]) !== JSON.stringify(before(back.section.settings)[k]));
	assert.deepEqual(changed, ['savePrecision', 'mixedPrecision', 'outputName', 'kohyaKept']);
	const kept = Object.keys(back.section.settings.kohyaKept).filter((k) => JSON.stringify(back.section.settings.kohyaKept[k]) !== JSON.stringify(section.settings.kohyaKept[k]));
	assert.deepEqual(kept.sort(), ['dataset_config', 'reg_data_dir', 'train_data_dir'], 'only the folder paths the export filled in');
});
