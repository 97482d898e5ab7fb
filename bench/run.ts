import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchCase, BenchResult, now } from './harness';

interface Measured {
	benchCase: BenchCase;
	result: BenchResult;
	ms: number;
}

function formatMs(ms: number): string {
	return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/**
 * `bench/run.ts [filter]` runs each bench file in a process of its own (`--file <name>`), one after the other: a
 * file's figures then start from a fresh heap, whatever ran before it (the console parser measured 0.94 M lines/s
 * after the other files in one process and 1.3 M alone, from the collector's work on what they left). Baselines
 * name cases of the same file.
 */
async function main(): Promise<void> {
	const fileAt = process.argv.indexOf('--file');
	const filter = process.argv.slice(2).find((arg, i, args) => !arg.startsWith('--') && args[i - 1] !== '--file');
	const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
	if (fileAt === -1) {
		console.log(`${'case'.padEnd(48)} ${'work'.padStart(16)} ${'time'.padStart(10)} ${'throughput'.padStart(18)}  ratio`);
		let failed = false;
		for (const file of files) {
			const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--file', file, ...(filter ? [filter] : [])], { stdio: 'inherit' });
			failed ||= child.status !== 0;
		}
		process.exitCode = failed ? 1 : 0;
		return;
	}
	const file = process.argv[fileAt + 1];
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const module = require(join(__dirname, file)) as { cases?: BenchCase[] };
	const cases = module.cases ?? [];
	const selected = filter ? cases.filter((c) => c.name.includes(filter) || cases.some((o) => o.name.includes(filter) && o.baseline === c.name)) : cases;
	const measured = new Map<string, Measured>();
	let failures = 0;
	for (const benchCase of selected) {
		try {
			await benchCase.setup?.();
			const start = now();
			const result = await benchCase.run();
			const ms = result.ms ?? now() - start;
			await benchCase.teardown?.();
			measured.set(benchCase.name, { benchCase, result, ms });
			const throughput = `${(result.work / (ms / 1000)).toFixed(result.work / (ms / 1000) >= 100 ? 0 : 2)} ${result.unit}/s`;
			const base = benchCase.baseline ? measured.get(benchCase.baseline) : undefined;
			const ratio = base ? `${(ms / base.ms).toFixed(2)}x the time of ${benchCase.baseline}` : '';
			console.log(`${benchCase.name.padEnd(48)} ${`${result.work} ${result.unit}`.padStart(16)} ${formatMs(ms).padStart(10)} ${throughput.padStart(18)}  ${ratio}${result.note ? `  (${result.note})` : ''}`);
		} catch (err) {
			failures++;
			console.log(`${benchCase.name.padEnd(48)} FAILED: ${err instanceof Error ? err.message : String(err)}`);
		}
	}
	process.exitCode = failures ? 1 : 0;
}

void main();
