import { CliCommand, CliIo, UsageError, parseArgs } from './cli/args';
import { checkCommand } from './cli/check';
import { cropCommand } from './cli/crop';
import { importCommand } from './cli/import';
import { scanCommand } from './cli/scan';
import { inspectCommand } from './cli/inspect';
import { lintCommand } from './cli/lint';
import { balanceCommand, coverageCommand } from './cli/coverage';
import { logCommand } from './cli/log';
import { configCommand } from './cli/config';
import { tagsCommand } from './cli/tags';
import { tagCommand } from './cli/tag';
import { likenessCommand } from './cli/likeness';
import { waitForTerminal } from './cli/terminalSync';
import packageJson from '../package.json';

/**
 * `lora-workbench`: the command line over src/core. Each sub-command lives in src/cli/<name>.ts;
 * add it to this list. Exit codes: 0 success, 1 problems found, 2 bad usage.
 */
const commands: CliCommand[] = [
	checkCommand,
	cropCommand,
	importCommand,
	scanCommand,
	inspectCommand,
	lintCommand,
	coverageCommand,
	balanceCommand,
	logCommand,
	configCommand,
	tagsCommand,
	tagCommand,
	likenessCommand,
];

const VERSION: string = packageJson.version;

function mainHelp(): string {
	const width = Math.max(...commands.map((c) => c.name.length), 4);
	return [
		`lora-workbench ${VERSION}: LoRA training folders from the command line`,
		'',
		'Usage: lora-workbench <command> [options]',
		'',
		'Commands:',
		...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Options: --help (also after a command), --version',
		'Exit codes: 0 success, 1 problems found, 2 bad usage.',
	].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
	const [name, ...rest] = argv;
	if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
		io.out(mainHelp());
		return name === undefined ? 2 : 0;
	}
	if (name === '--version') {
		io.out(VERSION);
		return 0;
	}
	const command = commands.find((c) => c.name === name);
	if (!command) {
		io.err(`lora-workbench: unknown command "${name}". Run "lora-workbench --help" for the list.`);
		return 2;
	}
	if (rest.includes('--help') || rest.includes('-h')) {
		io.out(command.usage);
		return 0;
	}
	try {
		return await command.run(parseArgs(rest, command.flags), io);
	} catch (err) {
		if (err instanceof UsageError) {
			io.err(`lora-workbench ${command.name}: ${err.message}\n\n${command.usage}`);
			return 2;
		}
		io.err(`lora-workbench ${command.name}: ${err instanceof Error ? err.message : String(err)}`);
		return 1;
	}
}

/** Entry point used by bin/lora-workbench.js. */
export function main(): void {
	const io: CliIo = {
		out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
		err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
		cwd: process.cwd(),
		waitForTerminal: () => waitForTerminal(process.stdin, process.stdout),
	};
	runCli(process.argv.slice(2), io).then(
		(code) => { process.exitCode = code; },
		(err) => { process.stderr.write(`lora-workbench: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
	);
}
