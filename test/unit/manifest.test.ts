import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('every setting is under loraWorkbench.* and documented in the README', () => {
	const keys = Object.keys(manifest.contributes.configuration.properties);
	assert.ok(keys.length > 0);
	assert.deepEqual(keys.filter((k) => !k.startsWith('loraWorkbench.')), []);
	const undocumented = keys.filter((key) => !readme.includes(`\`${key}\``) && !readme.includes(`${key.split('.').slice(-1)[0]}\``));
	assert.deepEqual(undocumented, []);
});

test('every command is in the LoRA category with a loraWorkbench id, and no * activation', () => {
	for (const command of manifest.contributes.commands) {
		assert.match(command.command, /^loraWorkbench\.[a-z][A-Za-z]+$/);
		assert.equal(command.category, 'LoRA', command.command);
	}
	assert.ok(!(manifest.activationEvents ?? []).includes('*'));
});

test('every view lives in the LoRA view container (or the explorer) with a loraWorkbench id', () => {
	for (const [container, views] of Object.entries(manifest.contributes.views) as [string, { id: string }[]][]) {
		for (const view of views) {
			assert.match(view.id, /^loraWorkbench\./, `${container}: ${view.id}`);
		}
	}
	assert.equal(manifest.contributes.viewsContainers.activitybar[0].title, 'LoRA');
});

test('commands that need Workspace Trust stay visible in Restricted Mode and say why when run (issue 20)', () => {
	const gated = ['trainLora', 'checkTrainerSetup', 'installSdScripts', 'autoTagImages', 'manageTaggerModels', 'useLocalTaggerFolder', 'useTaggerMirror', 'downloadTaggerModel'].map((c) => `loraWorkbench.${c}`);
	for (const command of manifest.contributes.commands as { command: string; enablement?: string }[]) {
		assert.ok(!command.enablement?.includes('isWorkspaceTrusted'), `${command.command} would be greyed out with no reason given`);
	}
	for (const [menu, entries] of Object.entries(manifest.contributes.menus) as [string, { command: string; when?: string }[]][]) {
		for (const entry of entries) {
			assert.ok(!entry.when?.includes('isWorkspaceTrusted'), `${menu}: ${entry.command} would vanish in Restricted Mode`);
		}
	}
	// Each handler asks the one trust check, which names Workspace Trust and offers to manage it.
	const sources = ['src/trainer/trainCommand.ts', 'src/trainer/trainerSetup.ts', 'src/providers/autoTag.ts', 'src/providers/taggerModels.ts']
		.map((file) => readFileSync(join(root, file), 'utf8')).join('\n');
	assert.equal((sources.match(/workspaceTrusted\('/g) ?? []).length, gated.length);
	assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
	const guard = readFileSync(join(root, 'src/services/workspaceTrust.ts'), 'utf8');
	assert.match(guard, /workbench\.trust\.manage/);
});
