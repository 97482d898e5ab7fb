import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import type { KohyaExportResult, KohyaImportResult } from '../../src/trainer/kohyaConfigCommands';
import { activateExtension, waitFor } from '../support/extension';
import { makeTrainingFolder } from '../support/fixtures';
import { sharedFixture, testWorkspace } from '../support/paths';

const PRESET = 'sd15 - EDG_LoraOptiSettings.json';

const YAML = [
	'# kohya import test: this comment must survive',
	'trigger: k0hya',
	'class: woman',
	'',
	'training:',
	'  # quick look first',
	'  epochs: 2',
	'  batchSize: 1 # one image per step',
	'',
	'# guide checks',
	'checks:',
	'  maxTotalSteps: 1500',
	'',
].join('\n');

async function makeFolder(name: string): Promise<string> {
	return makeTrainingFolder(testWorkspace() ?? tmpdir(), name, {
		subsets: [{ repeats: 2, classTokens: `${name} woman`, images: 2, size: [128, 128], caption: () => `${name}, 1girl` }],
		settingsYaml: YAML.replace('k0hya', name),
	});
}

async function trainingOf(root: string) {
	return readTrainingSection(parse(await fs.readFile(join(root, 'lora-workbench.yaml'), 'utf8')).training);
}

describe('kohya_ss config import and export', function () {
	this.timeout(300_000);
	let first: string;
	let second: string;

	before(async () => {
		await activateExtension();
		first = await makeFolder('k0hya');
		second = await makeFolder('r0undtr1p');
	});

	it('imports a kohya_ss preset into training: of lora-workbench.yaml, comments kept, one undo', async () => {
		const settingsUri = vscode.Uri.file(join(first, 'lora-workbench.yaml'));
		const editor = await vscode.window.showTextDocument(settingsUri);
		const original = editor.document.getText();
		const result = await vscode.commands.executeCommand<KohyaImportResult>('loraWorkbench.importKohyaConfig', sharedFixture('kohya-presets', PRESET), first);
		assert.ok(result, 'the import answered');
		assert.equal(result.root, first);
		// Keys of the GUI with no sd-scripts meaning are kept and named, never dropped.
		assert.deepEqual(result.kept, ['conv_alpha', 'conv_dim', 'no_token_padding', 'stop_text_encoder_training']);

		const text = await fs.readFile(settingsUri.fsPath, 'utf8');
		assert.equal(editor.document.isDirty, false, 'saved');
		for (const comment of ['# kohya import test: this comment must survive', '# quick look first', '# one image per step', '# guide checks']) {
			assert.ok(text.includes(comment), `"${comment}" survived:\n${text}`);
		}
		const { settings, problems } = await trainingOf(first);
		assert.deepEqual(problems, []);
		assert.equal(settings.epochs, 1);
		assert.equal(settings.batchSize, 3);
		assert.equal(settings.networkDim, 64);
		assert.equal(settings.resolution, '512,650');
		assert.equal(settings.attention, 'xformers');
		assert.equal(settings.textEncoderLr, 0.00005);
		assert.equal(settings.kohyaKept.stop_text_encoder_training, 0);
		assert.equal(settings.outputDir, 'model', 'the folder keeps its checkpoint folder');
		assert.equal(parse(text).checks.maxTotalSteps, 1500, 'other sections untouched');
		// The dataset view picks the new settings up (same file, read by the training folder service).
		const api = await activateExtension();
		await waitFor('the folder to show batch size 3', () => api.services.trainingFolders.get(first)?.training.batchSize === 3);

		await vscode.window.showTextDocument(settingsUri);
		await vscode.commands.executeCommand('undo');
		assert.equal(editor.document.getText(), original, 'one undo reverts the whole import');
		await editor.document.save();
		await vscode.commands.executeCommand('redo');
		await editor.document.save();
		assert.equal((await trainingOf(first)).settings.networkDim, 64, 'redo brings it back');
	});

	it('exports the folder as a GUI config that imports back to the same settings', async () => {
		const target = join(testWorkspace() ?? tmpdir(), 'exports', 'k0hya gui config.json');
		const result = await vscode.commands.executeCommand<KohyaExportResult>('loraWorkbench.exportKohyaConfig', first, target);
		assert.deepEqual(result, { root: first, target });
		const exported = JSON.parse(await fs.readFile(target, 'utf8')) as Record<string, unknown>;
		assert.equal(exported.train_data_dir, join(first, 'images'));
		assert.equal(exported.output_dir, join(first, 'model'));
		assert.equal(exported.logging_dir, join(first, 'log'));
		assert.equal(exported.output_name, 'k0hya');
		assert.equal(exported.network_dim, 64);
		assert.equal(exported.max_resolution, '512,650');
		assert.equal(exported.LoRA_type, 'Standard');
		assert.equal(exported.stop_text_encoder_training, 0, 'kept keys go back to the GUI');
		assert.deepEqual(Object.keys(exported), Object.keys(exported).sort());
		assert.deepEqual((await fs.readdir(join(target, '..'))).filter((n) => n.includes('.tmp')), [], 'no temp file left (atomic write)');

		const back = await vscode.commands.executeCommand<KohyaImportResult>('loraWorkbench.importKohyaConfig', target, second);
		assert.ok(back);
		const original = (await trainingOf(first)).settings as unknown as Record<string, unknown>;
		const again = (await trainingOf(second)).settings as unknown as Record<string, unknown>;
		const changed = Object.keys(original).filter((k) => JSON.stringify(original[k]) !== JSON.stringify(again[k]));
		// The export names the output after the first folder's trigger and points the GUI's folder keys at it.
		assert.deepEqual(changed, ['outputName', 'kohyaKept']);
		assert.equal(again.outputName, 'k0hya');
	});

	it('a GUI preset with bucket_reso_steps 1 and no sample keys imports as the CLI imports it: clamped to 64 with the same note, sampling kept', async () => {
		const root = await makeTrainingFolder(testWorkspace() ?? tmpdir(), 'bk3t', {
			subsets: [{ repeats: 2, classTokens: 'bk3t woman', images: 1, size: [128, 128], caption: () => 'bk3t, 1girl' }],
			settingsYaml: 'trigger: bk3t\nclass: woman\ntraining:\n  sample:\n    enabled: true\n    prompts: ["{trigger} {class}, smiling"]\n',
		});
		const preset = join(root, '..', 'bk3t-gui-preset.json');
		await fs.writeFile(preset, JSON.stringify({ LoRA_type: 'LyCORIS/LoKr', enable_bucket: true, bucket_reso_steps: 1, use_cp: true, network_dim: 100000, network_alpha: 1, optimizer: 'AdamW', optimizer_args: '"weight_decay=0.1" "betas=0.9,0.99"' }));
		const result = await vscode.commands.executeCommand<KohyaImportResult>('loraWorkbench.importKohyaConfig', preset, root);
		assert.ok(result);
		assert.ok(result.warnings.includes('bucket_reso_steps 1 is refused by train_network.py (it must be divisible by 64 for SD1.5); imported as 64'), result.warnings.join('\n'));
		const { settings, problems } = await trainingOf(root);
		assert.deepEqual(problems, [], 'nothing in the file for the reader to fall back from');
		assert.equal(settings.bucketResoSteps, 64);
		assert.equal(settings.enableBucket, true);
		assert.ok(settings.networkArgs.includes('use_cp=True'));
		assert.deepEqual(settings.optimizerArgs, ['weight_decay=0.1', 'betas=0.9,0.99']);
		assert.equal(settings.sample.enabled, true, 'the folder\'s sampling stays');
		assert.deepEqual(settings.sample.prompts, ['{trigger} {class}, smiling']);
	});
});
