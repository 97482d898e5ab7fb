/**
 * The tag lists of `lint.vocabulary` (lora-workbench.yaml): a WD14 tagger's `selected_tags.csv`
 * (`tag_id,name,category,count` with a header) or an a1111 tag-autocomplete list (`name,category,count,"alias,alias"`,
 * no header). One index serves the linter (known, alias of, nearest known tag) and caption completion and hover
 * (prefix search ranked by post count, aliases resolving to the canonical tag). Tags are compared through
 * normalizeTag (case, underscores, weights), so `Long_Hair` and `long hair` are the same tag.
 */
import { promises as fs } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { normalizeTag } from './caption';
import { SETTINGS_FILE_NAME } from './settingsFileName';

export interface VocabularyEntry {
	/** The tag as the list writes it, e.g. `long_hair`; captionForm() gives the captions' spelling. */
	name: string;
	category: number;
	/** Posts using the tag (the list's count column). */
	count: number;
}

export type VocabularyLookup =
	| { kind: 'known'; entry: VocabularyEntry }
	| { kind: 'alias'; entry: VocabularyEntry }
	| { kind: 'unknown'; suggestion?: VocabularyEntry };

export interface VocabularyMatch {
	/** The canonical tag in the captions' spelling (`long hair`). */
	tag: string;
	entry: VocabularyEntry;
	/** The alias the prefix matched (normalised), when it was not the name itself. */
	alias?: string;
}

const WD14_COLUMNS = 'tag_id,name,category,count';
const A1111_COLUMNS = 'name,category,count,"aliases"';

/** Underscores become spaces except in short kaomoji like `^_^` (the WD14 tagger's `--remove_underscore` rule). */
export function captionForm(name: string): string {
	return name.length > 3 ? name.replace(/_/g, ' ') : name;
}

