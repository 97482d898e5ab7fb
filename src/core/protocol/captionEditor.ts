/**
 * Messages between the caption editor webview (webview/captionEditor) and its host
 * (src/providers/captionEditor). The webview only sends intents; the host applies them to the caption's
 * TextDocument as WorkspaceEdits and answers with the new state. Every message the host receives goes
 * through `parseCaptionEditorMessage`, which returns undefined for anything malformed.
 */

//#region to the webview

export type ProblemSeverity = 'error' | 'warning' | 'info';

export interface ChipProblem {
	severity: ProblemSeverity;
	message: string;
	code?: string;
}

export interface EditorTag {
	text: string;
	/** Offsets within the first line. */
	start: number;
	end: number;
	isTrigger: boolean;
	problems: ChipProblem[];
}

/** Problems about the file rather than one tag: encoding, extra lines, empty pieces, lint on the whole line. */
export interface FileNote {
	severity: ProblemSeverity;
	message: string;
}

/** A quick fix the host offers for a problem (the linter's code action); applied by id. */
export interface QuickFix {
	id: string;
	title: string;
}

/** A lint problem written out on the page (not only in a chip's tooltip), with its quick fixes. */
export interface PageProblem {
	severity: ProblemSeverity;
	message: string;
	code?: string;
	/** The tags it is about, as written; empty for a problem about the whole line. */
	tags: string[];
	fixes: QuickFix[];
}

export interface CaptionDocumentState {
	/** The first line, exactly as it will be written (what sd-scripts trains on). */
	firstLine: string;
	tags: EditorTag[];
	/** Facts about the file (encoding, line endings, extra lines, empty pieces). */
	notes: FileNote[];
	/** The linter's problems on this caption, each with its quick fixes. */
	problems: PageProblem[];
	/** The image's own problems from the last image check (blurry, duplicate, other people...). */
	imageProblems: FileNote[];
	/** Set when edits are refused (bytes that are not UTF-8 are never rewritten). */
	readOnlyReason?: string;
	isDirty: boolean;
	/** The caption file does not exist yet; it is created on the first save. */
	isNew: boolean;
}

export interface ImageState {
	name: string;
	/** Webview URI of what to show first: a downscaled preview for large images, else the original. */
	previewSrc?: string;
	/** Webview URI of the original; the page loads it only when the user zooms in. */
	fullSrc?: string;
	width?: number;
	height?: number;
	/** The image could not be decoded or read: the editor says so and still edits the caption. */
	error?: string;
}

export interface NeighbourState {
	/** Position in the subset, 0-based. */
	index: number;
	name: string;
	hasCaption: boolean;
	current: boolean;
	thumbSrc?: string;
}

export interface PositionState {
	/** 0-based index of this image in its subset. */
	index: number;
	count: number;
	subset: string;
}

export interface CaptionEditorInit {
	type: 'init';
	fileName: string;
	trigger?: string;
	document: CaptionDocumentState;
	image?: ImageState;
	position?: PositionState;
	neighbours: NeighbourState[];
}

export interface DocumentChanged {
	type: 'document';
	document: CaptionDocumentState;
}

export interface ImageChanged {
	type: 'image';
	image: ImageState;
}

export interface NeighboursChanged {
	type: 'neighbours';
	position?: PositionState;
	neighbours: NeighbourState[];
}

export interface TagSuggestion {
	tag: string;
	/** Images of this dataset carrying the tag. */
	datasetCount: number;
	/** Post count from the configured vocabulary. */
	postCount?: number;
	/** Set when the typed text matched an alias of this tag. */
	alias?: string;
}

export interface SuggestionsReply {
	type: 'suggestions';
	requestId: number;
	items: TagSuggestion[];
}

export interface Notice {
	type: 'notice';
	severity: ProblemSeverity;
	message: string;
}

/** The next and previous images' previews, ready: the page loads and decodes them ahead, so a step shows one at once. */
export interface PrefetchImages {
	type: 'prefetch';
	previewSrcs: string[];
}

export type ToCaptionEditorMessage = CaptionEditorInit | DocumentChanged | ImageChanged | NeighboursChanged | PrefetchImages | SuggestionsReply | Notice;

//#endregion

//#region from the webview

