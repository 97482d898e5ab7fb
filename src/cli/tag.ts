import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sweepStaleTempFiles } from '../core/atomicWrite';
import { acquireFolderLock } from '../core/folderLock';
import { CliCommand, CliIo, ParsedArgs, UsageError, booleanFlag, intFlag, stringFlag } from './args';
import { EXISTING_CAPTION_MODES, ExistingCaptionMode } from '../core/tagger/captionMerge';
import { DownloadCancelledError, downloadModel } from '../core/tagger/download';
import { TaggerModelError, parseTagReplacements } from '../core/tagger/labels';
import { DEFAULT_TAGGER_MODEL, KNOWN_TAGGER_MODELS, isValidRepoId } from '../core/tagger/models';
import { TagSelection, splitTagList } from '../core/tagger/selectTags';
import { EXECUTION_PROVIDERS, ExecutionProvider, availableExecutionProviders } from '../core/tagger/session';
import { formatSummary, summarizeTagging } from '../core/tagger/summary';
import { LintAfterTagging, formatLintLines, lintAfterTagging } from '../core/tagger/lintAfterTagging';
import { DEFAULT_BATCH_SIZE, tagImages } from '../core/tagger/tagImages';
import { collectTaggerTargets } from '../core/tagger/targets';
import { countOf } from '../core/plural';

const usage = `Usage: lora-workbench tag <folder|images...> --model <dir|repo id> [options]

Captions images with a WD14 tagger (SmilingWolf models, ONNX), preprocessing and choosing tags exactly as
sd-scripts' tag_images_by_wd14_tagger.py does. A training folder tags its images/ subsets (not reg/) and
puts its trigger word first; a subset folder, a plain folder or image files work too.

Model:
  --model <dir|repo id>      a folder with model.onnx and selected_tags.csv, or a Hugging Face repository id
                             downloaded once into --cache-dir (default ${DEFAULT_TAGGER_MODEL})
  --cache-dir <dir>          where downloaded models are kept (default ~/.cache/lora-workbench/tagger)
  --provider <name>          execution provider: ${EXECUTION_PROVIDERS.join(', ')} (default cpu; falls back to cpu)
  --batch-size <n>           images per inference batch (default ${DEFAULT_BATCH_SIZE}; a model with a fixed batch wins)

Captions:
  --mode <skip|overwrite|append>  images that already have a caption: leave them (default), replace the
                             caption, or append the new tags that are not there yet
  --trigger <word>           first tag (default: the training folder's trigger word)
  --no-trigger               do not add a trigger word
  --class-word <word>        add this class word after the trigger
  --add-class-word           add the training folder's class word after the trigger
  --caption-extension <ext>  default: the training folder's setting, else .txt
  --separator <text>         caption separator (default ", ")

Tag choice (sd-scripts options in brackets):
  --general-threshold <p>    [--general_threshold] default 0.35
  --character-threshold <p>  [--character_threshold] default 0.35
  --rating <first|last>      add the rating tag [--use_rating_tags / --use_rating_tags_as_last_tag]
  --character-tags-first     [--character_tags_first]
  --keep-underscores         keep "_" in tags (default: replaced by spaces in tags longer than 3 characters)
  --expand-character-tags    name_(series) -> name, series [--character_tag_expand]
  --undesired-tags <list>    tags never written, comma separated [--undesired_tags]
  --always-first-tags <list> tags moved to the front when present [--always_first_tags]
  --tag-replacement <pairs>  "src1,dst1;src2,dst2" with \\, and \\; escapes [--tag_replacement]
  --recursive                include sub-folders of a plain folder
  --json                     print the result as JSON

Exit codes: 0 all images tagged or skipped, 1 some images failed or the model is unusable, 2 bad usage.`;

function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
	const raw = stringFlag(args, name);
	if (raw === undefined) {
		return fallback;
	}
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0) {
		throw new UsageError(`--${name} must be a number >= 0 (got "${raw}")`);
	}
	return value;
}

function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
	const raw = stringFlag(args, name);
	if (raw !== undefined && !allowed.includes(raw as T)) {
		throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
	}
	return raw as T | undefined;
}

async function resolveModel(model: string, args: ParsedArgs, io: CliIo): Promise<string> {
	const local = resolve(io.cwd, model);
	if (existsSync(local) && statSync(local).isDirectory()) {
		return local;
	}
	if (!isValidRepoId(model)) {
		throw new UsageError(`--model ${model}: no such folder, and not a Hugging Face repository id (known: ${KNOWN_TAGGER_MODELS.map((m) => m.repoId).join(', ')})`);
	}
	const cacheDir = resolve(io.cwd, stringFlag(args, 'cache-dir') ?? join(homedir(), '.cache', 'lora-workbench', 'tagger'));
	let lastPercent = -1;
	return downloadModel(model, cacheDir, {
		onProgress: (p) => {
			const percent = p.overallTotal ? Math.floor((p.overallReceived / p.overallTotal) * 100) : -1;
			if (percent !== lastPercent && percent % 10 === 0) {
				lastPercent = percent;
				io.err(`downloading ${model}: ${percent}%`);
			}
		},
	});
}

