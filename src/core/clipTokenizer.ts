import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { writeFileAtomic } from './atomicWrite';
import { Steps, runInSlices, runToEnd } from './slices';

const gunzipAsync = promisify(gunzip);

/**
 * The CLIP BPE tokenizer of Stable Diffusion 1.5's text encoder, as sd-scripts uses it (transformers'
 * CLIPTokenizer with ftfy installed): counts match the 75-token window the trainer keeps.
 *
 * The merges come from either OpenAI's `bpe_simple_vocab_16e6.txt.gz` or the SD1.5 `tokenizer/merges.txt`;
 * both start with a `#version` line and CLIP uses the first 48,894 merges of either.
 */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;
/** sha256 of the 48,894 merge lines joined with "\n": the same for both file formats. */
export const CLIP_MERGES_SHA256 = 'f61f2adf497e6f5357c347aeb4646fabe82f341e946de5bdec5d2858e41bef4a';
/** SD1.5's tokenizer files, pinned to one commit of the Hugging Face repository. */
export const CLIP_MERGES_URL = 'https://huggingface.co/stable-diffusion-v1-5/stable-diffusion-v1-5/resolve/f03de327dd89b501a01da37fc5240cf4fdba85a1/tokenizer/merges.txt';
export const CLIP_BOS = 49406;
export const CLIP_EOS = 49407;

const PIECE_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** CLIP's reversible byte-to-character table (printable bytes map to themselves). */
function bytesToUnicode(): string[] {
	const bytes: number[] = [];
	for (const [from, to] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]]) {
		for (let b = from; b <= to; b++) {
			bytes.push(b);
		}
	}
	const chars = bytes.slice();
	let extra = 0;
	for (let b = 0; b < 256; b++) {
		if (!bytes.includes(b)) {
			bytes.push(b);
			chars.push(256 + extra++);
		}
	}
	const table = new Array<string>(256);
	bytes.forEach((b, i) => { table[b] = String.fromCharCode(chars[i]); });
	return table;
}

/**
 * The parts of ftfy's `fix_text` that can change caption text: NFC, curly quotes to straight ones,
 * Latin ligatures and full-width letters. HTML entities are not touched, as in transformers' tokenizer.
 */
function fixText(text: string): string {
	return text
		.replace(/[\u2018\u2019\u201A\u201B]/g, '\'')
		.replace(/[\u201C\u201D\u201E\u201F]/g, '"')
		.replace(/[\uFB00-\uFB06\uFF01-\uFF5E\u3000]/g, (c) => c.normalize('NFKC'))
		.normalize('NFC');
}

export interface TokenCounter {
	/** Tokens between the start and end markers. */
	count(text: string): number;
	/** For each token, where its piece ends in `normalize(text)`: token i exists past the limit iff i >= the limit. */
	tokenEnds(text: string): number[];
	/** The text as the tokenizer sees it (offsets of `tokenEnds` refer to it); prefix-stable for caption text. */
	normalize(text: string): string;
	/** True when the count is an estimate (no vocabulary at hand). */
	readonly estimated: boolean;
}

export class ClipTokenizer implements TokenCounter {
	readonly estimated = false;
	private readonly byteEncoder = bytesToUnicode();
	private readonly ranks = new Map<string, number>();
	private readonly encoder = new Map<string, number>();
	private readonly cache = new Map<string, string[]>();

	constructor(merges: readonly string[], build = true) {
		if (merges.length < CLIP_MERGE_COUNT) {
			throw new Error(`the CLIP vocabulary has ${merges.length} merges, ${CLIP_MERGE_COUNT} are needed`);
		}
		if (build) {
			runToEnd(this.buildSteps(merges));
		}
	}

	/**
	 * Built in slices: the tables of 49,000 merges took 60-110 ms in one piece, which blocked the extension host as a
	 * folder opened (issue 22).
	 */
	static inSlices(merges: readonly string[]): Promise<ClipTokenizer> {
		const tokenizer = new ClipTokenizer(merges, false);
		return runInSlices(tokenizer.buildSteps(merges)).then(() => tokenizer);
	}

	private *buildSteps(merges: readonly string[]): Steps<void> {
		for (let rank = 0; rank < CLIP_MERGE_COUNT; rank++) {
			this.ranks.set(merges[rank], rank);
			if ((rank & 255) === 0) {
				yield;
			}
		}
		let id = 0;
		for (const token of [...this.byteEncoderOrder(), ...this.byteEncoderOrder().map((c) => `${c}</w>`)]) {
			this.encoder.set(token, id++);
		}
		for (let rank = 0; rank < CLIP_MERGE_COUNT; rank++) {
			this.encoder.set(merges[rank].replace(' ', ''), id++);
			if ((rank & 255) === 0) {
				yield;
			}
		}
		this.encoder.set('<|startoftext|>', id++);
		this.encoder.set('<|endoftext|>', id);
	}

	/** The byte characters in CLIP's vocabulary order (ascending code point, which is the table's build order). */
	private byteEncoderOrder(): string[] {
		return [...this.byteEncoder].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
	}