export type CaptionEditorIntent =
	| { type: 'addTag'; tag: string; index?: number }
	| { type: 'removeTag'; index: number; tag: string }
	| { type: 'editTag'; index: number; tag: string; newText: string }
	| { type: 'moveTag'; from: number; to: number; tag: string }
	| { type: 'pinTrigger' }
	| { type: 'setFirstLine'; text: string };

export type FromCaptionEditorMessage =
	| { type: 'ready' }
	| CaptionEditorIntent
	| { type: 'navigate'; to: 'next' | 'previous' | number }
	| { type: 'requestSuggestions'; requestId: number; prefix: string }
	| { type: 'openAsText' }
	| { type: 'applyFix'; id: string }
	| ImagePainted;

/**
 * Sent once per `init` (the editor steps through images in place), after the image pane first shows its final
 * state on screen (the preview decoded and a frame painted, or the error / "no image" message): the end of "time
 * to first paint" in the VS Code bench.
 */
export interface ImagePainted {
	type: 'painted';
	/** The caption the page showed (the init's `fileName`): a late paint of the previous image is told apart. */
	fileName: string;
	image: 'shown' | 'error' | 'none';
	/** Pixel size of the picture drawn (the downscaled preview, not the original); 0 without one. */
	width: number;
	height: number;
	/** Milliseconds from the page getting its `init` to this paint (the bench tells the page's share from the transport's). */
	pageMs?: number;
}

//#endregion

/** Longest tag or caption line the host accepts from the webview (a caption is a line, not a document). */
export const MAX_TEXT_LENGTH = 10_000;
const MAX_INDEX = 100_000;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_INDEX;
}

function isPixels(value: unknown): value is number {
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1_000_000;
}

/** A single line of text: no line breaks, bounded length. */
function isLine(value: unknown): value is string {
	return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH && !/[\r\n]/.test(value);
}

/** Checks a message from the webview field by field; anything unexpected gives undefined. */
export function parseCaptionEditorMessage(value: unknown): FromCaptionEditorMessage | undefined {
	if (!isRecord(value) || typeof value.type !== 'string') {
		return undefined;
	}
	switch (value.type) {
		case 'ready':
		case 'pinTrigger':
		case 'openAsText':
			return { type: value.type };
		case 'addTag':
			if (isLine(value.tag) && (value.index === undefined || isIndex(value.index))) {
				return { type: 'addTag', tag: value.tag, index: value.index as number | undefined };
			}
			return undefined;
		case 'removeTag':
			return isIndex(value.index) && isLine(value.tag) ? { type: 'removeTag', index: value.index, tag: value.tag } : undefined;
		case 'editTag':
			return isIndex(value.index) && isLine(value.tag) && isLine(value.newText)
				? { type: 'editTag', index: value.index, tag: value.tag, newText: value.newText } : undefined;
		case 'moveTag':
			return isIndex(value.from) && isIndex(value.to) && isLine(value.tag)
				? { type: 'moveTag', from: value.from, to: value.to, tag: value.tag } : undefined;
		case 'setFirstLine':
			return isLine(value.text) ? { type: 'setFirstLine', text: value.text } : undefined;
		case 'navigate':
			return value.to === 'next' || value.to === 'previous' || isIndex(value.to) ? { type: 'navigate', to: value.to } : undefined;
		case 'painted':
			return (value.image === 'shown' || value.image === 'error' || value.image === 'none') && isPixels(value.width) && isPixels(value.height)
				&& typeof value.fileName === 'string' && value.fileName.length <= 1000
				? { type: 'painted', fileName: value.fileName, image: value.image, width: value.width, height: value.height, ...(isPixels(value.pageMs) ? { pageMs: value.pageMs } : {}) } : undefined;
		case 'applyFix':
			return typeof value.id === 'string' && /^\d{1,9}:\d{1,6}$/.test(value.id) ? { type: 'applyFix', id: value.id } : undefined;
		case 'requestSuggestions':
			return isIndex(value.requestId) && typeof value.prefix === 'string' && value.prefix.length <= 200
				? { type: 'requestSuggestions', requestId: value.requestId, prefix: value.prefix } : undefined;
		default:
			return undefined;
	}
}

export function isCaptionEditorIntent(message: FromCaptionEditorMessage): message is CaptionEditorIntent {
	return ['addTag', 'removeTag', 'editTag', 'moveTag', 'pinTrigger', 'setFirstLine'].includes(message.type);
}
