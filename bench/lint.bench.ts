/**
 * Caption lint of a big dataset: 20,000 generated captions of 30 tags each (real danbooru tags, a few
 * problems sprinkled in), exact CLIP token counts. The baseline is the I/O any whole-dataset lint must do
 * (scan the folder, read every caption), so the ratio shows what the rules cost on top. The vocabulary
 * case adds unknown-tag against the 140,782-tag a1111 list (loading the list is part of the time).
 * Issue 22 measures the CLI as whole processes: `lint --offline` and `tags` run as `node bin/lora-workbench.js`,
 * alternating with a process that only reads the captions. Its cost must be linear in the captions: the in-process
 * cases print microseconds per caption at 2,000 and 20,000 captions (LORA_BENCH_LINT_SIZES=2000,20000,100000 adds
 * 100,000; writing its files takes a while).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scanTrainingFolder } from '../src/core/dataset';
import { RuleSelection, lintCaption, lintDataset, sharedTokenCounter } from '../src/core/lint';
import { conflictGroups } from '../src/core/lint/conflictRules';
import { parseArgs } from '../src/cli/args';
import { lintCommand } from '../src/cli/lint';
import { tagsCommand } from '../src/cli/tags';
import type { CliCommand, CliIo } from '../src/cli/args';
import { BenchCase, BenchResult, now } from './harness';

const CAPTIONS = 20_000;
const TAGS_PER_CAPTION = 30;
const shared = resolve(__dirname, '..', '..', 'shared', 'fixtures');
const CLIP = { path: join(shared, 'clip', 'bpe_simple_vocab_16e6.txt.gz') };
const SETTINGS = 'trigger: zq7lora\nclass: woman\n';
const SIZES = (process.env.LORA_BENCH_LINT_SIZES ?? '2000,20000').split(',').map(Number).filter((n) => n > 0 && n !== CAPTIONS);
let root: string | undefined;
let texts: string[] = [];
const otherRoots = new Map<number, string>();

/** General tags from the a1111 list, most used first, written with spaces as kohya users usually do. */
function tagPool(): string[] {
	return readFileSync(join(shared, 'tags', 'danbooru.csv'), 'utf8').split('\n').slice(0, 3000)
		.map((line) => line.split(',')).filter((f) => f[1] === '0').map((f) => f[0].replace(/_/g, ' ')).slice(0, 800);
}

function captionText(i: number, pool: readonly string[]): string {
	const tags = ['zq7lora'];
	for (let k = 1; tags.length < TAGS_PER_CAPTION; k++) {
		tags.push(pool[(i * 31 + k * 17) % pool.length]);
	}
	if (i % 50 === 0) {
		tags.push(tags[3]);
	}
	if (i % 40 === 0) {
		tags[5] = `${tags[5]}x`;
	}
	if (i % 70 === 0) {
		tags.reverse();
	}
	return `${tags.join(', ')}\n`;
}

async function writeFolder(count: number, write: (i: number) => string): Promise<string> {
	const sharp = (await import('sharp')).default;
	const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 150, b: 120 } } }).png().toBuffer();
	const dir = await fs.mkdtemp(join(tmpdir(), 'lw-bench-lint-'));
	// A filter can pick a case whose folder another, unselected case's teardown would have removed.
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	const subset = join(dir, 'images', '24_zq7lora woman');
	await fs.mkdir(subset, { recursive: true });
	for (let start = 0; start < count; start += 500) {
		await Promise.all(Array.from({ length: Math.min(500, count - start) }, async (_, k) => {
			const stem = `img_${String(start + k).padStart(6, '0')}`;
			await fs.writeFile(join(subset, `${stem}.png`), image);
			await fs.writeFile(join(subset, `${stem}.txt`), write(start + k));
		}));
	}
	await fs.writeFile(join(dir, 'lora-workbench.yaml'), SETTINGS);
	return dir;
}

async function generate(): Promise<string> {
	if (root) {
		return root;
	}
	const pool = tagPool();
	texts = Array.from({ length: CAPTIONS }, (_, i) => captionText(i, pool));
	const dir = await writeFolder(CAPTIONS, (i) => texts[i]);
	await sharedTokenCounter(CLIP);
	root = dir;
	return dir;
}

/** The same kind of captions at another size, for the linearity cases. */
async function generateSized(count: number): Promise<string> {
	let dir = otherRoots.get(count);
	if (!dir) {
		const pool = tagPool();
		dir = await writeFolder(count, (i) => captionText(i, pool));
		otherRoots.set(count, dir);
	}
	return dir;
}

function perCaption(ms: number, count: number): string {
	return `${((ms * 1000) / count).toFixed(1)} µs per caption`;
}

const REPO = resolve(__dirname, '..');
const READ_FLOOR = 'lint floor: node start + read every caption, one process';
/**
 * What the issue compares a lint process with: a node process that lists the subsets and reads every caption as
 * text, in the fewest system calls that read a file (open, one read, close), and nothing else.
 */
