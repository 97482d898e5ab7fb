import { normalizeTag } from '../caption';

const keys = new Map<string, string>();

/** normalizeTag, remembered: a dataset repeats the same few thousand tags, and every rule compares by key. */
export function tagKey(tag: string): string {
	let key = keys.get(tag);
	if (key === undefined) {
		key = normalizeTag(tag);
		if (keys.size > 200_000) {
			keys.clear();
		}
		keys.set(tag, key);
	}
	return key;
}
