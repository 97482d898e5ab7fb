import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCommandLine, installCommands, installShell } from '../../src/core/training/setup';
import { openSettingsCommand, settingsTabFor } from '../../src/util/settingsScope';

test('the guided install is one command line that stops at the first failed step: a failed clone installs nothing', { skip: process.platform === 'win32' }, () => {
	const folder = mkdtempSync(join(tmpdir(), 'guided-'));
	const bin = join(folder, '.fake-bin');
	mkdirSync(bin);
	// A git that fails as a clone without network does, and a python3 that would make a venv if ever reached.
	writeFileSync(join(bin, 'git'), '#!/bin/sh\necho "fatal: unable to access" >&2\nexit 128\n');
	writeFileSync(join(bin, 'python3'), '#!/bin/sh\nmkdir -p venv\n');
	chmodSync(join(bin, 'git'), 0o755);
	chmodSync(join(bin, 'python3'), 0o755);
	const run = spawnSync(installShell('linux'), ['-c', installCommandLine('linux')], { cwd: folder, env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
	assert.equal(run.status, 128, 'the clone\'s failure is the exit status');
	assert.deepEqual(readdirSync(folder), ['.fake-bin'], 'no venv and no torch in the folder the terminal was opened in');
	assert.equal(installCommandLine('linux').split(' && ').length, installCommands('linux').length);
	assert.match(installCommandLine('win32'), /^git clone .* && cd sd-scripts && python -m venv venv && venv\\Scripts\\python -m pip install torch/);
	assert.equal(installShell('win32'), 'cmd.exe');
});

test('Open Settings opens the tab where the value is: folder, workspace, Remote for machine settings in a remote window, else User', () => {
	assert.equal(settingsTabFor({ workspaceFolderValue: '/x' }, 'ssh-remote', true), 'folder');
	assert.equal(settingsTabFor({ workspaceValue: '/x' }, 'ssh-remote', true), 'workspace');
	assert.equal(settingsTabFor({}, 'ssh-remote', true), 'remote');
	assert.equal(settingsTabFor({}, 'ssh-remote', false), 'user');
	assert.equal(settingsTabFor({}, undefined, true), 'user');
	assert.equal(openSettingsCommand('remote'), 'workbench.action.openRemoteSettings');
});
