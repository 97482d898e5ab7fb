/**
 * The one way a count is written for people: `countOf(1, 'image')` -> "1 image", `countOf(2, 'image')` -> "2 images".
 * `many` is for words that do not just take an "s" (`countOf(n, 'image has', 'images have')`).
 */
export function countOf(n: number, one: string, many = `${one}s`): string {
	return `${n} ${wordFor(n, one, many)}`;
}

/** The word alone, for a count written elsewhere in the sentence: `wordFor(n, 'caption')`. */
export function wordFor(n: number, one: string, many = `${one}s`): string {
	return n === 1 ? one : many;
}
