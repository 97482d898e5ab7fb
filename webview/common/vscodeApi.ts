import { SEQ_FIELD, type HandledMessage } from '../../src/core/protocol/observed';

/**
 * The one messenger every page uses: `post` accepts only the panel's outgoing message union and `onMessage`
 * hands over only objects with a string `type` (the host is trusted, but a stray `postMessage` from elsewhere
 * in the page must not crash the handler). Under tests the host numbers its messages; the messenger then
 * answers each with `lw.handled` once the handler has run (src/core/protocol/observed.ts).
 */
export interface Messenger<ToHost, FromHost, State> {
	post(message: ToHost): void;
	onMessage(handler: (message: FromHost) => void): void;
	getState(): State | undefined;
	setState(state: State): void;
}

let api: ReturnType<typeof acquireVsCodeApi> | undefined;

export function messenger<ToHost, FromHost extends { type: string }, State = unknown>(): Messenger<ToHost, FromHost, State> {
	// acquireVsCodeApi may be called only once per page.
	api ??= acquireVsCodeApi();
	const vscode = api;
	return {
		post: (message) => vscode.postMessage(message),
		onMessage: (handler) => window.addEventListener('message', (event: MessageEvent<unknown>) => {
			const data = event.data;
			if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') {
				return;
			}
			handler(data as FromHost);
			const seq = (data as Record<string, unknown>)[SEQ_FIELD];
			if (typeof seq === 'number') {
				vscode.postMessage({ type: 'lw.handled', seq } satisfies HandledMessage);
			}
		}),
		getState: () => vscode.getState() as State | undefined,
		setState: (state) => vscode.setState(state),
	};
}
