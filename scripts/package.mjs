// `npm run package [-- --target win32-x64]`: a .vsix for one platform (default: this machine's).
// Per platform because sharp and onnxruntime-node ship native binaries; scripts/packaging.mjs says how.
import { hostTarget, packageTarget, vsixName } from './packaging.mjs';

const targetAt = process.argv.indexOf('--target');
const target = targetAt !== -1 ? process.argv[targetAt + 1] : hostTarget();

try {
	await packageTarget(target);
	console.log(`Packaged ${vsixName(target)}. Install it with: code --install-extension ${vsixName(target)}`);
} catch (err) {
	console.error(`npm run package: ${err instanceof Error ? err.message : err}`);
	process.exitCode = 1;
}
