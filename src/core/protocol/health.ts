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
	| { type: 'recheck' };

export function isHealthWebviewMessage(value: unknown): value is HealthWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; file?: unknown };
	switch (message.type) {
		case 'ready':
		case 'cropWrongSize':
		case 'recheck':
			return true;
		case 'open':
			return typeof message.file === 'string' && message.file.length > 0 && message.file.length < 4096;
		default:
			return false;
	}
}
