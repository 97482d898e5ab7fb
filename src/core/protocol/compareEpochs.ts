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

/** One epoch's likeness: face distances of its samples to the person (lower is more alike). */
export interface LikenessColumnView {
	key: string;
	label: string;
	median?: number;
	q1?: number;
	q3?: number;
	/** Shares 0-1 of the epoch's samples. */
	alike: number;
	copying: number;
	noFace: number;
	severalFaces: number;
}

export interface LikenessView {
	columns: LikenessColumnView[];
	/** Per sample image: its face's distance (none: no face), faces found, the training picture it copies. */
	cells: { promptIndex: number; key: string; distance?: number; faces: number; copies?: string }[];
	recommendation?: { key: string; reason: string };
	/** Distances under this are the person. */
	alikeBelow: number;
	notes: string[];
}

/** Host -> webview. */
export type CompareHostMessage =
	| { type: 'init'; folderName: string; trigger: string; grid: GridView; chosenKey?: string; snippet?: string; emptyHint?: string }
	| { type: 'diffs'; cells: { promptIndex: number; key: string; diffSrc: string }[] }
	/** After each init: the likeness scores, or why there are none. */
	| { type: 'likeness'; likeness?: LikenessView; reason?: string };

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
