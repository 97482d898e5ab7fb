// `npm run bench [filter]`: builds, then runs every bench/*.bench.ts case (see bench/harness.ts).
import { execFileSync, spawnSync } from 'node:child_process';

// With the test bundles: bench/vscode.bench.ts runs the VS Code bench tier (out/test/benchvscode).
execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
