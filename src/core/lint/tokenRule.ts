import { ParsedCaption } from '../caption';
import { CaptionContext } from './context';
import { TextIssue } from './types';

/** Flux.1 dev's T5-XXL keeps 512 tokens (flux_train_network.py: t5xxl_max_token_length, 256 for schnell). */
export const FLUX_T5_MAX_TOKENS = 512;

/**
 * `token-overflow`: sd-scripts tokenizes the caption and keeps `max_token_length` tokens (75 by default)
 * between the start and end markers; the rest is cut. The tags that fall past the limit are named. That is CLIP's
 * rule, for SD1.5 and SDXL; Flux.1 reads the caption with T5, which keeps 512 tokens: only a caption past that is
 * reported (counted with the CLIP tokenizer, which splits English text into about as many pieces as T5's).
 */
export function tokenOverflowRule(parsed: ParsedCaption, ctx: CaptionContext): TextIssue[] {
	const counter = ctx.tokenCounter;
	const line = parsed.firstLine;
	const ends = counter.tokenEnds(line);
	const total = ends.length;
	if (ctx.model === 'flux1') {
		const limit = ctx.t5MaxTokens ?? FLUX_T5_MAX_TOKENS;
		return total <= limit || parsed.tags.length === 0 ? [] : [{
			code: 'token-overflow', start: parsed.tags[0].start, end: parsed.tags[parsed.tags.length - 1].end,
			message: `The caption is about ${total} tokens; Flux.1's T5 keeps ${limit} (t5xxl_max_token_length), so its end is cut off. Shorten the caption.`,
		}];
	}
	if (total <= ctx.maxTokens || parsed.tags.length === 0) {
		return [];
	}
	// The first tag that reaches the piece of the first token past the limit is the first one cut.
	const cutEnd = ends[ctx.maxTokens];
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
