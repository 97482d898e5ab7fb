/** Messages between the Dataset Health panel (webview/health) and the extension host. */

export interface HealthImageView {
	/** Absolute path; the webview sends it back to open or crop the image. */
	file: string;
	name: string;
	subset: string;
	/** A small JPEG as a data: URI, or undefined for unreadable images. */
	thumbnail?: string;
	message: string;
	/** The measured value behind the verdict, short ('sharpness 3 < 50'); the full message is the tooltip. */
	measure?: string;
	severity: 'error' | 'warning' | 'info';
}

export interface HealthSectionView {
	code: string;
	title: string;
	/** What this problem does to the LoRA and what to do, for every image of the section. */
	advice: string;
	severity: 'error' | 'warning' | 'info';
	/** For near-duplicate and same-shoot: one entry per group of similar images. */
	groups: HealthImageView[][];
}

/** Host -> webview. */
export type HealthHostMessage =
	| { type: 'init'; folderName: string; imageCount: number; sections: HealthSectionView[]; notes: string[]; canCrop: boolean }
	| { type: 'busy'; text: string };

/** Webview -> host. */
export type HealthWebviewMessage =
	| { type: 'ready' }
	| { type: 'open'; file: string }
	| { type: 'cropWrongSize' }
	| { type: 'recheck' }
	/** Exclude from training: the image and its caption move to <root>/excluded/<subset>/. */
	| { type: 'exclude'; file: string }
	/** On a near-duplicate or same-shoot group (its index in that section): keep `keep`, exclude the others. */
	| { type: 'keepOnly'; code: 'near-duplicate' | 'same-shoot'; group: number; keep: string };

function isPath(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length < 4096;
}

export function isHealthWebviewMessage(value: unknown): value is HealthWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; file?: unknown; code?: unknown; group?: unknown; keep?: unknown };
	switch (message.type) {
		case 'ready':
		case 'cropWrongSize':
		case 'recheck':
			return true;
		case 'open':
		case 'exclude':
			return isPath(message.file);
		case 'keepOnly':
			return (message.code === 'near-duplicate' || message.code === 'same-shoot') && isPath(message.keep)
				&& typeof message.group === 'number' && Number.isInteger(message.group) && message.group >= 0 && message.group < 100_000;
		default:
			return false;
	}
}
