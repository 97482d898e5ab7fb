import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from '../support/extension';
import { repoRoot } from '../support/paths';

describe('activation', () => {
	it('activates and returns its API', async () => {
		const api = await activateExtension();
		assert.ok(api.services.log, 'the API exposes the services');
		assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
	});

	it('registers every contributed command', async () => {
		await activateExtension();
		const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
		const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
		const registered = new Set(await vscode.commands.getCommands(true));
		const missing = contributed.filter((id) => !registered.has(id));
		assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
	});

	it('puts every command in the LoRA category', () => {
		const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
		for (const command of manifest.contributes.commands) {
			assert.equal(command.category, 'LoRA', `${command.command} has category ${command.category}`);
		}
	});
});
