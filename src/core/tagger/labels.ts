import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/**
 * The label side of a WD14 model: `selected_tags.csv` read the way sd-scripts'
 * `tag_images_by_wd14_tagger.py` reads it (sd-scripts.md §11). The output vector maps to labels by
 * position: four ratings, then general tags in CSV order, then character tags.
 */
export interface TaggerLabels {
	ratingTags: string[];
	generalTags: string[];
	characterTags: string[];
}

export interface LabelProcessing {
	/** `--remove_underscore`: `_` becomes a space only in tags longer than 3 characters (kaomoji like `^_^` survive). */
	removeUnderscores: boolean;
	/** `--character_tag_expand`: `name_(series)` becomes `name<separator>series`. */
	expandCharacterTags: boolean;
	/** `--tag_replacement` pairs, applied after the two steps above, exact match on the processed name. */
	replacements: ReadonlyArray<readonly [string, string]>;
	captionSeparator: string;
}

export class TaggerModelError extends Error {}

export const TAGS_FILE = 'selected_tags.csv';
const RATING_CATEGORY = '9';
const GENERAL_CATEGORY = '0';
const CHARACTER_CATEGORY = '4';

export async function readLabels(modelDir: string): Promise<TaggerLabels> {
	const file = join(modelDir, TAGS_FILE);
	let text: string;
	try {
		text = await fs.readFile(file, 'utf8');
	} catch {
		throw new TaggerModelError(`${file} is missing: a WD14 model folder must hold model.onnx and ${TAGS_FILE} from the same Hugging Face repository. Download the model again (LoRA: Manage Tagger Models) or copy ${TAGS_FILE} from the model's repository.`);
	}
	return parseLabels(text, file);
}

export function parseLabels(text: string, file = TAGS_FILE): TaggerLabels {
	const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).filter((line) => line.length > 0);
	const header = lines[0] === undefined ? [] : parseCsvLine(lines[0]);
	if (header[0] !== 'tag_id' || header[1] !== 'name' || header[2] !== 'category') {
		throw new TaggerModelError(`${file} does not start with the header "tag_id,name,category": it is not a WD14 ${TAGS_FILE}. Use the file from the same repository as model.onnx.`);
	}
	const labels: TaggerLabels = { ratingTags: [], generalTags: [], characterTags: [] };
	for (let i = 1; i < lines.length; i++) {
		const [, name, category] = parseCsvLine(lines[i]);
		if (name === undefined || category === undefined) {
			throw new TaggerModelError(`${file}, line ${i + 1}: expected tag_id,name,category but found "${lines[i]}".`);
		}
		if (category === RATING_CATEGORY) {
			labels.ratingTags.push(name);
		} else if (category === GENERAL_CATEGORY) {
			labels.generalTags.push(name);
		} else if (category === CHARACTER_CATEGORY) {
			labels.characterTags.push(name);
		}
	}
	return labels;
}

export function labelCount(labels: TaggerLabels): number {
	return labels.ratingTags.length + labels.generalTags.length + labels.characterTags.length;
}

/** Fails with a message naming both files when the CSV cannot describe the model's output. */
export function checkLabelsMatchModel(labels: TaggerLabels, outputSize: number, csvFile: string, modelFile: string): void {
	if (labels.ratingTags.length !== 4) {
		throw new TaggerModelError(`${csvFile} lists ${labels.ratingTags.length} rating rows (category 9); WD14 models have exactly 4 (general, sensitive, questionable, explicit). Use the ${TAGS_FILE} from the same repository as the model.`);
	}
	const count = labelCount(labels);
	if (count !== outputSize) {
		throw new TaggerModelError(`${csvFile} lists ${count} tags but ${modelFile} outputs ${outputSize} scores: the two files come from different models. Put the ${TAGS_FILE} of the same repository beside model.onnx (or download the model again).`);
	}
}

/** Applies the string handling of sd-scripts (expand, underscores, replacements) once to the label lists. */
export function processLabels(labels: TaggerLabels, processing: LabelProcessing): TaggerLabels {
	const replacements = new Map(processing.replacements.map(([from, to]) => [from, to] as const));
	const finish = (tag: string) => {
		const spaced = processing.removeUnderscores && tag.length > 3 ? tag.replace(/_/g, ' ') : tag;
		return replacements.get(spaced) ?? spaced;
	};
	const expand = (tag: string) => {
		if (!processing.expandCharacterTags || !tag.endsWith(')')) {
			return tag;
		}
		const open = tag.lastIndexOf('(');
		if (open === -1) {
			return tag;
		}
		const name = tag.slice(0, open).replace(/_+$/, '');
		return `${name}${processing.captionSeparator}${tag.slice(open + 1, -1)}`;
	};
	return {
		ratingTags: labels.ratingTags.map(finish),
		generalTags: labels.generalTags.map(finish),
		characterTags: labels.characterTags.map((tag) => finish(expand(tag))),
	};
}

/**
 * `--tag_replacement "src1,dst1;src2,dst2"`: pairs split on `;`, source and target on `,`; `\,` and `\;`
 * stand for literal characters.
 */
export function parseTagReplacements(text: string): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	const unescape = (value: string) => value.replace(/\\([,;])/g, '$1').trim();
	for (const pair of splitUnescaped(text, ';')) {
		if (pair.trim().length === 0) {
			continue;
		}
		const parts = splitUnescaped(pair, ',');
		if (parts.length !== 2 || unescape(parts[0]).length === 0) {
			throw new TaggerModelError(`tag replacement "${pair}" must be "source,target" (pairs separated by ";", write \\, or \\; for a literal comma or semicolon).`);
		}
		pairs.push([unescape(parts[0]), unescape(parts[1])]);
	}
	return pairs;
}

function splitUnescaped(text: string, separator: string): string[] {
	const parts: string[] = [];
	let current = '';
	for (let i = 0; i < text.length; i++) {
		if (text[i] === '\\' && i + 1 < text.length) {
			current += text[i] + text[i + 1];
			i++;
		} else if (text[i] === separator) {
			parts.push(current);
			current = '';
		} else {
			current += text[i];
		}
	}
	parts.push(current);
	return parts;
}

/** One CSV record the way Python's csv.reader reads it: quotes only delimit a field that starts with one. */
export function parseCsvLine(line: string): string[] {
	const fields: string[] = [];
	let i = 0;
	for (;;) {
		let field = '';
		if (line[i] === '"') {
			i++;
			while (i < line.length) {
				if (line[i] === '"' && line[i + 1] === '"') {
					field += '"';
					i += 2;
				} else if (line[i] === '"') {
					i++;
					break;
				} else {
					field += line[i++];
				}
			}
			while (i < line.length && line[i] !== ',') {
				field += line[i++];
			}
		} else {
			while (i < line.length && line[i] !== ',') {
				field += line[i++];
			}
		}
		fields.push(field);
		if (i >= line.length) {
			return fields;
		}
		i++;
	}
}
