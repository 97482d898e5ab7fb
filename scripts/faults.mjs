// `npm run faults`: the fault suite of issue 20 (test/faults/run.ts). Builds the CLI (dist/cli.js) first, then kills
// each writing command at random moments on a 200-image dataset, runs two writers at once and feeds bad input to
// the reading commands; prints one table and exits 1 when a case lost something or showed a stack trace.
// Options: --quick (a few kills per command, for CI), --kills N, --only TEXT, --seed N, --keep, --no-build.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
if (!args.includes('--no-build')) {
	const build = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
	if (build.status !== 0) {
		process.exit(build.status ?? 1);
	}
}
const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/faults/run.ts', ...args.filter((a) => a !== '--no-build')], { stdio: 'inherit' });
process.exit(run.status ?? 1);