const READ_EVERY_CAPTION = `const fs = require('fs'), path = require('path');
const images = path.join(process.argv[1], 'images'), buffer = Buffer.allocUnsafe(1 << 16);
let captions = 0, chars = 0;
for (const subset of fs.readdirSync(images)) {
	for (const name of fs.readdirSync(path.join(images, subset))) {
		if (!name.endsWith('.txt')) continue;
		const fd = fs.openSync(path.join(images, subset, name), 'r');
		chars += buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0)).length;
		fs.closeSync(fd);
		captions++;
	}
}
process.stdout.write(String(captions));`;

interface ProcessRun {
	ms: number;
	status: number | null;
	stdoutChars: number;
	/** Peak resident memory, where /usr/bin/time is there to tell it. */
	maxRssMiB?: number;
}

/** One whole process, timed from spawn to exit, its output counted (not printed). */
function runProcess(args: string[]): ProcessRun {
	const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
	const [command, ...rest] = [...time, process.execPath, ...args];
	const start = now();
	const result = spawnSync(command, rest, { encoding: 'utf8', maxBuffer: 1 << 28 });
	const ms = now() - start;
	if (result.error) {
		throw result.error;
	}
	const rssKiB = time.length > 0 ? Number(/(\d+)\s*$/.exec(result.stderr)?.[1]) : NaN;
	return { ms, status: result.status, stdoutChars: result.stdout.length, maxRssMiB: Number.isFinite(rssKiB) ? rssKiB / 1024 : undefined };
}

function readFloorProcess(folder: string): ProcessRun {
	const run = runProcess(['-e', READ_EVERY_CAPTION, folder]);
	if (run.status !== 0) {
		throw new Error(`the caption-reading process exited ${run.status}`);
	}
	return run;
}

function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The CLI as a user runs it (`node bin/lora-workbench.js <args>`, the built dist/cli.js), whole process, in 5
 * alternating pairs with the caption-reading process: the issue's method. The median of each is reported.
 */
function cliProcessCase(args: string[], expectStatus: readonly number[]): BenchResult {
	if (!existsSync(join(REPO, 'dist', 'cli.js'))) {
		throw new Error('dist/cli.js is missing: run node esbuild.mjs first');
	}
	const ours: ProcessRun[] = [];
	const floor: number[] = [];
	for (let pair = 0; pair < 5; pair++) {
		floor.push(readFloorProcess(root!).ms);
		const run = runProcess([join(REPO, 'bin', 'lora-workbench.js'), ...args]);
		if (!expectStatus.includes(run.status ?? -1)) {
			throw new Error(`lora-workbench ${args[0]} exited ${run.status}`);
		}
		ours.push(run);
	}
	const ms = median(ours.map((run) => run.ms));
	const floorMs = median(floor);
	const rss = ours.map((run) => run.maxRssMiB).filter((v) => v !== undefined);
	return {
		work: CAPTIONS, unit: 'captions', ms,
		note: `median of 5 processes (${ours.map((run) => run.ms.toFixed(0)).join(', ')} ms), ${(ours[0].stdoutChars / 1e6).toFixed(1)} M chars of output`
			+ `${rss.length > 0 ? `, peak RSS ${median(rss).toFixed(0)} MiB` : ''}; the caption-reading process alternating with it: median ${floorMs.toFixed(0)} ms, so ${(ms / floorMs).toFixed(2)}x it; target < 0.5 s (issue 22)`,
	};
}

/** Runs a CLI command in this process with its output counted, not printed. */
async function runCli(command: CliCommand, argv: string[]): Promise<{ code: number; ms: number; outputChars: number }> {
	let outputChars = 0;
	const io: CliIo = { cwd: process.cwd(), out: (text: string) => { outputChars += text.length; }, err: (text: string) => { outputChars += text.length; } };
	const start = now();
	const code = await command.run(parseArgs(argv, command.flags), io);
	return { code, ms: now() - start, outputChars };
}

