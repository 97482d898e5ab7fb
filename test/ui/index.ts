import { runSuite } from '../support/runMocha';
import { screenshot } from '../support/screenshot';

/** A failed UI test leaves a picture of the window as it was (test-results/failed-<title>.png) to read in CI's artifacts. */
export function run(): Promise<void> {
	return runSuite(__dirname, (title) => screenshot(`failed-${title}`));
}