export const tagCommand: CliCommand = {
	name: 'tag',
	summary: 'caption images with a WD14 tagger model (ONNX), as sd-scripts\' tagger does',
	usage,
	flags: {
		model: { type: 'string' }, 'cache-dir': { type: 'string' }, provider: { type: 'string' }, 'batch-size': { type: 'string' },
		mode: { type: 'string' }, trigger: { type: 'string' }, 'no-trigger': { type: 'boolean' }, 'class-word': { type: 'string' }, 'add-class-word': { type: 'boolean' },
		'caption-extension': { type: 'string' }, separator: { type: 'string' },
		'general-threshold': { type: 'string' }, 'character-threshold': { type: 'string' }, rating: { type: 'string' },
		'character-tags-first': { type: 'boolean' }, 'keep-underscores': { type: 'boolean' }, 'expand-character-tags': { type: 'boolean' },
		'undesired-tags': { type: 'string' }, 'always-first-tags': { type: 'string' }, 'tag-replacement': { type: 'string' },
		recursive: { type: 'boolean' }, json: { type: 'boolean' },
	},
	async run(args, io) {
		if (args.positionals.length === 0) {
			throw new UsageError('give a training folder, a folder of images or image files');
		}
		const model = stringFlag(args, 'model');
		if (!model) {
			throw new UsageError(`--model is required: a folder with model.onnx and selected_tags.csv, or a repository id such as ${DEFAULT_TAGGER_MODEL}`);
		}
		const mode = choice<ExistingCaptionMode>(args, 'mode', EXISTING_CAPTION_MODES) ?? 'skip';
		const provider = choice<ExecutionProvider>(args, 'provider', EXECUTION_PROVIDERS) ?? 'cpu';
		const rating = choice(args, 'rating', ['first', 'last'] as const);
		const separator = stringFlag(args, 'separator') ?? ', ';
		const selection: Partial<TagSelection> = {
			generalThreshold: numberFlag(args, 'general-threshold', 0.35),
			characterThreshold: numberFlag(args, 'character-threshold', 0.35),
			ratingTags: rating ?? 'none',
			characterTagsFirst: booleanFlag(args, 'character-tags-first'),
			undesiredTags: splitTagList(stringFlag(args, 'undesired-tags') ?? '', separator),
			alwaysFirstTags: splitTagList(stringFlag(args, 'always-first-tags') ?? '', separator),
		};
		let replacements: Array<[string, string]>;
		try {
			replacements = parseTagReplacements(stringFlag(args, 'tag-replacement') ?? '');
		} catch (err) {
			throw new UsageError(`--tag-replacement: ${(err as Error).message}`);
		}
		const batchSize = intFlag(args, 'batch-size') ?? DEFAULT_BATCH_SIZE;
		const targets = await collectTaggerTargets(args.positionals.map((p) => resolve(io.cwd, p)), { recursive: booleanFlag(args, 'recursive') });
		for (const problem of targets.problems) {
			io.err(problem);
		}
		if (targets.images.length === 0) {
			io.err('No images to tag.');
			return 1;
		}
		const trigger = booleanFlag(args, 'no-trigger') ? undefined : stringFlag(args, 'trigger') ?? targets.trigger;
		const classWord = stringFlag(args, 'class-word') ?? (booleanFlag(args, 'add-class-word') ? targets.classWord : undefined);
		let modelDir: string;
		try {
			modelDir = await resolveModel(model, args, io);
		} catch (err) {
			if (err instanceof DownloadCancelledError || err instanceof UsageError) {
				throw err;
			}
			io.err(`lora-workbench tag: ${(err as Error).message}`);
			return 1;
		}
		if (provider !== 'cpu' && !availableExecutionProviders().includes(provider)) {
			io.err(`The ${provider} execution provider is not part of this onnxruntime-node build (available: ${availableExecutionProviders().join(', ')}); trying anyway, CPU is the fallback.`);
		}
		let result;
		// Tagging writes captions in bulk: the training folder's lock keeps a second bulk writer out meanwhile.
		const lock = targets.trainingRoot ? await acquireFolderLock(targets.trainingRoot, 'lora-workbench tag').catch((err: unknown) => err as Error) : undefined;
		if (lock instanceof Error) {
			io.err(`Nothing was tagged: ${lock.message}`);
			return 1;
		}
		try {
			const swept = await sweepStaleTempFiles(targets.images.map((image) => dirname(image)));
			if (swept.length > 0) {
				io.err(`Removed ${countOf(swept.length, 'temp file')} left by interrupted writes.`);
			}
			result = await tagImages({
				modelDir, images: targets.images, mode, batchSize, executionProvider: provider, selection,
				prefix: { trigger, classWord },
				processing: { removeUnderscores: !booleanFlag(args, 'keep-underscores'), expandCharacterTags: booleanFlag(args, 'expand-character-tags'), replacements, captionSeparator: separator },
				captionExtension: stringFlag(args, 'caption-extension') ?? targets.captionExtension,
				onModelReady: (contract) => { if (contract.providerNote) { io.err(contract.providerNote); } },
			});
		} catch (err) {
			if (err instanceof TaggerModelError) {
				io.err(`lora-workbench tag: ${err.message}`);
				return 1;
			}
			throw err;
		} finally {
			await lock?.release();
		}
		const summary = summarizeTagging(result, [trigger ?? '', classWord ?? '']);
		const lint: LintAfterTagging | undefined = targets.trainingRoot && result.tagged.length > 0
			? await lintAfterTagging(targets.trainingRoot, result.tagged.map((t) => t.captionPath))
			: undefined;
		if (booleanFlag(args, 'json')) {
			io.out(JSON.stringify({
				model: modelDir, inputName: result.contract.inputName, outputName: result.contract.outputName, provider: result.contract.provider,
				summary, lint: lint && { count: lint.issues.length, byCode: lint.byCode }, captions: result.tagged.map((t) => ({ image: t.image, caption: t.captionPath, text: t.written })), skipped: result.skipped, problems: result.problems,
			}, null, 2));
		} else {
			for (const problem of result.problems) {
				io.err(problem.message);
			}
			io.out([...formatSummary(summary), ...(lint ? formatLintLines(lint) : [])].join('\n'));
		}
		return result.problems.length > 0 ? 1 : 0;
	},
};
