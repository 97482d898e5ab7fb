import { promises as fs } from 'node:fs';
import { normalizeTag } from './caption';

/**
 * A list of known tags: a WD14 tagger's `selected_tags.csv` (`tag_id,name,category,count`) or an a1111
 * tag-autocomplete list (`name,category,count,"alias,alias"`, no header). Tags are compared normalised
 * (case, underscores, weights), so `Long_Hair` and `long hair` are the same tag.
 */
export interface VocabularyEntry {
	/** The tag as the list writes it, e.g. `long_hair`. */
	name: string;
	category: number;
	count: number;
}

export type VocabularyLookup =
	| { kind: 'known'; entry: VocabularyEntry }
	| { kind: 'alias'; entry: VocabularyEntry }
	| { kind: 'unknown'; suggestion?: VocabularyEntry };

/** Splits one CSV line, honouring double quotes (`""` inside quotes is a quote). */
export function splitCsvLine(line: string): string[] {
	const fields: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < line.length; i++) {
		const c = line[i];
		if (quoted) {
			if (c === '"' && line[i + 1] === '"') {
				field += '"';
				i++;
			} else if (c === '"') {
				quoted = false;
			} else {
				field += c;
			}
		} else if (c === '"') {
			quoted = true;
		} else if (c === ',') {
			fields.push(field);
			field = '';
		} else {
			field += c;
		}
	}
	fields.push(field);
	return fields;
}

/** Levenshtein distance, giving up (returning max + 1) as soon as it must exceed `max`. */
export function boundedEditDistance(a: string, b: string, max: number): number {
	if (Math.abs(a.length - b.length) > max) {
		return max + 1;
	}
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		let rowMin = i;
		for (let j = 1; j <= b.length; j++) {
			const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
			current.push(value);
			rowMin = Math.min(rowMin, value);
		}
		if (rowMin > max) {
			return max + 1;
		}
		previous = current;
	}
	return previous[b.length];
}

export class Vocabulary {
	private readonly known = new Map<string, VocabularyEntry>();
	private readonly aliases = new Map<string, VocabularyEntry>();
	/** Normalised names by length, for the nearest-tag search. */
	private readonly byLength = new Map<number, string[]>();
	private readonly suggestions = new Map<string, VocabularyEntry | undefined>();

	constructor(readonly sources: readonly string[] = []) {}

	get size(): number {
		return this.known.size;
	}

	add(entry: VocabularyEntry, aliases: readonly string[] = []): void {
		const key = normalizeTag(entry.name);
		if (!key || this.known.has(key)) {
			return;
		}
		this.known.set(key, entry);
		const bucket = this.byLength.get(key.length) ?? [];
		bucket.push(key);
		this.byLength.set(key.length, bucket);
		for (const alias of aliases) {
			const aliasKey = normalizeTag(alias);
			if (aliasKey && !this.aliases.has(aliasKey)) {
				this.aliases.set(aliasKey, entry);
			}
		}
		this.suggestions.clear();
	}

	/** Reads CSV text in either format; returns how many tags it added. Throws with the line number on a malformed row. */
	addCsv(text: string, source: string): number {
		const lines = text.split(/\r?\n/);
		const header = splitCsvLine(lines[0] ?? '').map((f) => f.trim().toLowerCase());
		const wd14 = header[0] === 'tag_id' && header[1] === 'name';
		const before = this.known.size;
		lines.forEach((line, index) => {
			if ((wd14 && index === 0) || line.trim().length === 0) {
				return;
			}
			const fields = splitCsvLine(line);
			if (fields.every((field) => field.trim().length === 0)) {
				return; // a row of bare commas (real selected_tags.csv files have one)
			}
			const name = (wd14 ? fields[1] : fields[0])?.trim();
			if (!name) {
				throw new Error(`${source}:${index + 1}: no tag name; expected ${wd14 ? 'tag_id,name,category,count' : 'name,category,count,"aliases"'}`);
			}
			const category = Number(wd14 ? fields[2] : fields[1]) || 0;
			const count = Number(wd14 ? fields[3] : fields[2]) || 0;
			const aliases = wd14 ? [] : (fields[3] ?? '').split(',').map((a) => a.trim()).filter((a) => a.length > 0);
			this.add({ name, category, count }, aliases);
		});
		return this.known.size - before;
	}

	lookup(tag: string): VocabularyLookup {
		const key = normalizeTag(tag);
		const entry = this.known.get(key);
		if (entry) {
			return { kind: 'known', entry };
		}
		const alias = this.aliases.get(key);
		if (alias) {
			return { kind: 'alias', entry: alias };
		}
		return { kind: 'unknown', suggestion: this.nearest(key) };
	}

	/** The closest known tag within a small edit distance (1 for short tags, 2 from 6 characters), most used first on ties. */
	nearest(key: string): VocabularyEntry | undefined {
		if (this.suggestions.has(key)) {
			return this.suggestions.get(key);
		}
		const max = key.length < 6 ? 1 : 2;
		let best: VocabularyEntry | undefined;
		let bestDistance = max + 1;
		for (let length = key.length - max; length <= key.length + max; length++) {
			for (const candidate of this.byLength.get(length) ?? []) {
				const distance = boundedEditDistance(key, candidate, Math.min(max, bestDistance));
				const entry = this.known.get(candidate)!;
				if (distance < bestDistance || (distance === bestDistance && distance <= max && best && entry.count > best.count)) {
					best = entry;
					bestDistance = distance;
				}
			}
		}
		this.suggestions.set(key, best);
		return best;
	}
}

/** Loads one or more tag lists into one vocabulary; an unreadable file is an error naming it. */
export async function loadVocabulary(paths: readonly string[]): Promise<Vocabulary> {
	const vocabulary = new Vocabulary(paths);
	for (const path of paths) {
		let text: string;
		try {
			text = await fs.readFile(path, 'utf8');
		} catch (err) {
			throw new Error(`the tag list ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix lint.vocabulary in lora-workbench.yaml`);
		}
		if (vocabulary.addCsv(text, path) === 0) {
			throw new Error(`the tag list ${path} holds no tags; expected selected_tags.csv or an a1111 tag-autocomplete CSV`);
		}
	}
	return vocabulary;
}
