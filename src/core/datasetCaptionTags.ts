/**
 * Each scanned image's caption tags (captionTags), cut once and kept with the image object: the Tags view and the
 * Coverage view both count every caption's tags after each rescan, and at 20,000 captions cutting them again was
 * 600,000 strings per view per change (issue 22). A rescan hands the tags of an unchanged caption on to the new
 * image object (dataset.ts, reuseUnchangedSteps), so a change to 300 captions cuts 300 captions' tags again.
 *
 * They are kept in a symbol-keyed slot of the image object, which JSON and structured clones (webview and thread
 * messages) leave out. Until 2026-12-02 a WeakMap held them: every rescan added 20,000 new keys to it, and in the
 * extension host one such hand-on held the thread 45 ms while the map grew, besides what its entries cost each
 * collection (issue 22's longest blocks); a slot the scan declares costs a store.
 */
import { captionTags } from './caption';

export interface CaptionWithTags {
	caption: string;
	tags: readonly string[];
}

/** The slot: dataset.ts declares it on every image it creates, so the store needs no new property. */
export const CUT_TAGS: unique symbol = Symbol('lora-workbench: cut caption tags');

interface TaggedImage {
	readonly caption?: string;
	[CUT_TAGS]?: CaptionWithTags;
}

/**
 * One string per tag spelling among the tags kept: 20,000 captions of 30 tags hold 600,000 tags but a few thousand
 * spellings, and the kept copies were 20 MB of the extension host's live heap (issue 22: what its collector marks).
 * Started afresh past SPELLINGS_KEPT, so that a long session's spellings cannot pile up.
 */
const spellings = new Map<string, string>();
const SPELLINGS_KEPT = 100_000;

function oneCopy(tags: string[]): string[] {
	if (spellings.size > SPELLINGS_KEPT) {
		spellings.clear();
	}
	for (let i = 0; i < tags.length; i++) {
		const kept = spellings.get(tags[i]);
		if (kept === undefined) {
			spellings.set(tags[i], tags[i]);
		} else {
			tags[i] = kept;
		}
	}
	return tags;
}

/** The tags of `image.caption` (none without a caption), cut at most once per image object and caption text. */
export function imageCaptionTags(image: TaggedImage): readonly string[] {
	const caption = image.caption;
	if (caption === undefined) {
		return [];
	}
	const known = image[CUT_TAGS];
	if (known?.caption === caption) {
		return known.tags;
	}
	const tags = oneCopy(captionTags(caption));
	image[CUT_TAGS] = { caption, tags };
	return tags;
}

/** Gives `to` the tags already cut for `from`, when both hold the same caption text. */
export function passOnCaptionTags(from: TaggedImage, to: TaggedImage): void {
	const known = from[CUT_TAGS];
	if (known && known.caption === to.caption) {
		to[CUT_TAGS] = known;
	}
}
