// `npm run package [-- --target linux-x64]`: a .vsix for the given platform (default: this machine's).
// Per platform because sharp and onnxruntime-node ship native binaries.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const targetAt = process.argv.indexOf('--target');
const target = targetAt !== -1 ? process.argv[targetAt + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const [os, arch] = target.split('-');

execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });

// onnxruntime-node carries binaries for every platform; keep only the target's.
const otherPlatforms = ['win32', 'darwin', 'linux'].filter((p) => p !== os);
const ignore = [
	readFileSync('.vscodeignore', 'utf8'),
	...otherPlatforms.map((p) => `node_modules/onnxruntime-node/bin/napi-v*/${p}/**`),
	`node_modules/onnxruntime-node/bin/napi-v*/${os}/${arch === 'x64' ? 'arm64' : 'x64'}/**`,
].join('\n');
const ignoreFile = join(mkdtempSync(join(tmpdir(), 'lora-vsix-')), '.vscodeignore');
writeFileSync(ignoreFile, ignore);
const out = `lora-workbench-${target}.vsix`;
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--ignoreFile', ignoreFile,
	'--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', out], { stdio: 'inherit' });
console.log(`Packaged ${out}. Install it with: code --install-extension ${out}`);
