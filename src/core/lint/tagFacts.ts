import type { TokenCounter } from '../clipTokenizer';
import { tagKey } from './tagKey';

/** How a tag joins its words (the tag-style rule compares it with the caption's or the dataset's). */
export type TagStyle = 'underscore' | 'space';

/** C0 and C1 control characters other than tab and line breaks; NUL included. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** The way a tag joins its words; undefined for one-word tags and kaomoji (3 characters or less). */
export function tagStyleOf(text: string): TagStyle | undefined {
	if (text.length <= 3) {
		return undefined;
	}
	const underscore = text.includes('_');
	const space = /\S\s+\S/.test(text);
	return underscore && !space ? 'underscore' : space && !underscore ? 'space' : undefined;
}

/** Parentheses or brackets that do not pair up (escaped ones `\(` do not count). */
export function unbalanced(text: string): boolean {
	if (!/[()[\]]/.test(text)) {
		return false; // no brackets at all (nearly every tag): balanced, without the replace and the splits
	}
	let depth = 0;
	const plain = text.replace(/\\[()[\]]/g, '');
	for (const c of plain) {
		depth += c === '(' ? 1 : c === ')' ? -1 : 0;
		if (depth < 0) {
			return true;
		}
	}
	return depth !== 0 || (plain.split('[').length !== plain.split(']').length);
}

/** Ends like a weight (`:1.2`, `:1.2)`, `:1.2]`). */
export const WEIGHT_LIKE = /:\s*[-+]?\d*\.?\d+\s*[)\]]*$/;

/**
 * What the caption rules ask of a tag's text alone, worked out once per distinct text: a 20,000-caption
 * dataset of 30 tags each has 600,000 tags but only a few thousand distinct ones, so the regular expressions
 * run once per distinct tag instead of once per tag per rule (issue 22).
 */
export interface TagFacts {
	key: string;
	style: TagStyle | undefined;
	control: boolean;
	/** Two or more whitespace characters in a row, or a tab. */
	strayWhitespace: boolean;
	unbalanced: boolean;
	/** Ends like a weight (`:1.2`, `:1.2)`): the weight rule looks closer. */
	weightLike: boolean;
	/**
	 * Starts / ends with an ASCII letter or digit: a separator written right next to it is a tokenizer piece
	 * of its own, so the tag's tokens can be counted on their own (see tokensThroughTags).
	 */
	alnumStart: boolean;
	alnumEnd: boolean;
	/** The tag's token count and the counter it is from: kept here, the token rule's lookup per tag is a field read. */
	tokens: { counter: TokenCounter; count: number } | undefined;
	/**
	 * What the subject rules make of the key (subjectRules.ts; -1 until first asked), the conflict groups it belongs
	 * to for one table of groups (conflictRules.ts), and whether it names one trigger (triggerRules.ts): worked out
	 * once per distinct tag and read per tag, where each rule looked the key up in its sets for 600,000 tags.
	 */
	subject: number;
	conflictGroups: { groups: readonly unknown[]; indices: readonly number[] | undefined } | undefined;
	trigger: { trigger: string; names: boolean } | undefined;
	/** Shared by every text with this key (`Smile`, `smile`): where the duplicate rule last saw the key. */
	seen: KeySighting;
}

/**
 * The last caption (a number the duplicate rule draws per caption) that had a key, and the tag text it had
 * there. One per key, kept with the facts: the rule marks the key instead of filling a Map per caption, which
 * was the lint's largest single source of garbage (600,000 entries for 20,000 captions; issue 22).
 */
export interface KeySighting {
	caption: number;
	text: string;
}

const facts = new Map<string, TagFacts>();
const sightings = new Map<string, KeySighting>();

function sightingOf(key: string): KeySighting {
	let sighting = sightings.get(key);
	if (sighting === undefined) {
		sighting = { caption: 0, text: '' };
		sightings.set(key, sighting);
	}
	return sighting;
}

function isAsciiAlnum(code: number): boolean {
	return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Distinct tag texts kept before the tables start again (a host lints many datasets over a session). */
const FACTS_LIMIT = 200_000;

/**
 * Facts and sightings are cleared together, and between captions (captionTagFacts): cleared in the middle of a
 * caption, its earlier tags would keep a key's old sighting and its later ones get a new one, and a duplicate
 * across the two would be missed. Twice the limit is the bound for callers outside a caption (the counting pass).
 */
function clearFacts(): void {
	facts.clear();
	sightings.clear();
}

export function tagFacts(text: string): TagFacts {
	let found = facts.get(text);
	if (found === undefined) {
		if (facts.size > 2 * FACTS_LIMIT) {
			clearFacts();
		}
		const key = tagKey(text);
		found = {
			key,
			style: tagStyleOf(text),
			control: CONTROL_CHARACTER.test(text),
			strayWhitespace: /\s{2,}|\t/.test(text),
			unbalanced: unbalanced(text),
			weightLike: WEIGHT_LIKE.test(text),
			alnumStart: isAsciiAlnum(text.charCodeAt(0)),
			alnumEnd: isAsciiAlnum(text.charCodeAt(text.length - 1)),
			// Every field present from the start: one shape for all facts keeps the rules' reads of them fast.
			tokens: undefined,
			subject: -1,
			conflictGroups: undefined,
			trigger: undefined,
			seen: sightingOf(key),
		};
		facts.set(text, found);
	}
	return found;
}

/** The facts of each of a caption's tags, in order. */
export function captionTagFacts(tags: readonly { text: string }[]): TagFacts[] {
	if (facts.size > FACTS_LIMIT) {
		clearFacts();
	}
	const result = new Array<TagFacts>(tags.length);
	for (let i = 0; i < tags.length; i++) {
		result[i] = tagFacts(tags[i].text);
	}
	return result;
}
