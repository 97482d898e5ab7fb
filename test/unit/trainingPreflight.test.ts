import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { runCli } from '../../src/cli';
import { scanTrainingFolder } from '../../src/core/dataset';
import { planTraining } from '../../src/core/training/plan';
import { preflightFindings } from '../../src/core/training/preflight';

const standin = join(repoRoot(), 'test', 'fixtures', 'standin-sd-scripts');
// 1x1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');

function folderWith(captions: Record<string, string | undefined>): { parent: string; root: string } {
	const parent = mkdtempSync(join(tmpdir(), 'preflight-'));
	const root = join(parent, 'p1ght');
	const subset = join(root, 'images', '2_p1ght woman');
	mkdirSync(subset, { recursive: true });
	for (const [stem, caption] of Object.entries(captions)) {
		writeFileSync(join(subset, `${stem}.png`), PNG);
		if (caption !== undefined) {
			writeFileSync(join(subset, `${stem}.txt`), caption);
		}
	}
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: p1ght\nclass: woman\n');
	return { parent, root };
}

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd });
	return { code, out: out.join('\n'), err: err.join('\n') };
}

async function findings(root: string) {
	const folder = await scanTrainingFolder(root);
	const plan = planTraining(folder, { gpu: { bf16: true }, sdScriptsDir: standin, launcher: { kind: 'executable', path: 'accelerate' } });
	return preflightFindings(folder, plan);
}

test('the CLI config command runs the preflight the editor runs: an uncaptioned image is a warning there too', async () => {
	const { parent, root } = folderWith({ a: 'p1ght, smile', b: undefined });
	const checked = await findings(root);
	assert.deepEqual(checked.errors, []);
	assert.deepEqual(checked.warnings, ['1 image(s) have no caption; sd-scripts trains them on the folder\'s class tokens only (e.g. b.png)']);
	const run = await cli(['config', root, '--out', join(parent, 'out'), '--sd-scripts', standin], parent);
	assert.equal(run.code, 0, run.err);
	assert.match(run.err, /^warning: 1 image\(s\) have no caption; sd-scripts trains them on the folder's class tokens only \(e\.g\. b\.png\)$/m);
});

test('an empty caption stops the CLI as it stops Train LoRA and the train task, and nothing is written', async () => {
	const { parent, root } = folderWith({ a: 'p1ght, smile', b: '' });
	const checked = await findings(root);
	assert.equal(checked.errors.length, 1);
	assert.match(checked.errors[0], /b\.txt is empty; sd-scripts stops with "caption file is empty"/);
	const run = await cli(['config', root, '--out', join(parent, 'out'), '--sd-scripts', standin], parent);
	assert.equal(run.code, 1);
	assert.ok(run.err.includes(`error: ${checked.errors[0]}`), run.err);
	assert.match(run.err, /Nothing was written\./);
	assert.equal(run.out, '');
});

test('checkpoints that would be replaced and bad settings are warnings the CLI prints as the editor shows them', async () => {
	const { parent, root } = folderWith({ a: 'p1ght, smile' });
	mkdirSync(join(root, 'model'));
	writeFileSync(join(root, 'model', 'p1ght.safetensors'), '');
	writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: p1ght\nclass: woman\ntraining:\n  epochs: many\n');
	const checked = await findings(root);
	assert.ok(checked.warnings.some((w) => w.startsWith('lora-workbench.yaml: training.epochs')), checked.warnings.join('\n'));
	const run = await cli(['config', root, '--out', join(parent, 'out'), '--sd-scripts', standin], parent);
	for (const warning of checked.warnings) {
		assert.ok(run.err.includes(`warning: ${warning}`), `${warning}\nin\n${run.err}`);
	}
});

test('caption lint errors stop the CLI as they stop the editor (there from Problems, here from the same rules)', async () => {
	const { parent, root } = folderWith({ a: 'p1ght, smile' });
	// UTF-16 with its BOM: the caption-encoding rule's error (sd-scripts stops on it).
	writeFileSync(join(root, 'images', '2_p1ght woman', 'a.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('p1ght, smile', 'utf16le')]));
	const run = await cli(['config', root, '--out', join(parent, 'out'), '--sd-scripts', standin], parent);
	assert.equal(run.code, 1, run.err);
	assert.match(run.err, /^error: 1 caption error\(s\) in the captions \(lora-workbench lint lists them\), e\.g\. images\/2_p1ght woman\/a\.txt:1: /m);
	assert.match(run.err, /Nothing was written\./);
});