	normalize(text: string): string {
		return fixText(text).replace(/\s+/g, ' ').trim().toLowerCase();
	}

	/** BPE sub-tokens of the caption text (no start/end markers). */
	tokenize(text: string): string[] {
		const tokens: string[] = [];
		for (const match of this.normalize(text).matchAll(PIECE_PATTERN)) {
			tokens.push(...this.pieceTokens(match[0]));
		}
		return tokens;
	}

	tokenEnds(text: string): number[] {
		const ends: number[] = [];
		const normalized = this.normalize(text);
		// An exec loop, as in estimatedTokenCounter: no iterator object per piece.
		PIECE_PATTERN.lastIndex = 0;
		for (let match = PIECE_PATTERN.exec(normalized); match !== null; match = PIECE_PATTERN.exec(normalized)) {
			const end = match.index + match[0].length;
			for (let i = this.pieceTokens(match[0]).length; i > 0; i--) {
				ends.push(end);
			}
		}
		return ends;
	}

	private pieceTokens(piece: string): string[] {
		const cached = this.cache.get(piece);
		if (cached) {
			return cached;
		}
		let mapped = '';
		for (const byte of Buffer.from(piece, 'utf8')) {
			mapped += this.byteEncoder[byte];
		}
		const tokens = this.bpe(mapped);
		if (this.cache.size < 100_000) {
			this.cache.set(piece, tokens);
		}
		return tokens;
	}

	/** Token ids with the start and end markers, without padding or truncation. */
	encode(text: string): number[] {
		return [CLIP_BOS, ...this.tokenize(text).map((t) => this.encoder.get(t) ?? -1), CLIP_EOS];
	}

	count(text: string): number {
		let count = 0;
		for (const match of this.normalize(text).matchAll(PIECE_PATTERN)) {
			count += this.pieceTokens(match[0]).length;
		}
		return count;
	}

	private bpe(token: string): string[] {
		if (token === '<|startoftext|>' || token === '<|endoftext|>') {
			return [token];
		}
		let word = [...token.slice(0, -1), `${token.slice(-1)}</w>`];
		while (word.length > 1) {
			let best: number | undefined;
			let bestRank = Infinity;
			for (let i = 0; i < word.length - 1; i++) {
				const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
				if (rank !== undefined && rank < bestRank) {
					bestRank = rank;
					best = i;
				}
			}
			if (best === undefined) {
				break;
			}
			const first = word[best];
			const second = word[best + 1];
			const merged: string[] = [];
			for (let i = 0; i < word.length; i++) {
				if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
					merged.push(first + second);
					i++;
				} else {
					merged.push(word[i]);
				}
			}
			word = merged;
		}
		return word;
	}
}

/** Rough count when the vocabulary is missing: one token per short word or punctuation run, more for long words. */
const STARTS_WITH_LETTER = /^\p{L}/u;

/** Whether a piece of lower-cased text begins with a letter; ASCII answered without a regular expression. */
function startsWithLetter(piece: string): boolean {
	const code = piece.charCodeAt(0);
	return code < 0x80 ? code >= 97 && code <= 122 : STARTS_WITH_LETTER.test(piece);
}

export const estimatedTokenCounter: TokenCounter = {
	estimated: true,
	normalize: (text) => text.toLowerCase(),
	tokenEnds(text: string): number[] {
		const ends: number[] = [];
		const lower = text.toLowerCase();
		// An exec loop, not matchAll: the lint asks this of thousands of captions' lines, and each step of matchAll's
		// iterator was an object more.
		PIECE_PATTERN.lastIndex = 0;
		for (let match = PIECE_PATTERN.exec(lower); match !== null; match = PIECE_PATTERN.exec(lower)) {
			const piece = match[0];
			const end = match.index + piece.length;
			const tokens = startsWithLetter(piece) ? Math.max(1, Math.ceil(piece.length / 6)) : 1;
			for (let i = 0; i < tokens; i++) {
				ends.push(end);
			}
		}
		return ends;
	},
	count(text: string): number {
		return this.tokenEnds(text).length;
	},
};

/** The merge lines of either file format (gzipped or plain), header skipped, checked against the pinned digest. */
export function parseClipMerges(bytes: Uint8Array, source: string): string[] {
	return runToEnd(mergesSteps(isGzip(bytes) ? gunzipSync(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), source));
}

