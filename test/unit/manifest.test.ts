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
