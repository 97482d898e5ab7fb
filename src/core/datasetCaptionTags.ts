/**
 * Each scanned image's caption tags (captionTags), cut once and kept with the image object: the Tags view and the
 * Coverage view both count every caption's tags after each rescan, and at 20,000 captions cutting them again was
 * 600,000 strings per view per change (issue 22). A rescan hands the tags of an unchanged caption on to the new
 * image object (dataset.ts, reuseUnchangedSteps), so a change to 300 captions cuts 300 captions' tags again.
 */
import { captionTags } from './caption';

interface CaptionWithTags {
	caption: string;
	tags: readonly string[];
}

const memo = new WeakMap<object, CaptionWithTags>();

/** The tags of `image.caption` (none without a caption), cut at most once per image object and caption text. */
export function imageCaptionTags(image: { readonly caption?: string }): readonly string[] {
	const caption = image.caption;
	if (caption === undefined) {
		return [];
	}
	const known = memo.get(image);
	if (known?.caption === caption) {
		return known.tags;
	}
	const tags = captionTags(caption);
	memo.set(image, { caption, tags });
	return tags;
}

/** Gives `to` the tags already cut for `from`, when both hold the same caption text. */
export function passOnCaptionTags(from: { readonly caption?: string }, to: { readonly caption?: string }): void {
	const known = memo.get(from);
	if (known && known.caption === to.caption) {
		memo.set(to, known);
	}
}
