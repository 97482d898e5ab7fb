/** Messages between the Compare Epochs panel (webview/compareEpochs) and the extension host. */

export interface GridCellView {
	/** Webview URI of the sample image. */
	src: string;
	/** Webview URI of the difference to the previous column's image, once computed. */
	diffSrc?: string;
}

export interface GridView {
	columns: { key: string; label: string; checkpoint?: string }[];
	rows: { promptIndex: number; prompt?: string; cells: Record<string, GridCellView> }[];
}

/** Host -> webview. */
export type CompareHostMessage =
	| { type: 'init'; folderName: string; trigger: string; grid: GridView; chosenKey?: string; snippet?: string; emptyHint?: string }
	| { type: 'diffs'; cells: { promptIndex: number; key: string; diffSrc: string }[] };

/** Webview -> host. */
export type CompareWebviewMessage =
	| { type: 'ready' }
	| { type: 'choose'; key: string }
	| { type: 'showDifferences' }
	| { type: 'copySnippet' };

export function isCompareWebviewMessage(value: unknown): value is CompareWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; key?: unknown };
	switch (message.type) {
		case 'ready':
		case 'showDifferences':
		case 'copySnippet':
			return true;
		case 'choose':
			return typeof message.key === 'string' && /^[es]\d{1,9}$/.test(message.key);
		default:
			return false;
	}
}
