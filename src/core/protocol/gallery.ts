/** Messages between the gallery webview (webview/gallery) and its host (src/providers/gallery/galleryPanel.ts). */

/** One image of the gallery; `id` is its index in the init message's `images`. */
export interface GalleryImage {
	id: number;
	name: string;
	subset: string;
	/** First line of the caption; undefined without a caption file. */
	caption?: string;
	/** What sd-scripts does with it (bucketPreview.ts); undefined when its size could not be read. */
	bucket?: GalleryBucket;
}

export interface GalleryBucket {
	/** Short: "512x512, 33% cut". */
	label: string;
	/** The whole sentence, for the tooltip. */
	detail: string;
	/** The part sd-scripts keeps, as fractions of the picture (0-1), when it cuts something off. */
	keep?: { x: number; y: number; width: number; height: number };
	stops: boolean;
}

export interface GalleryTag {
	label: string;
	key: string;
	count: number;
}

export type BulkScope = 'all' | 'filtered' | 'selected';

/** Bulk commands the gallery's toolbar can start (the host asks for the details). */
export const GALLERY_BULK_COMMANDS = ['addTag', 'removeTag', 'renameTag', 'replaceInTags', 'moveTagToFront', 'dedupeTags', 'normalizeTags', 'sortTagsByFrequency'] as const;
export type GalleryBulkCommand = typeof GALLERY_BULK_COMMANDS[number];

export interface GalleryFilterError {
	/** 1-based column in the expression. */
	column: number;
	message: string;
}

export type GalleryHostMessage =
	/**
	 * `count`: images in the folder (ids 0..count-1). `images`: the first page of them, those the filter shows first;
	 * the rest follow in `images` messages, so 5,000 captions do not hold up the first screen.
	 */
	| { type: 'init'; folderName: string; root: string; count: number; images: GalleryImage[]; thumbnailSize: number; tag: string; expression: string; selected: number[] }
	| { type: 'images'; images: GalleryImage[] }
	/** The tag menu, when the page asks for it: the grid and its thumbnails come before the folder's tag table is built. */
	| { type: 'tags'; tags: GalleryTag[]; tag: string }
	/** The images the current filter lets through (ids, in order); error when the expression does not parse. */
	| { type: 'filtered'; ids: number[]; tag: string; expression: string; subset?: string; error?: GalleryFilterError }
	| { type: 'thumbnails'; items: Array<{ id: number; src?: string; error?: string }> }
	| { type: 'selected'; ids: number[] };

export type GalleryWebviewMessage =
	| { type: 'ready' }
	/** `subset`: '' clears the subset scope; absent keeps it. */
	| { type: 'filter'; tag: string; expression: string; subset?: string }
	| { type: 'thumbnails'; ids: number[] }
	/** The page wants the tag menu: once its first screen is painted, or when the user reaches for the menu. */
	| { type: 'tags' }
	| { type: 'select'; ids: number[] }
	| { type: 'open'; id: number }
	| { type: 'bulk'; command: GalleryBulkCommand; scope: BulkScope }
	| GalleryPainted;

/**
 * Sent once per page and stage: `grid` after the first filtered grid is laid out and painted (names and
 * captions, thumbnails still coming), `thumbnails` once every cell on that first screen shows its thumbnail
 * (decoded) or its error. `cells`: how many cells were on screen.
 */
export interface GalleryPainted {
	type: 'painted';
	stage: 'grid' | 'thumbnails';
	cells: number;
}

const MAX_TEXT = 2000;
const MAX_IDS = 100_000;

function isIdList(value: unknown): value is number[] {
	return Array.isArray(value) && value.length <= MAX_IDS && value.every((v) => Number.isInteger(v) && v >= 0);
}

function isText(value: unknown): value is string {
	return typeof value === 'string' && value.length <= MAX_TEXT;
}

/** Validates a message from the webview; anything else is ignored by the host. */
export function isGalleryWebviewMessage(value: unknown): value is GalleryWebviewMessage {
	if (typeof value !== 'object' || value === null) {
		return false;
	}
	const message = value as Record<string, unknown>;
	switch (message.type) {
		case 'ready':
		case 'tags':
			return true;
		case 'filter':
			return isText(message.tag) && isText(message.expression) && (message.subset === undefined || isText(message.subset));
		case 'thumbnails':
		case 'select':
			return isIdList(message.ids);
		case 'open':
			return Number.isInteger(message.id) && (message.id as number) >= 0;
		case 'painted':
			return (message.stage === 'grid' || message.stage === 'thumbnails') && Number.isInteger(message.cells) && (message.cells as number) >= 0 && (message.cells as number) <= MAX_IDS;
		case 'bulk':
			return GALLERY_BULK_COMMANDS.includes(message.command as GalleryBulkCommand) && ['all', 'filtered', 'selected'].includes(message.scope as string);
		default:
			return false;
	}
}
