/** Messages between the cropper panel (webview/cropper) and the extension host. */

export interface CropBoxView {
	x: number;
	y: number;
	width: number;
	height: number;
}

export type QuarterTurn = 0 | 90 | 180 | 270;

export interface CropItemView {
	id: string;
	name: string;
	/** Preview of the upright (EXIF-oriented, user-rotated) source, as a data: URI. */
	preview: string;
	/** Size of the upright, rotated source in pixels; boxes are in these pixels. */
	sourceWidth: number;
	sourceHeight: number;
	rotate: QuarterTurn;
	box: CropBoxView;
	faces: CropBoxView[];
	basis: 'face' | 'center';
	/** Warnings to show beside the image (other people, upscaling...). */
	notes: string[];
	status: 'pending' | 'written' | 'skipped' | 'error';
	result?: string;
}

/** Host -> webview. */
export type CropperHostMessage =
	| { type: 'init'; title: string; target: { width: number; height: number }; items: CropItemView[]; mode: 'import' | 'recrop' }
	| { type: 'item'; item: CropItemView }
	| { type: 'busy'; busy: boolean; text?: string };

/** Webview -> host. */
export type CropperWebviewMessage =
	| { type: 'ready' }
	| { type: 'accept'; id: string; box: CropBoxView }
	| { type: 'skip'; id: string }
	| { type: 'rotate'; id: string; rotate: QuarterTurn }
	| { type: 'acceptAll' }
	| { type: 'close' };

function isFiniteNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

export function isCropBox(value: unknown): value is CropBoxView {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const box = value as Record<string, unknown>;
	return isFiniteNumber(box.x) && isFiniteNumber(box.y) && isFiniteNumber(box.width) && isFiniteNumber(box.height) && (box.width as number) > 0 && (box.height as number) > 0;
}

export function isCropperWebviewMessage(value: unknown): value is CropperWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as { type?: unknown; id?: unknown; box?: unknown; rotate?: unknown };
	const hasId = typeof message.id === 'string' && message.id.length > 0 && message.id.length < 100;
	switch (message.type) {
		case 'ready':
		case 'acceptAll':
		case 'close':
			return true;
		case 'accept':
			return hasId && isCropBox(message.box);
		case 'skip':
			return hasId;
		case 'rotate':
			return hasId && (message.rotate === 0 || message.rotate === 90 || message.rotate === 180 || message.rotate === 270);
		default:
			return false;
	}
}
