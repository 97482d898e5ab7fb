/** Small, strict argument parsing for the `lora-workbench` CLI: unknown flags are usage errors (exit 2). */

export class UsageError extends Error {}

export interface FlagSpec {
	/** `boolean` flags take no value; `string` takes one; `list` takes one or more (`--rules a b` or `--rules a,b`). */
	type: 'boolean' | 'string' | 'list';
}

export interface ParsedArgs {
	positionals: string[];
	flags: Map<string, string | boolean | string[]>;
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
	const positionals: string[] = [];
	const flags = new Map<string, string | boolean | string[]>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--') {
			positionals.push(...argv.slice(i + 1));
			break;
		}
		if (!arg.startsWith('--') || arg === '--') {
			positionals.push(arg);
			continue;
		}
		const eq = arg.indexOf('=');
		const name = arg.slice(2, eq === -1 ? undefined : eq);
		const inline = eq === -1 ? undefined : arg.slice(eq + 1);
		const flag = spec[name];
		if (!flag) {
			throw new UsageError(`unknown option --${name}`);
		}
		if (flag.type === 'boolean') {
			if (inline !== undefined) {
				throw new UsageError(`--${name} takes no value`);
			}
			flags.set(name, true);
		} else if (flag.type === 'string') {
			const value = inline ?? argv[++i];
			if (value === undefined) {
				throw new UsageError(`--${name} needs a value`);
			}
			flags.set(name, value);
		} else {
			const values: string[] = inline !== undefined ? [inline] : [];
			while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
				values.push(argv[++i]);
			}
			if (values.length === 0) {
				throw new UsageError(`--${name} needs at least one value`);
			}
			const previous = (flags.get(name) as string[] | undefined) ?? [];
			flags.set(name, [...previous, ...values.flatMap((v) => v.split(',')).filter((v) => v.length > 0)]);
		}
	}
	return { positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
	const value = args.flags.get(name);
	return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
	return args.flags.get(name) === true;
}

export function listFlag(args: ParsedArgs, name: string): string[] | undefined {
	const value = args.flags.get(name);
	return Array.isArray(value) ? value : undefined;
}

/** An integer flag, checked: a bad value is a usage error that names the flag. */
export function intFlag(args: ParsedArgs, name: string, min = 1): number | undefined {
	const raw = stringFlag(args, name);
	if (raw === undefined) {
		return undefined;
	}
	if (!/^-?\d+$/.test(raw) || Number(raw) < min) {
		throw new UsageError(`--${name} must be an integer >= ${min} (got "${raw}")`);
	}
	return Number(raw);
}

export interface CliIo {
	out(text: string): void;
	err(text: string): void;
	cwd: string;
	/** Resolves once the terminal the output goes to has taken it all in (terminalSync.ts); absent when there is none to wait for. */
	waitForTerminal?(): Promise<unknown>;
}

export interface CliCommand {
	name: string;
	/** One line for the command list in `--help`. */
	summary: string;
	/** Full usage text for `lora-workbench <name> --help`. */
	usage: string;
	flags: Record<string, FlagSpec>;
	/** Returns the exit code: 0 success, 1 found errors. Throw UsageError for bad usage (exit 2). */
	run(args: ParsedArgs, io: CliIo): Promise<number>;
}
