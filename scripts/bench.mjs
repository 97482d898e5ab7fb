// `npm run bench [filter]`: builds, then runs every bench/*.bench.ts case (see bench/harness.ts).
import { execFileSync, spawnSync } from 'node:child_process';

execFileSync(process.execPath, ['esbuild.mjs', '--no-tests'], { stdio: 'inherit' });
const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
