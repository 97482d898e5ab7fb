import { runSuite } from '../support/runMocha';

export function run(): Promise<void> {
	return runSuite(__dirname);
}
