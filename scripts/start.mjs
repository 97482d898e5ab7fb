// `npm start [folder]`: builds and packages the extension, installs it into the offline VS Code server,
// starts the server on the training folder (or a generated demo folder) and prints the address to open.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureVscodeServer } from './vscode-server.mjs';
import { makeDemoFolder } from './demo-folder.mjs';

const repoRoot = resolve(import.meta.dirname, '..');
const argFolder = process.argv[2];
const stateDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lora-workbench', 'start');
mkdirSync(stateDir, { recursive: true });

let folder;
if (argFolder) {
	folder = resolve(argFolder);
	if (!existsSync(folder)) {
		console.error(`The folder ${folder} does not exist. Give a training folder, or no argument for the demo folder.`);
		process.exit(2);
	}
} else {
	folder = await makeDemoFolder(join(stateDir, 'demo'));
	console.log(`Demo training folder: ${folder}`);
}

const paths = ensureVscodeServer();
console.log('Packaging the extension...');
const target = `${process.platform}-${process.arch}`;
execFileSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--target', target], { cwd: repoRoot, stdio: 'inherit' });
const vsix = join(repoRoot, `lora-workbench-${target}.vsix`);
const dirs = ['--user-data-dir', join(stateDir, 'user-data'), '--server-data-dir', join(stateDir, 'server-data'), '--extensions-dir', join(stateDir, 'extensions')];
execFileSync(paths.node, [paths.serverMain, '--install-extension', vsix, '--force', ...dirs, '--accept-server-license-terms'], { stdio: 'inherit' });

// A quiet first start: no welcome page or chat panel; the user's later changes to these settings are kept.
const userSettings = join(stateDir, 'user-data', 'User', 'settings.json');
if (!existsSync(userSettings)) {
	mkdirSync(join(stateDir, 'user-data', 'User'), { recursive: true });
	writeFileSync(userSettings, JSON.stringify({ 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'telemetry.telemetryLevel': 'off' }, null, '\t'));
}

const port = process.env.PORT || '8770';
const server = spawn(paths.node, [paths.serverMain, '--host', process.env.HOST || '127.0.0.1', '--port', port,
	'--without-connection-token', '--accept-server-license-terms', ...dirs], { stdio: ['ignore', 'pipe', 'inherit'] });
server.stdout.on('data', (data) => {
	if (/Extension host agent listening on/.test(data.toString())) {
		const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
		console.log(`\nLoRA Workbench is running. Open ${url}\n(Ctrl+C stops it.)`);
		for (const opener of ['xdg-open', 'open']) {
			try {
				execFileSync('which', [opener], { stdio: 'ignore' });
				spawn(opener, [url], { stdio: 'ignore', detached: true }).unref();
				break;
			} catch {
				// no browser opener here: the printed address is enough
			}
		}
	}
});
process.on('SIGINT', () => { server.kill('SIGTERM'); process.exit(0); });
