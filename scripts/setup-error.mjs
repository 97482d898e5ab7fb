// A set-up step that cannot go on. Its message is one line saying what happened and what to do; the scripts
// print it without a stack trace, because the reader is a user setting up, not a developer debugging.
export class SetupError extends Error {
	constructor(message) {
		super(message);
		this.name = 'SetupError';
	}
}

/** The text to show for an error caught at the top of a script: the message alone for a SetupError. */
export function describeFailure(err) {
	if (err instanceof SetupError) { return err.message; }
	// A child process that failed has already printed why; its stack trace would only bury that.
	if (err && typeof err === 'object' && 'status' in err && 'output' in err) {
		return `${String(err.message).split('\n')[0]} (exit ${err.status ?? err.signal}); its output is above.`;
	}
	return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
