import { ParsedCaption } from '../caption';
import { TokenCounter } from '../clipTokenizer';
import { CaptionContext } from './context';
import { TagFacts, captionTagFacts } from './tagFacts';
import { TextIssue } from './types';

/** Flux.1 dev's T5-XXL keeps 512 tokens (flux_train_network.py: t5xxl_max_token_length, 256 for schnell). */
export const FLUX_T5_MAX_TOKENS = 512;

/**
 * `token-overflow`: sd-scripts tokenizes the caption and keeps `max_token_length` tokens (75 by default)
 * between the start and end markers; the rest is cut. The tags that fall past the limit are named. That is CLIP's
 * rule, for SD1.5 and SDXL; Flux.1 reads the caption with T5, which keeps 512 tokens: only a caption past that is
 * reported (counted with the CLIP tokenizer, which splits English text into about as many pieces as T5's).
 */
/** Token counts of single tags, per counter: a dataset repeats a few thousand tags (issue 22). */
const tagTokens = new WeakMap<TokenCounter, Map<string, number>>();

function tokensOfTag(counter: TokenCounter, text: string, fact?: TagFacts): number {
	if (fact?.tokens?.counter === counter) {
		return fact.tokens.count;
	}
	let counts = tagTokens.get(counter);
	if (!counts) {
		counts = new Map();
		tagTokens.set(counter, counts);
	}
	let count = counts.get(text);
	if (count === undefined) {
		count = counter.count(text);
		if (counts.size > 200_000) {
			counts.clear();
		}
		counts.set(text, count);
	}
	if (fact) {
		fact.tokens = { counter, count };
	}
	return count;
}

/** A run of tags the tokenizer reads apart from its neighbours, with the caption's tokens up to its end. */
interface TokenSegment {
	first: number;
	last: number;
	through: number;
}

/** The caption's token count, and the first segment that goes past `maxTokens` (cutFirst = -1: none does). */
interface SegmentTotal {
	total: number;
	cutFirst: number;
	cutLast: number;
}

/**
 * The caption's tokens, counted by tag instead of over the whole line: a dataset repeats a few thousand
 * tags, so each is tokenized once. A comma with whitespace or an ASCII letter or digit on both sides is a
 * tokenizer piece of its own; tags joined by any other comma (`star (symbol),` is one piece `),`) are counted
 * together as one segment. `visit` gets each segment; false when parseCaption found an empty piece (`a,,b`):
 * the caller tokenizes the whole line then.
 */
function forEachTokenSegment(parsed: ParsedCaption, counter: TokenCounter, facts: readonly TagFacts[], visit: (first: number, last: number, through: number) => void): boolean {
	const { tags, firstLine } = parsed;
	if (parsed.emptyTagOffsets.length > 0) {
		return false;
	}
	const separator = tokensOfTag(counter, ',');
	let total = 0;
	let first = 0;
	for (let i = 0; i < tags.length; i++) {
		const comma = i + 1 < tags.length ? firstLine.indexOf(',', tags[i].end) : -1;
		const joined = comma !== -1 && ((comma === tags[i].end && !facts[i].alnumEnd) || (comma + 1 === tags[i + 1].start && !facts[i + 1].alnumStart));
		if (joined) {
			continue;
		}
		const tokens = first === i ? tokensOfTag(counter, tags[i].text, facts[i]) : counter.count(firstLine.slice(tags[first].start, tags[i].end));
		total += (first > 0 ? separator : 0) + tokens;
		visit(first, i, total);
		first = i + 1;
	}
	return true;
}

