import { activateExtension, EXTENSION_ID } from '../support/extension';
import { record } from './session';

interface PerfMark {
	name: string;
	startTime: number;
}

/**
 * VS Code's own activation marks for this extension, from the extension host's performance marks (the figures
 * "Developer: Show Running Extensions" shows). The host keeps them on globalThis.MonacoPerformanceMarks, which
 * the extension host shares with the extensions it runs; absent, a VS Code update renamed them.
 */
function activationMarks(): Map<string, number> {
	const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): PerfMark[] } }).MonacoPerformanceMarks?.getMarks() ?? [];
	const ours = new Map<string, number>();
	for (const mark of marks) {
		const match = /^code\/extHost\/(\w+)\/(.+)$/.exec(mark.name);
		if (match && match[2] === EXTENSION_ID) {
			ours.set(match[1], mark.startTime);
		}
	}
	return ours;
}

describe('bench: activation in a fresh window', () => {
	// The first file of the tier (files run in name order): the window was opened for this launch, so the
	// activation it measures is a fresh window's, whether the workspace or this call caused it.
	it('reads how long loading the code and activate() took', async () => {
		await activateExtension();
		const marks = activationMarks();
		const load = marks.get('willLoadExtensionCode');
		const loaded = marks.get('didLoadExtensionCode');
		const activated = marks.get('didActivateExtension');
		if (load === undefined || loaded === undefined || activated === undefined) {
			throw new Error(`VS Code's activation marks for ${EXTENSION_ID} are missing (found: ${[...marks.keys()].join(', ') || 'none'})`);
		}
		record('activation', { ms: activated - load, work: 1, note: `code loaded in ${loaded - load} ms (VS Code's extension host marks, one fresh window)` });
	});
});
