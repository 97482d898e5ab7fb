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
		const api = await activateExtension();
		const marks = activationMarks();
		const span = (from: string, to: string): number => {
			const start = marks.get(from);
			const end = marks.get(to);
			if (start === undefined || end === undefined) {
				throw new Error(`VS Code's activation marks for ${EXTENSION_ID} are missing (found: ${[...marks.keys()].join(', ') || 'none'})`);
			}
			return end - start;
		};
		const loading = span('willLoadExtensionCode', 'didLoadExtensionCode');
		const activating = span('willActivateExtension', 'didActivateExtension');
		const context = span('didLoadExtensionCode', 'willActivateExtension');
		// The sum "Developer: Show Running Extensions" calls activation (code loading + the activate call); VS Code
		// making the ExtensionContext (storage, secrets) runs beside the loading and is VS Code's, not the extension's.
		record('activation', { ms: loading + activating, work: 1, note: `code loaded in ${loading} ms (code cache ${api.codeCache ?? 'unknown'}), activate() ${activating} ms; VS Code's extension context ready ${context} ms after the code (one fresh window, extension host marks)` });
	});
});