function isGzip(bytes: Uint8Array): boolean {
	return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The merges sd-scripts' tokenizer uses, from the file's bytes, in steps. Only the lines up to the last used merge
 * are decoded (the file has ~210,000 more), and the load yields between pieces: in one piece it blocked the
 * extension host for 130-290 ms as a folder opened (issue 22).
 */
function* mergesSteps(raw: Buffer, source: string): Steps<string[]> {
	let end = 0;
	for (let line = 0; line <= CLIP_MERGE_COUNT; line++) {
		const newline = raw.indexOf(10, end);
		if (newline === -1) {
			end = raw.length;
			break;
		}
		end = newline + 1;
	}
	const text = raw.toString('utf8', 0, end).replace(/\r\n/g, '\n').trim();
	yield;
	let newline = text.indexOf('\n');
	if (!(newline === -1 ? text : text.slice(0, newline)).includes('#version')) {
		throw new Error(`${source} is not a CLIP BPE merges file (no "#version" first line)`);
	}
	const merges: string[] = [];
	const hash = createHash('sha256');
	while (newline !== -1 && merges.length < CLIP_MERGE_COUNT) {
		const start = newline + 1;
		newline = text.indexOf('\n', start);
		merges.push(newline === -1 ? text.slice(start) : text.slice(start, newline));
		if (merges.length % 4096 === 0) {
			hash.update(`${merges.length > 4096 ? '\n' : ''}${merges.slice(-4096).join('\n')}`);
			yield;
		}
	}
	const rest = merges.length % 4096;
	if (rest > 0) {
		hash.update(`${merges.length > rest ? '\n' : ''}${merges.slice(-rest).join('\n')}`);
	}
	const digest = hash.digest('hex');
	if (merges.length < CLIP_MERGE_COUNT || digest !== CLIP_MERGES_SHA256) {
		throw new Error(`${source} is not the Stable Diffusion 1.5 CLIP vocabulary (${merges.length} merges, digest ${digest.slice(0, 12)}); delete it so it is downloaded again`);
	}
	return merges;
}

/** Loads a vocabulary file: unzipped on libuv's thread pool, read and built in slices. */
export async function loadClipTokenizer(path: string): Promise<ClipTokenizer> {
	const bytes = await fs.readFile(path);
	const merges = await runInSlices(mergesSteps(isGzip(bytes) ? await gunzipAsync(bytes) : bytes, path));
	return ClipTokenizer.inSlices(merges);
}

/** Where the downloaded vocabulary is kept: `$XDG_CACHE_HOME/lora-workbench` or `~/.cache/lora-workbench`. */
export function defaultCacheDir(): string {
	return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lora-workbench');
}

export interface ClipVocabularyOptions {
	/** A vocabulary file to use as is (gzipped or plain); no download. */
	path?: string;
	cacheDir?: string;
	/** Download the merges when they are not cached (default true). */
	download?: boolean;
	url?: string;
	/** Milliseconds before a download is given up (default 30 s). */
	timeoutMs?: number;
}

/** The default choice: `LORA_WORKBENCH_CLIP_VOCAB` (a vocabulary file) when set, else the cache, downloaded once. */
export function defaultClipVocabulary(offline = false): ClipVocabularyOptions {
	const path = process.env.LORA_WORKBENCH_CLIP_VOCAB;
	return path ? { path } : { download: !offline };
}

export function cachedMergesPath(cacheDir: string): string {
	return join(cacheDir, `clip-merges-${CLIP_MERGES_SHA256.slice(0, 12)}.txt`);
}

/** Fetches the pinned merges file, checks its digest and stores it in the cache; returns the cached path. */
export async function downloadClipMerges(cacheDir: string, url = CLIP_MERGES_URL, timeoutMs = 30_000): Promise<string> {
	const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
	if (!response.ok) {
		throw new Error(`downloading the CLIP vocabulary from ${url} failed: HTTP ${response.status}`);
	}
	const bytes = new Uint8Array(await response.arrayBuffer());
	const merges = parseClipMerges(bytes, url);
	const target = cachedMergesPath(cacheDir);
	await fs.mkdir(dirname(target), { recursive: true });
	await writeFileAtomic(target, `#version: 0.2\n${merges.join('\n')}\n`);
	return target;
}

export interface ResolvedTokenCounter {
	counter: TokenCounter;
	/** Why the estimate is used, when it is. */
	fallbackReason?: string;
	/** The vocabulary file the exact counter was loaded from: a lint thread loads the same (lintThread.ts). */
	file?: string;
}

/**
 * The exact tokenizer from the given file, the cache, or a one-time download; the estimate (with the
 * reason) when none of these works, so linting never stops for want of the vocabulary.
 */
export async function resolveTokenCounter(options: ClipVocabularyOptions = {}): Promise<ResolvedTokenCounter> {
	try {
		if (options.path) {
			return { counter: await loadClipTokenizer(options.path), file: options.path };
		}
		const cacheDir = options.cacheDir ?? defaultCacheDir();
		const cached = cachedMergesPath(cacheDir);
		const exists = await fs.stat(cached).then(() => true, () => false);
		if (exists) {
			return { counter: await loadClipTokenizer(cached), file: cached };
		}
		if (options.download === false) {
			return { counter: estimatedTokenCounter, fallbackReason: `the CLIP vocabulary is not cached in ${cacheDir} and downloading is off` };
		}
		const downloaded = await downloadClipMerges(cacheDir, options.url, options.timeoutMs);
		return { counter: await loadClipTokenizer(downloaded), file: downloaded };
	} catch (err) {
		return { counter: estimatedTokenCounter, fallbackReason: err instanceof Error ? err.message : String(err) };
	}
}