/** The segments of forEachTokenSegment as a list (tests compare them with the whole line's tokens). */
export function tokenSegments(parsed: ParsedCaption, counter: TokenCounter, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TokenSegment[] | undefined {
	const segments: TokenSegment[] = [];
	return forEachTokenSegment(parsed, counter, facts, (first, last, through) => { segments.push({ first, last, through }); }) ? segments : undefined;
}

/**
 * The caption's total and its first segment past the limit, without a list of segments: an object per tag
 * per caption was the lint's second largest source of garbage (issue 22).
 */
function segmentTotal(parsed: ParsedCaption, counter: TokenCounter, maxTokens: number, facts: readonly TagFacts[]): SegmentTotal | undefined {
	const result: SegmentTotal = { total: 0, cutFirst: -1, cutLast: -1 };
	const complete = forEachTokenSegment(parsed, counter, facts, (first, last, through) => {
		result.total = through;
		if (result.cutFirst === -1 && through > maxTokens) {
			result.cutFirst = first;
			result.cutLast = last;
		}
	});
	return complete ? result : undefined;
}

/**
 * The index of the first tag cut off and the caption's token count, by tokenizing the whole line: the
 * straightforward way, for captions tokenSegments cannot answer (and the reference it is tested against).
 */
export function firstCutTagByLine(parsed: ParsedCaption, counter: TokenCounter, maxTokens: number): { first: number; total: number } {
	const line = parsed.firstLine;
	const ends = counter.tokenEnds(line);
	if (ends.length <= maxTokens) {
		return { first: parsed.tags.length, total: ends.length };
	}
	// The first tag that reaches the piece of the first token past the limit is the first one cut.
	const cutEnd = ends[maxTokens];
	let low = 0;
	let high = parsed.tags.length - 1;
	while (low < high) {
		const mid = (low + high) >> 1;
		if (counter.normalize(line.slice(0, parsed.tags[mid].end)).length >= cutEnd) {
			high = mid;
		} else {
			low = mid + 1;
		}
	}
	return { first: low, total: ends.length };
}

/**
 * The same from the tags' own counts (tokenSegments). The first token past the limit lies in a segment, or is
 * the comma before it; a segment of one tag is that tag. Only a cut inside a segment of several tags needs the line.
 */
export function firstCutTag(parsed: ParsedCaption, counter: TokenCounter, maxTokens: number, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): { first: number; total: number } {
	const segments = segmentTotal(parsed, counter, maxTokens, facts);
	if (!segments) {
		return firstCutTagByLine(parsed, counter, maxTokens);
	}
	const { total, cutFirst, cutLast } = segments;
	if (total <= maxTokens) {
		return { first: parsed.tags.length, total };
	}
	return cutFirst === cutLast ? { first: cutFirst, total } : firstCutTagByLine(parsed, counter, maxTokens);
}

export function tokenOverflowRule(parsed: ParsedCaption, ctx: CaptionContext, facts?: readonly TagFacts[]): TextIssue[] {
	const counter = ctx.tokenCounter;
	if (parsed.tags.length === 0) {
		return [];
	}
	if (ctx.model === 'flux1') {
		const limit = ctx.t5MaxTokens ?? FLUX_T5_MAX_TOKENS;
		const total = segmentTotal(parsed, counter, limit, facts ?? captionTagFacts(parsed.tags))?.total ?? counter.tokenEnds(parsed.firstLine).length;
		return total <= limit ? [] : [{
			code: 'token-overflow', start: parsed.tags[0].start, end: parsed.tags[parsed.tags.length - 1].end,
			message: `The caption is about ${total} tokens; Flux.1's T5 keeps ${limit} (t5xxl_max_token_length), so its end is cut off. Shorten the caption.`,
		}];
	}
	const { first: low, total } = firstCutTag(parsed, counter, ctx.maxTokens, facts);
	if (total <= ctx.maxTokens) {
		return [];
	}
	const cut = parsed.tags.slice(low);
	const first = cut[0];
	const last = cut[cut.length - 1];
	const estimate = counter.estimated ? ' (estimated: the CLIP vocabulary is not available)' : '';
	const shuffled = ctx.shuffleCaption ? ' With shuffle_caption on, a different random set is cut each step.' : '';
	const limitHint = ctx.maxTokens === 75 ? ' Shorten the caption or set training.maxTokenLength to 150 or 225.' : ' Shorten the caption.';
	const named = cut.slice(0, 8).map((t) => `"${t.text}"`).join(', ') + (cut.length > 8 ? `, and ${cut.length - 8} more` : '');
	return [{
		code: 'token-overflow', start: first.start, end: last.end,
		message: `The caption is ${total} CLIP tokens${estimate}; sd-scripts keeps ${ctx.maxTokens}, so ${named} ${cut.length === 1 ? 'is' : 'are'} cut off.${shuffled}${limitHint}`,
	}];
}
