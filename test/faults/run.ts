/**
 * `npm run faults` (issue 20): the fault suite. Kills every writing command of the CLI at random moments on a
 * 200-image dataset, runs two writers at once, feeds bad input to the reading commands, and prints one table:
 * case, tried, handled, crashed (stack trace), lost. Exit 1 when any case lost something or showed a stack trace.
 *
 *   node --import tsx test/faults/run.ts [--quick] [--kills N] [--only TEXT] [--part kills|bad] [--seed N] [--keep]
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMeanColourModel, selectedTagsCsv } from '../support/onnxBuilder';
import { sharedFixture } from '../support/paths';
import { buildDataset, sharedPhoto } from './dataset';
import { CaseResult, killCases, runConcurrentCase, runKillCase } from './kills';
import { badInputCases, runBadInputCase } from './badInput';

const args = process.argv.slice(2);
const flag = (name: string) => { const at = args.indexOf(name); return at === -1 ? undefined : args[at + 1]; };
const quick = args.includes('--quick');
const kills = Number(flag('--kills') ?? (quick ? 4 : 20));
const only = flag('--only');
const part = flag('--part');
const seed = Number(flag('--seed') ?? Date.now() % 100000);
const log = (line: string) => process.stdout.write(`${line}\n`);

function table(results: CaseResult[]): string {
	const head = ['case', 'tried', 'handled', 'crashed/stack trace', 'lost/mixed'];
	const rows = results.map((r) => [r.name, String(r.tried), String(r.handled), String(r.crashed), String(r.lost)]);
	const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
	return [line(head), `|${widths.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
	const started = performance.now();
	const work = mkdtempSync(join(tmpdir(), 'lw-faults-'));
	log(`fault suite: ${quick ? 'quick' : 'full'} run, ${kills} kill(s) per writing command, seed ${seed}, in ${work}`);
	try {
		const template = await buildDataset(join(work, 'template'));
		const model = join(work, 'model');
		await fs.mkdir(model);
		await fs.writeFile(join(model, 'model.onnx'), buildMeanColourModel({ tagCount: 7, weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0.1, 0.1, 0.1], [0, 0, 0]], bias: [0, 0, 0, 0, 5, -30, 5] }));
		await fs.writeFile(join(model, 'selected_tags.csv'), selectedTagsCsv(['solo', 'bright_image', '1boy']));
		const env = {
			model,
			photo: sharedPhoto('obama.jpg'),
			faceModel: sharedFixture('models', 'yunet_n_dynamic.onnx'),
			kohyaPreset: sharedFixture('kohya-presets', 'sd15 - EDG_LoraOptiSettings.json'),
		};
		const results: CaseResult[] = [];
		const selected = (name: string) => !only || name.includes(only);
		for (const [i, kase] of killCases(env).entries()) {
			if (!selected(kase.name) || part === 'bad') { continue; }
			log(`kill: ${kase.name}`);
			results.push(await runKillCase(kase, template, join(work, 'kills'), kills, seed + i, log));
		}
		if (selected('two tags --apply at once') && part !== 'bad') {
			log('two writers: two tags --apply at once');
			results.push(await runConcurrentCase(template, join(work, 'kills'), quick ? 3 : 10, log));
		}
		for (const kase of badInputCases()) {
			if (!selected(kase.name) || (quick && !kase.quick) || part === 'kills') { continue; }
			results.push(await runBadInputCase(kase, join(work, 'bad'), env, log));
		}
		log('');
		log(table(results));
		log('');
		for (const r of results) {
			for (const note of r.notes) { log(`${r.name}: ${note}`); }
		}
		const failed = results.filter((r) => r.crashed || r.lost);
		const tried = results.reduce((sum, r) => sum + r.tried, 0);
		log('');
		log(`${results.length} case(s), ${tried} tries, ${failed.length} case(s) with a crash, stack trace or loss; ${Math.round((performance.now() - started) / 1000)} s`);
		return failed.length ? 1 : 0;
	} finally {
		if (!args.includes('--keep')) { rmSync(work, { recursive: true, force: true }); }
	}
}

main().then((code) => { process.exitCode = code; }, (err) => {
	process.stderr.write(`fault suite: ${err instanceof Error ? err.stack : String(err)}\n`);
	process.exitCode = 2;
});