/** Splits one CSV line, honouring double quotes (`""` inside quotes is a quote). */
export function splitCsvLine(line: string): string[] {
	if (!line.includes('"')) {
		return line.split(',');
	}
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

export class TagVocabulary {
	/** Normalised name -> entry. */
	private readonly known = new Map<string, VocabularyEntry>();
	/** Normalised alias -> the canonical entry (first list wins). */
	private readonly aliases = new Map<string, VocabularyEntry>();
	private readonly suggestions = new Map<string, VocabularyEntry | undefined>();
	// The search indexes are built on first use: the linter never prefix-searches and completion never
	// asks for the nearest tag, so neither pays for the other's index.
	private byLength: Map<number, string[]> | undefined;
	private sortedNames: string[] | undefined;
	private sortedAliases: string[] | undefined;

	constructor(readonly sources: readonly string[] = []) {}

	get size(): number {
		return this.known.size;
	}

	/** A tag already known (from an earlier list) keeps its entry and gains the new aliases. */
	add(entry: VocabularyEntry, aliases: readonly string[] = []): void {
		const key = normalizeTag(entry.name);
		if (!key) {
			return;
		}
		let canonical = this.known.get(key);
		if (!canonical) {
			canonical = entry;
			this.known.set(key, entry);
		}
		for (const alias of aliases) {
			const aliasKey = normalizeTag(alias);
			if (aliasKey && !this.aliases.has(aliasKey)) {
				this.aliases.set(aliasKey, canonical);
			}
		}
		this.byLength = undefined;
		this.sortedNames = undefined;
		this.sortedAliases = undefined;
		this.suggestions.clear();
	}

	/**
	 * Reads CSV text in either format; returns how many tag rows it read (tags already known count too).
	 * Throws an Error naming the file and line when a row is neither format.
	 */
	addCsv(text: string, source: string): number {
		const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
		const header = splitCsvLine(lines[0] ?? '').map((f) => f.trim().toLowerCase());
		const wd14 = header[0] === 'tag_id' && header[1] === 'name';
		let rows = 0;
		for (let index = wd14 ? 1 : 0; index < lines.length; index++) {
			const line = lines[index];
			if (line.trim().length === 0) {
				continue;
			}
			const fields = splitCsvLine(line);
			if (fields.every((field) => field.trim().length === 0)) {
				continue; // a row of bare commas (real selected_tags.csv files have one)
			}
			const [name, category, count, aliases] = wd14 ? fields.slice(1) : fields;
			if (!name?.trim() || (category !== undefined && !/^\s*\d*\s*$/.test(category))) {
				throw new Error(`${source}, line ${index + 1}: expected ${wd14 ? WD14_COLUMNS : A1111_COLUMNS} but found "${line.slice(0, 80)}". Use a WD14 selected_tags.csv or an a1111 tag-autocomplete CSV.`);
			}
			rows++;
			this.add(
				{ name: name.trim(), category: Number(category ?? 0) || 0, count: Number(count) || 0 },
				aliases ? aliases.split(',').map((a) => a.trim()).filter((a) => a.length > 0) : [],
			);
		}
		return rows;
	}

	/** For the linter: a known tag, an alias (with its canonical entry), or unknown with the nearest known tag. */
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

	/** The canonical entry for a tag or one of its aliases; undefined for a tag the lists do not hold. */
	canonical(tag: string): VocabularyEntry | undefined {
		const key = normalizeTag(tag);
		return this.known.get(key) ?? this.aliases.get(key);
	}

	/** The closest known tag within a small edit distance (1 for short tags, 2 from 6 characters), most used first on ties. */
	nearest(key: string): VocabularyEntry | undefined {
		if (this.suggestions.has(key)) {
			return this.suggestions.get(key);
		}
		const byLength = this.lengthIndex();
		const max = key.length < 6 ? 1 : 2;
		let best: VocabularyEntry | undefined;
		let bestDistance = max + 1;
		for (let length = key.length - max; length <= key.length + max; length++) {
			for (const candidate of byLength.get(length) ?? []) {
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

	/** For completion: tags whose name or alias starts with `prefix`, most posts first. */
	complete(prefix: string, limit = 50): VocabularyMatch[] {
		const key = normalizeTag(prefix);
		if (!key) {
			return [];
		}
		if (!this.sortedNames || !this.sortedAliases) {
			this.sortedNames = [...this.known.keys()].sort();
			this.sortedAliases = [...this.aliases.keys()].filter((k) => !this.known.has(k)).sort();
		}
		const matches = new Map<VocabularyEntry, { entry: VocabularyEntry; alias?: string }>();
		for (const name of prefixRange(this.sortedNames, key)) {
			const entry = this.known.get(name)!;
			matches.set(entry, { entry });
		}
		for (const alias of prefixRange(this.sortedAliases, key)) {
			const entry = this.aliases.get(alias)!;
			if (!matches.has(entry)) {
				matches.set(entry, { entry, alias });
			}
		}
		return [...matches.values()]
			.sort((a, b) => b.entry.count - a.entry.count)
			.slice(0, limit)
			.map((m) => ({ tag: captionForm(m.entry.name), ...m }));
	}

	private lengthIndex(): Map<number, string[]> {
		if (!this.byLength) {
			this.byLength = new Map();
			for (const key of this.known.keys()) {
				const bucket = this.byLength.get(key.length);
				if (bucket) {
					bucket.push(key);
				} else {
					this.byLength.set(key.length, [key]);
				}
			}
		}
		return this.byLength;
	}
}

function* prefixRange(sorted: readonly string[], prefix: string): Generator<string> {
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

/** Parses one list held in memory (either format); throws an Error naming `source` and the line when it is neither. */
export function parseVocabulary(text: string, source: string): TagVocabulary {
	const vocabulary = new TagVocabulary([source]);
	vocabulary.addCsv(text, source);
	return vocabulary;
}

/**
 * Loads and merges the tag lists (paths absolute or relative to `root`, the training folder). An unreadable,
 * malformed or empty list is an Error naming the file and what to fix.
 */
export async function loadVocabulary(paths: readonly string[], root?: string): Promise<TagVocabulary> {
	const files = paths.map((p) => (root && !isAbsolute(p) ? join(root, p) : p));
	const settingsFile = root ? join(root, SETTINGS_FILE_NAME) : SETTINGS_FILE_NAME;
	const vocabulary = new TagVocabulary(files);
	for (const file of files) {
		let text: string;
		try {
			text = await fs.readFile(file, 'utf8');
		} catch (err) {
			throw new Error(`The tag list ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix lint.vocabulary in ${settingsFile}.`, { cause: err });
		}
		if (vocabulary.addCsv(text, file) === 0) {
			throw new Error(`The tag list ${file} holds no tags; expected a WD14 selected_tags.csv or an a1111 tag-autocomplete CSV.`);
		}
	}
	return vocabulary;
}

const shared = new Map<string, { stamp: string; vocabulary: Promise<TagVocabulary> }>();

/**
 * loadVocabulary, kept per process while the files are unchanged (same mtime and size), so the linter and
 * caption completion in one extension host hold one copy of a 140k-tag list. A failed load is not kept.
 */
export async function sharedVocabulary(paths: readonly string[], root: string): Promise<TagVocabulary> {
	const files = paths.map((p) => (isAbsolute(p) ? p : join(root, p)));
	const stamps = await Promise.all(files.map((f) => fs.stat(f).then((s) => `${s.mtimeMs}:${s.size}`, () => 'missing')));
	const key = `${root}\0${files.join('\0')}`;
	const stamp = stamps.join('|');
	const cached = shared.get(key);
	if (cached && cached.stamp === stamp) {
		return cached.vocabulary;
	}
	const vocabulary = loadVocabulary(files, root);
	shared.set(key, { stamp, vocabulary });
	vocabulary.catch(() => shared.delete(key));
	return vocabulary;
}
