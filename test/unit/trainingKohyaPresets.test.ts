/**
 * The kohya_ss GUI's own eleven SD1.5 LoRA presets (test/fixtures/kohya-presets-sd15, byte for byte from kohya_ss)
 * import the same way through the CLI's reader, the VS Code import (yaml edits read back) and `lora-workbench config
 * --kohya`, into run files with only train_network.py's options that keep what the preset chose (issue 15).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../src/cli';
import { importKohyaConfig } from '../../src/core/training/kohya';
import { importKohyaIntoFolder } from '../../src/core/training/kohyaFolder';
import { applySettingsEdits } from '../../src/core/settings';
import { buildRunFiles } from '../../src/core/training/runFiles';
import { readTrainingSection } from '../../src/core/training/trainingFields';
import { optionsFor } from '../../src/core/training/sdScriptsOptions';


const PRESETS = resolve(__dirname, '..', 'fixtures', 'kohya-presets-sd15');
const STANDIN = resolve(__dirname, '..', 'fixtures', 'standin-sd-scripts');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');

type Preset = Record<string, unknown>;

function flatConfig(settings: Parameters<typeof buildRunFiles>[0]['settings']): { config: Record<string, unknown>; errors: string[] } {
	const files = buildRunFiles({
		root: '/t', trigger: 'x', classWord: 'woman', settings, gpu: { bf16: true }, runFilesDir: '/t/run',
		subsets: [{ dir: '/t/images/10_x woman', repeats: 10, classTokens: 'x woman', isReg: false }],
	} as Parameters<typeof buildRunFiles>[0]);
	return { config: Object.assign({}, ...Object.values(files.trainingConfig)) as Record<string, unknown>, errors: files.errors };
}

/** What the preset chose and the run files must keep. */
function kept(name: string, preset: Preset, config: Record<string, unknown>): void {
	const lycoris = String(preset.LoRA_type ?? 'Standard').startsWith('LyCORIS');
	assert.equal(Number(config.network_dim), Math.round(Number(preset.network_dim)), `${name}: rank`);
	assert.equal(Number(config.network_alpha), Number(preset.network_alpha), `${name}: alpha`);
	assert.equal(Number(config.learning_rate), Number(preset.learning_rate), `${name}: learning rate`);
	assert.equal(config.network_module, lycoris ? 'lycoris.kohya' : 'networks.lora', `${name}: network module`);
	assert.equal(config.optimizer_type, preset.optimizer, `${name}: optimizer`);
	const options = optionsFor('sd15');
	const unknown = Object.keys(config).filter((key) => !(key in options));
	assert.deepEqual(unknown, [], `${name}: keys train_network.py does not accept`);
}

const names = readdirSync(PRESETS).filter((f) => f.endsWith('.json')).sort();

test('the kohya_ss GUI has eleven SD1.5 LoRA presets, all here', () => {
	assert.equal(names.length, 11);
});

for (const name of names) {
	test(`kohya_ss preset "${name}" imports alike in the CLI and in VS Code, keeping rank, alpha, learning rate, module and optimizer`, async () => {
		const preset = JSON.parse(readFileSync(join(PRESETS, name), 'utf8')) as Preset;
		const cli = flatConfig(importKohyaConfig(preset).settings);
		assert.deepEqual(cli.errors, []);
		kept(name, preset, cli.config);

		const edits = importKohyaIntoFolder(preset, undefined).edits;
		const yaml = parseYaml(applySettingsEdits('trigger: x\nclass: woman\n', edits)) as { training: unknown };
		const vscode = flatConfig(readTrainingSection(yaml.training).settings);
		assert.deepEqual(vscode.errors, []);
		kept(name, preset, vscode.config);
		assert.deepEqual(vscode.config, cli.config, 'the VS Code import writes what the CLI writes');

		const parent = mkdtempSync(join(tmpdir(), 'lw-kohya-preset-'));
		try {
			const subset = join(parent, 'k0hya', 'images', '10_k0hya woman');
			mkdirSync(subset, { recursive: true });
			writeFileSync(join(subset, 'a.png'), PNG);
			writeFileSync(join(subset, 'a.txt'), 'k0hya, smile');
			writeFileSync(join(parent, 'k0hya', 'lora-workbench.yaml'), 'trigger: k0hya\nclass: woman\n');
			const err: string[] = [];
			const code = await runCli(['config', join(parent, 'k0hya'), '--out', join(parent, 'out'), '--kohya', join(PRESETS, name), '--sd-scripts', STANDIN],
				{ out: () => undefined, err: (t) => err.push(t), cwd: parent });
			assert.equal(code, 0, err.join('\n'));
			const written = Object.assign({}, ...Object.values(parseToml(readFileSync(join(parent, 'out', 'config.toml'), 'utf8')))) as Record<string, unknown>;
			kept(name, preset, written);
			const steps = /bucket_reso_steps = (\d+)/.exec(readFileSync(join(parent, 'out', 'dataset.toml'), 'utf8'))?.[1];
			assert.ok(steps === undefined || Number(steps) >= 64, `${name}: bucket_reso_steps ${steps} (sd-scripts needs a multiple of 64)`);
		} finally {
			rmSync(parent, { recursive: true, force: true });
		}
	});
}
