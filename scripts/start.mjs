// `npm start [folder]`: builds and packages the extension, installs it into the offline VS Code server,
// starts the server on the training folder (or a generated demo folder) and prints the address to open.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { cacheRoot, ensureVscodeServer, makeWritableFolder } from './vscode-server.mjs';
import { makeDemoFolder } from './demo-folder.mjs';
import { describeFailure, SetupError } from './setup-error.mjs';

const repoRoot = resolve(import.meta.dirname, '..');
const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT || '8770';

/** Fails early, in one line, when another program has the port (the server would only log a stack trace). */
function checkPortFree() {
	return new Promise((resolveCheck, reject) => {
		const probe = createServer();
		probe.once('error', (err) => reject(err.code === 'EADDRINUSE'
			? new SetupError(`Port ${port} on ${host} is already in use (another npm start?); stop that program or choose another port: PORT=${Number(port) + 1} npm start`)
			: new SetupError(`Cannot listen on ${host}:${port} (${err.code ?? err.message}); set HOST and PORT to an address this machine can use.`)));
		probe.listen(Number(port), host, () => probe.close(() => resolveCheck()));
	});
}

async function main() {
	const argFolder = process.argv[2];
	let folder;
	if (argFolder) {
		folder = resolve(argFolder);
		if (!existsSync(folder)) {
			throw new SetupError(`The folder ${folder} does not exist. Give a training folder, or no argument for the demo folder.`);
		}
	}
	await checkPortFree();
	const stateDir = join(cacheRoot(), 'start');
	makeWritableFolder(stateDir);
	if (!folder) {
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

	await checkPortFree();
	const server = spawn(paths.node, [paths.serverMain, '--host', host, '--port', port,
		'--without-connection-token', '--accept-server-license-terms', ...dirs], { stdio: ['ignore', 'pipe', 'inherit'] });
	let ready = false;
	server.stdout.on('data', (data) => {
		if (ready || !/Extension host agent listening on/.test(data.toString())) { return; }
		ready = true;
		const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/?folder=${encodeURIComponent(folder)}`;
		console.log(`\nLoRA Workbench is running. Open ${url}\n(Ctrl+C stops it.)`);
		openInBrowser(url);
	});
	server.on('exit', (code, signal) => {
		if (signal !== 'SIGTERM') {
			console.error(`The VS Code server stopped (${signal ?? `exit ${code}`})${ready ? '' : ' before it was ready'}; its messages are above. Run npm start again; if it repeats, delete ${paths.dir}.`);
			process.exit(1);
		}
	});
	process.on('SIGINT', () => { server.kill('SIGTERM'); process.exit(0); });
}

function openInBrowser(url) {
	for (const opener of ['xdg-open', 'open']) {
		try {
			execFileSync('which', [opener], { stdio: 'ignore' });
			spawn(opener, [url], { stdio: 'ignore', detached: true }).unref();
			return;
		} catch {
			// no browser opener here: the printed address is enough
		}
	}
}

try {
	await main();
} catch (err) {
	console.error(describeFailure(err));
	process.exit(1);
}
