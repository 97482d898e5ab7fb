/**
 * The tag lists of `lint.vocabulary` (lora-workbench.yaml; the linter reads the same files through
 * src/core/vocabulary.ts) indexed for completion: prefix search over names and aliases, ranked by post
 * count. Names are kept in the captions' style (spaces, not underscores); aliases resolve to their
 * canonical tag.
 */
import { promises as fs } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { normalizeTag } from './caption';
import { splitCsvLine } from './vocabulary';

export interface VocabularyTag {
	/** Canonical name with spaces (`long hair`), as captions write it. */
	name: string;
	category: number;
	postCount: number;
}

export interface VocabularyMatch {
	tag: VocabularyTag;
	/** The alias the prefix matched, when it was not the name itself. */
	alias?: string;
}

export class TagVocabulary {
	private readonly byKey = new Map<string, VocabularyTag>();
	private readonly aliases = new Map<string, VocabularyTag>();
	/** Keys sorted for prefix search. */
	private sortedKeys: string[] = [];
	private sortedAliases: string[] = [];

	constructor(tags: Iterable<VocabularyTag & { aliases?: string[] }>) {
		for (const tag of tags) {
			const key = normalizeTag(tag.name);
			if (!key) {
				continue;
			}
			// A tag in two lists keeps the first list's entry and gains the second's aliases.
			const entry = this.byKey.get(key) ?? { name: tag.name, category: tag.category, postCount: tag.postCount };
			this.byKey.set(key, entry);
			for (const alias of tag.aliases ?? []) {
				const aliasKey = normalizeTag(alias);
				if (aliasKey && !this.aliases.has(aliasKey)) {
					this.aliases.set(aliasKey, entry);
				}
			}
		}
		this.sortedKeys = [...this.byKey.keys()].sort();
		this.sortedAliases = [...this.aliases.keys()].filter((k) => !this.byKey.has(k)).sort();
	}

	get size(): number {
		return this.byKey.size;
	}

	/** The canonical tag for a name or one of its aliases. */
	lookup(tag: string): VocabularyTag | undefined {
		const key = normalizeTag(tag);
		return this.byKey.get(key) ?? this.aliases.get(key);
	}

	/** Tags whose name or alias starts with `prefix`, most posts first. */
	complete(prefix: string, limit = 50): VocabularyMatch[] {
		const key = normalizeTag(prefix);
		if (!key) {
			return [];
		}
		const matches = new Map<VocabularyTag, VocabularyMatch>();
		for (const k of prefixRange(this.sortedKeys, key)) {
			const tag = this.byKey.get(k)!;
			matches.set(tag, { tag });
		}
		for (const k of prefixRange(this.sortedAliases, key)) {
			const tag = this.aliases.get(k)!;
			if (!matches.has(tag)) {
				matches.set(tag, { tag, alias: k });
			}
		}
		return [...matches.values()].sort((a, b) => b.tag.postCount - a.tag.postCount).slice(0, limit);
	}
}

function* prefixRange(sorted: string[], prefix: string): Generator<string> {
	let low = 0;
	let high = sorted.length;
	while (low < high) {
		const mid = (low + high) >> 1;
		if (sorted[mid] < prefix) {
			low = mid + 1;
		} else {
			high = mid;
		}
	}
	for (let i = low; i < sorted.length && sorted[i].startsWith(prefix); i++) {
		yield sorted[i];
	}
}

/** Underscores become spaces except in short kaomoji like `^_^` (the WD14 tagger's `--remove_underscore` rule). */
function captionStyle(name: string): string {
	return name.length > 3 ? name.replace(/_/g, ' ') : name;
}

/** Parses either format; throws an Error naming the file and the line when it is neither. */
export function parseVocabulary(text: string, file: string): TagVocabulary {
	return new TagVocabulary(parseVocabularyRows(text, file));
}

function parseVocabularyRows(text: string, file: string): Array<VocabularyTag & { aliases?: string[] }> {
	const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((l) => l.trim().length > 0);
	const tags: Array<VocabularyTag & { aliases?: string[] }> = [];
	const first = lines[0] ? splitCsvLine(lines[0]) : [];
	const isWd14 = first[0] === 'tag_id' && first[1] === 'name';
	for (let i = isWd14 ? 1 : 0; i < lines.length; i++) {
		const fields = splitCsvLine(lines[i]);
		if (fields.every((f) => f.trim() === '')) {
			// Real selected_tags.csv files hold rows like ",,,"; they name nothing.
			continue;
		}
		const [name, category, count, aliases] = isWd14 ? fields.slice(1) : fields;
		if (!name || (category !== undefined && !/^\d+$/.test(category.trim()))) {
			throw new Error(`${file}, line ${i + 1}: expected ${isWd14 ? 'tag_id,name,category,count' : 'name,category,count,"aliases"'} but found "${lines[i].slice(0, 80)}". Use a WD14 selected_tags.csv or an a1111 tag-autocomplete CSV.`);
		}
		tags.push({
			name: captionStyle(name.trim()),
			category: Number(category ?? 0),
			postCount: Number(count) || 0,
			aliases: aliases ? aliases.split(',').map((a) => captionStyle(a.trim())).filter(Boolean) : undefined,
		});
	}
	return tags;
}

/** Loads and merges the tag lists (paths absolute or relative to `root`). */
export async function loadTagVocabulary(paths: readonly string[], root: string): Promise<TagVocabulary> {
	const tags: Array<VocabularyTag & { aliases?: string[] }> = [];
	for (const path of paths) {
		const file = isAbsolute(path) ? path : join(root, path);
		let text: string;
		try {
			text = await fs.readFile(file, 'utf8');
		} catch {
			throw new Error(`The tag list ${file} could not be read. Fix lint.vocabulary in ${join(root, 'lora-workbench.yaml')}.`);
		}
		for (const row of parseVocabularyRows(text, file)) {
			tags.push(row);
		}
	}
	return new TagVocabulary(tags);
}
