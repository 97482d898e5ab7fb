import { runSuite } from '../support/runMocha';

/** The VS Code bench tier: run by `npm run bench` (bench/vscode.bench.ts), never by `npm test`. */
export function run(): Promise<void> {
	return runSuite(__dirname);
}
