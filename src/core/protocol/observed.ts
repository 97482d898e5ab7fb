/**
 * The one message every webview page can send besides its panel's own protocol, and only under tests: when the
 * extension runs in ExtensionMode.Test the host numbers each message it posts (`seq`, see SEQ_FIELD), and the
 * page's messenger (webview/common/vscodeApi.ts) answers each numbered message with `handled` once its handler
 * has run, so a test knows what the page has rendered. Outside tests nothing is numbered and nothing is answered.
 */
export const SEQ_FIELD = 'lwSeq';

export interface HandledMessage {
	type: 'lw.handled';
	seq: number;
}

export function isHandledMessage(value: unknown): value is HandledMessage {
	return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'lw.handled'
		&& Number.isInteger((value as { seq?: unknown }).seq);
}
