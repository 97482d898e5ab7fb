// `npm run package:all [-- win32-x64 darwin-arm64]`: every platform's .vsix (or the ones named), each checked by
// its binaries' headers (scripts/vsixBinaries.mjs), then one line per package with its size and build time.
// test/unit/packages.test.ts checks the same .vsix files again when they exist.
import { statSync } from 'node:fs';
import { packageTarget, TARGETS, vsixName } from './packaging.mjs';
import { checkVsix } from './vsixBinaries.mjs';

const targets = process.argv.slice(2).length ? process.argv.slice(2) : TARGETS;
const rows = [];
let failed = false;
for (const target of targets) {
	const started = Date.now();
	try {
		const vsix = await packageTarget(target);
		const seconds = (Date.now() - started) / 1000;
		const { problems, natives } = checkVsix(vsix, target);
		for (const problem of problems) { console.error(`${target}: ${problem}`); }
		failed ||= problems.length > 0;
		rows.push(`${vsixName(target).padEnd(34)} ${(statSync(vsix).size / 1e6).toFixed(1).padStart(6)} MB  ${seconds.toFixed(0).padStart(4)} s  ${natives.length} native files, ${problems.length ? `${problems.length} PROBLEMS` : 'all ' + target}`);
	} catch (err) {
		failed = true;
		console.error(`${target}: ${err instanceof Error ? err.message : err}`);
		rows.push(`${vsixName(target).padEnd(34)} not built`);
	}
}
console.log(`\n${rows.join('\n')}`);
process.exitCode = failed ? 1 : 0;
