// `npm run bench [filter]`: builds, then runs every bench/*.bench.ts case (see bench/harness.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// With the test bundles: bench/vscode.bench.ts runs the VS Code bench tier (out/test/benchvscode).
execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
// Worker threads started from source then run the bundles just built, as the extension and the CLI run them
// (src/core/workerThread.ts), not their .ts files through tsx.
const env = { ...process.env, LORA_WORKBENCH_WORKER_BUNDLES: fileURLToPath(new URL('../dist', import.meta.url)) };
const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exitCode = result.status ?? 1;