export const cases: BenchCase[] = [
	{
		name: 'lint baseline: scan + read 20,000 captions',
		setup: async () => { await generate(); },
		run: async () => {
			const folder = await scanTrainingFolder(root!, { readCaptions: false });
			const paths = folder.subsets.flatMap((s) => s.images.map((i) => i.captionPath));
			for (let i = 0; i < paths.length; i += 32) {
				await Promise.all(paths.slice(i, i + 32).map((p) => fs.readFile(p)));
			}
			return { work: paths.length, unit: 'captions' };
		},
	},
	{
		name: 'lint 20,000 captions x 30 tags (exact CLIP)',
		baseline: 'lint baseline: scan + read 20,000 captions',
		setup: async () => { await generate(); },
		run: async () => {
			const result = await lintDataset(root!, { clipVocabulary: CLIP });
			if (result.captions !== CAPTIONS || result.tokenEstimateReason) {
				throw new Error(`linted ${result.captions} captions (${result.tokenEstimateReason ?? 'exact'})`);
			}
			return { work: result.captions, unit: 'captions', note: `${result.issues.length} problems` };
		},
	},
	{
		name: READ_FLOOR,
		setup: async () => { await generate(); },
		run: async () => {
			const runs = Array.from({ length: 5 }, () => readFloorProcess(root!));
			return { work: CAPTIONS, unit: 'captions', ms: median(runs.map((run) => run.ms)), note: `median of 5 processes (${runs.map((run) => run.ms.toFixed(0)).join(', ')} ms); no lint or tags process can take less` };
		},
	},
	{
		name: 'lint --offline CLI process, 20,000 captions x 30 tags',
		baseline: READ_FLOOR,
		setup: async () => { await generate(); },
		run: async () => cliProcessCase(['lint', '--offline', root!], [0, 1]),
	},
	{
		name: 'tags CLI process, 20,000 captions x 30 tags',
		baseline: READ_FLOOR,
		setup: async () => { await generate(); },
		run: async () => cliProcessCase(['tags', root!], [0]),
	},
	{
		// In this process, its code already compiled and optimised by the cases before: what the rules and reads cost
		// without a process's start and warm-up (the extension host's case).
		name: 'lint --offline in process (warm), 20,000 captions x 30 tags',
		baseline: 'lint baseline: scan + read 20,000 captions',
		setup: async () => { await generate(); },
		run: async () => {
			const result = await runCli(lintCommand, ['--offline', root!]);
			return { work: CAPTIONS, unit: 'captions', ms: result.ms, note: `exit ${result.code}, ${(result.outputChars / 1e6).toFixed(1)} M chars of output, ${perCaption(result.ms, CAPTIONS)}` };
		},
	},
	{
		name: 'tags in process (warm), 20,000 captions x 30 tags',
		baseline: 'lint baseline: scan + read 20,000 captions',
		setup: async () => { await generate(); },
		// The median of 5 runs: the first runs right after the 40,000 files were written, with the kernel's
		// write-back still going, and single runs swung 540-720 ms on the same code.
		run: async () => {
			const runs: Awaited<ReturnType<typeof runCli>>[] = [];
			for (let n = 0; n < 5; n++) {
				const result = await runCli(tagsCommand, [root!]);
				if (result.code !== 0) {
					throw new Error(`tags exited ${result.code}`);
				}
				runs.push(result);
			}
			const middle = [...runs].sort((a, b) => a.ms - b.ms)[2];
			return { work: CAPTIONS, unit: 'captions', ms: middle.ms, note: `median of 5 runs (${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms), ${perCaption(middle.ms, CAPTIONS)}` };
		},
	},
	...SIZES.flatMap((count): BenchCase[] => [
		{
			name: `lint --offline in process, ${count.toLocaleString('en')} captions (linearity)`,
			baseline: 'lint --offline in process (warm), 20,000 captions x 30 tags',
			setup: async () => { await generateSized(count); },
			run: async () => {
				const result = await runCli(lintCommand, ['--offline', otherRoots.get(count)!]);
				return { work: count, unit: 'captions', ms: result.ms, note: perCaption(result.ms, count) };
			},
		},
		{
			name: `tags in process, ${count.toLocaleString('en')} captions (linearity)`,
			baseline: 'tags in process (warm), 20,000 captions x 30 tags',
			// Its own setup too: a filter may select this case without the lint case that made the folder.
			setup: async () => { await generateSized(count); },
			run: async () => {
				const result = await runCli(tagsCommand, [otherRoots.get(count)!]);
				return { work: count, unit: 'captions', ms: result.ms, note: perCaption(result.ms, count) };
			},
			teardown: async () => {
				await fs.rm(otherRoots.get(count)!, { recursive: true, force: true });
				otherRoots.delete(count);
			},
		},
	]),
	{
		name: 'lint rules only, in memory (20,000 captions)',
		setup: async () => { await generate(); },
		run: async () => {
			const counter = (await sharedTokenCounter(CLIP)).counter;
			const ctx = { trigger: 'zq7lora', classWord: 'woman', isReg: false, shuffleCaption: false, keepTokens: 0, weightedCaptions: false, maxTokens: 75, tokenCounter: counter, bakedTraits: [], conflictGroups: conflictGroups([]) };
			const rules = new RuleSelection();
			let problems = 0;
			texts.forEach((text, i) => { problems += lintCaption(`c${i}.txt`, text, ctx, rules).length; });
			return { work: texts.length, unit: 'captions', note: `${problems} problems` };
		},
	},
	{
		name: 'lint 20,000 captions with danbooru.csv vocabulary',
		baseline: 'lint 20,000 captions x 30 tags (exact CLIP)',
		setup: async () => {
			await generate();
			await fs.writeFile(join(root!, 'lora-workbench.yaml'), `${SETTINGS}lint:\n  vocabulary: ${JSON.stringify(join(shared, 'tags', 'danbooru.csv'))}\n`);
		},
		run: async () => {
			const result = await lintDataset(root!, { clipVocabulary: CLIP });
			return { work: result.captions, unit: 'captions', note: `${result.issues.filter((i) => i.code === 'unknown-tag').length} unknown tags` };
		},
		teardown: async () => {
			await fs.writeFile(join(root!, 'lora-workbench.yaml'), SETTINGS);
			await fs.rm(root!, { recursive: true, force: true });
			root = undefined;
		},
	},
];
