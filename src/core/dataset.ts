/**
 * A training folder read exactly as sd-scripts reads `--train_data_dir images --reg_data_dir reg`
 * (reference §4), plus what the workbench adds: roles, the trigger word, the step numbers and guide checks.
 * Never throws for bad input: every problem becomes a DatasetProblem naming the file and what to do.
 */
import { promises as fs, Dirent } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { countCaptionTags } from './caption';
import { CaptionTextFile } from './captionFile';
import { CUT_TAGS, passOnCaptionTags } from './datasetCaptionTags';
import { SharedCaptionReads, readCaptionFiles } from './captionReadThread';
import { guideChecks } from './datasetChecks';
import type { DatasetImage, DatasetProblem, Subset, TrainingFolder } from './datasetModel';
import { ImageSize, readImageSize, readImageSizeFromHeaderSync, sizeFromHeadBytes } from './datasetImageSize';
import { NOT_TRAINED_IMAGE_EXTENSIONS, captionCandidates, captionPathOf, classifyImageName, compareCodePoints, isTrainerSideFile, parseSubsetName, captionReadOf } from './datasetParse';
import { guessRole } from './datasetRoles';
import { leftoverProblems } from './datasetLeftovers';
import { RENAME_TEMP_PATTERN } from './coverage/renameJournal';
import { TrainingSettings, WorkbenchSettings, loadSettings } from './settings';
import { StepReport, StepSettings, StepSubset, computeSteps } from './steps';
import { countOf } from './plural';
import { BucketPreview, bucketPreviewSettingsOf, describePlacement, isCutBadly } from './bucketPreview';
import { Steps, runInSlices, sortSteps } from './slices';

export type { SubsetRole } from './settings';

export type { DatasetImage, DatasetProblem, Subset, TrainingFolder } from './datasetModel';

export interface ScanOptions {
	/** Overrides the file's training settings (CLI flags). */
	training?: Partial<TrainingSettings>;
	/** Whether sd-scripts matches extensions case-insensitively; defaults to this machine's platform. */
	platform?: NodeJS.Platform;
	/** Read caption contents (tag counts, empty/non-UTF-8 detection). Default true. */
	readCaptions?: boolean;
	/**
	 * Place each image in its bucket (image.bucket, the bucket-crop problems), which reads every image's header.
	 * Default true; the linter and the tag table, which use neither, skip the 20,000 reads of a big folder.
	 */
	bucketPreview?: boolean;
	/** Gets each subset folder's entry names as the scan lists them (the CLI sweeps stale temp files from them). */
	onListed?: (dir: string, names: readonly string[]) => void;
}

const IO_CONCURRENCY = 32;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) {
			const index = next++;
			results[index] = await fn(items[index]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

function errorCode(err: unknown): string {
	return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

function ioMessage(path: string, err: unknown): string {
	const code = errorCode(err);
	if (code === 'ELOOP') {
		return `${path} is a symbolic link loop; remove or fix the link.`;
	}
	if (code === 'EACCES' || code === 'EPERM') {
		return `${path} cannot be read (permission denied); check its permissions.`;
	}
	return `${path} cannot be read (${code}).`;
}

/** Folders the scan could not list (chmod 000 and the like): their images and captions are missing from the folder. */
export function unreadableFolderProblems(folder: TrainingFolder): DatasetProblem[] {
	return folder.warnings.filter((p) => p.code === 'unreadable');
}

/**
 * What a command that counts captions must say it left out, never silently: folders it could not list, captions
 * it could not read or that are not UTF-8.
 */
export function notCountedProblems(folder: TrainingFolder): DatasetProblem[] {
	return folder.warnings.filter((p) => p.code === 'unreadable' || p.code === 'unreadable-caption' || p.code === 'caption-not-utf8');
}

/** Directory entries with symlinks resolved (sd-scripts follows them); loops become problems. */
async function listDir(dir: string, problems: DatasetProblem[]): Promise<Array<{ name: string; isDir: boolean; isFile: boolean }> | undefined> {
	let entries: Dirent[];
	try {
		entries = await fs.readdir(dir, { withFileTypes: true });
	} catch (err) {
		problems.push({ severity: 'error', code: 'unreadable', message: ioMessage(dir, err), path: dir });
		return undefined;
	}
	// Only links need a stat: the rest is answered at once, not through one promise per entry (20,000 of them ran
	// as one chain of microtasks that held the event loop for tens of milliseconds).
	const listed = entries.map((entry) => ({ name: entry.name, isDir: entry.isDirectory(), isFile: entry.isFile() }));
	const links = entries.map((entry, index) => (entry.isSymbolicLink() ? index : -1)).filter((index) => index >= 0);
	await mapLimited(links, IO_CONCURRENCY, async (index) => {
		const path = join(dir, entries[index].name);
		try {
			const stat = await fs.stat(path);
			listed[index] = { name: entries[index].name, isDir: stat.isDirectory(), isFile: stat.isFile() };
		} catch (err) {
			problems.push({ severity: 'warning', code: 'broken-link', message: ioMessage(path, err), path });
		}
	});
	return listed;
}

/**
 * The subsets' captions, then (`readSizes`) their images' headers. Captions are small files: `fs.promises.readFile`
 * costs four thread-pool round trips each (open, stat, read, close), which was most of a 20,000-caption scan (issue
 * 22). They are read synchronously, one per step, in slices of a few milliseconds with the event loop free between
 * them (slices.ts); in a large folder a helper thread reads some of them at the same time (captionReadThread.ts).
 * Each caption's problem goes to its subset, in the images' order.
 */
async function readSubsetFiles(subsets: readonly Subset[], reads: SharedCaptionReads, readSizes: boolean): Promise<void> {
	const captioned = subsets.map((subset) => subset.images.filter((i) => i.hasCaption && i.caption === undefined));
	const images = captioned.flat();
	const sized = readSizes ? subsets.flatMap((subset) => subset.images.filter((i) => !i.size)) : [];
	// By image, so the problems come in the images' order whichever thread read each caption.
	const problems = new Array<DatasetProblem | undefined>(images.length);
	await readCaptionFiles(images.map((image) => image.captionPath), (index, file) => {
		problems[index] = readCaption(images[index], file);
	}, reads, { paths: sized.map((image) => image.path), use: (index, head) => readHeadSize(sized[index], head) });
	let start = 0;
	subsets.forEach((subset, k) => {
		const end = start + captioned[k].length;
		for (let index = start; index < end; index++) {
			const problem = problems[index];
			if (problem) {
				subset.problems.push(problem);
			}
		}
		start = end;
	});
}

/**
 * An image's size from the head the helper read, else from its own header read here. One that cannot be read, or
 * that Pillow's pixel limit makes a problem, is left without a size: readImageSizes reads it again and reports it.
 */
function readHeadSize(image: DatasetImage, head: Uint8Array | undefined): void {
	let size = head && sizeFromHeadBytes(head);
	if (!size) {
		try {
			size = readImageSizeFromHeaderSync(image.path);
		} catch {
			return;
		}
	}
	if (size && size[0] > 0 && size[1] > 0 && !pillowPixelLimitProblem(image.path, size)) {
		image.size = size;
	}
}

function readCaption(image: DatasetImage, file: CaptionTextFile): DatasetProblem | undefined {
	if (file.kind === 'missing' || file.kind === 'unreadable') {
		image.captionProblem = 'unreadable';
		return { severity: 'error', code: 'unreadable-caption', message: ioMessage(image.captionPath, file.error), path: image.captionPath };
	}
	if (file.kind === 'not-utf8') {
		image.captionProblem = 'not-utf8';
		return { severity: 'error', code: 'caption-not-utf8', message: `${image.captionPath} is ${file.problem}; sd-scripts stops on it. Re-save it as UTF-8.`, path: image.captionPath };
	}
	const read = captionReadOf(file);
	if (read.kind !== 'ok') {
		image.captionProblem = 'empty';
		return { severity: 'error', code: 'empty-caption', message: `${image.captionPath} is empty; sd-scripts stops with "caption file is empty". Write tags into it or delete it.`, path: image.captionPath };
	}
	image.caption = read.caption;
	image.tagCount = countCaptionTags(read.caption);
	image.captionLineCount = read.lineCount;
	return undefined;
}

function isNotTrainedPicture(name: string): boolean {
	return NOT_TRAINED_IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function countCaptionEntries(entries: ReadonlyArray<{ name: string }>, captionExtension: string): number {
	let count = 0;
	for (const entry of entries) {
		if (entry.name.endsWith(captionExtension)) {
			count++;
		}
	}
	return count;
}

/**
 * What a rescan of a subset may keep from its last scan: the caption text and image size of every file that did not
 * change since. A partial rescan after 300 files changed in a 12,000-image subset read every caption and image header
 * again, and the fresh copies of 12,000 caption texts were most of what the extension host's collector then had to
 * move (issue 22).
 */
export interface SubsetReuse {
	previous: Subset;
	/** Paths in the subset folder that were created, written, removed or renamed since `previous` was scanned. */
	changed: ReadonlySet<string>;
}

/**
 * Reads the subset folders (each with what it may keep from its last scan): their images, captions and problems.
 * `readSizes`: also read each image's size from its header (the bucket preview wants them all). One helper thread
 * reads for all the subsets, captions then headers: a helper per subset cost each one's start (about 80 ms of
 * CPU on the other core), and the headers read afterwards by the caller's thread alone were a quarter of a scan
 * (issue 22).
 */
async function scanSubsets(jobs: ReadonlyArray<{ subset: Subset; reuse?: SubsetReuse }>, captionExtension: string, platform: NodeJS.Platform, readCaptions: boolean, readSizes: boolean, onListed?: ScanOptions['onListed']): Promise<void> {
	const listings = await mapLimited(jobs, 4, (job) => listDir(job.subset.dir, job.subset.problems));
	if (onListed) {
		jobs.forEach((job, k) => listings[k] && onListed(job.subset.dir, listings[k].map((entry) => entry.name)));
	}
	// Made now, so that its thread starts while the entries are sorted out.
	const reads = readCaptions ? new SharedCaptionReads(jobs.reduce((files, job, k) => {
		const entries = listings[k];
		return files + (entries ? Math.min(readSizes ? entries.length : countCaptionEntries(entries, captionExtension), job.reuse?.changed.size ?? Infinity) : 0);
	}, 0)) : undefined;
	try {
		await mapLimited(jobs.map((job, k) => ({ ...job, entries: listings[k] })), 4, async ({ subset, reuse, entries }) => {
			if (entries) {
				await sortOutEntries(subset, entries, captionExtension, platform, readCaptions, reuse);
			}
		});
		if (reads) {
			await readSubsetFiles(jobs.map((job) => job.subset), reads, readSizes);
		}
	} finally {
		reads?.close();
	}
	// A folder that could not be listed has its own problem (listDir).
	for (const { subset } of jobs.filter((_, k) => listings[k])) {
		if (subset.images.length === 0) {
			subset.problems.push({ severity: 'warning', code: 'empty-subset', message: `${subset.dir} has no images sd-scripts can read (.png .jpg .jpeg .webp .bmp); sd-scripts skips it.`, path: subset.dir });
		}
	}
}

/** The subset's images, orphan captions and entry problems from its listing, and what it keeps from its last scan. */
async function sortOutEntries(subset: Subset, entries: ReadonlyArray<{ name: string; isDir: boolean; isFile: boolean }>, captionExtension: string, platform: NodeJS.Platform, readCaptions: boolean, reuse?: SubsetReuse): Promise<void> {
	// The work between the reads runs in slices (slices.ts): at 20,000 files it took 100-400 ms in one piece.
	const captionFiles = await runInSlices(subsetEntrySteps(subset, entries, captionExtension, platform));
	// The legacy face-crop name is a second candidate; only look for it when the plain name is missing.
	const prefix = subset.dir + sep;
	await mapLimited(subset.images.filter((i) => !i.hasCaption), IO_CONCURRENCY, async (image) => {
		const alternative = captionCandidates(image.path, captionExtension)[1];
		if (alternative !== image.captionPath && (await fs.stat(alternative).then((s) => s.isFile(), () => false))) {
			image.captionPath = alternative;
			image.hasCaption = true;
			// It is cut from the whole path, so it may lie outside the subset.
			const name = alternative.startsWith(prefix) ? alternative.slice(prefix.length) : '';
			if (captionFiles.has(name)) {
				captionFiles.set(name, true);
			}
		}
	});
	subset.orphanCaptions = await runInSlices(orphanCaptionSteps(subset, captionFiles));
	if (reuse) {
		await runInSlices(reuseUnchangedSteps(subset.images, reuse, readCaptions));
	}
}

/**
 * Takes over from the last scan what did not change: an image's size (unless Pillow's pixel limit makes it a problem,
 * which only a fresh read reports) and its caption with its tags as cut so far (unless it had a problem, which only a
 * fresh read reports). Both lists are in sd-scripts' order, so they are walked side by side. The strings are the old
 * ones, already long-lived.
 */
function* reuseUnchangedSteps(images: readonly DatasetImage[], reuse: SubsetReuse, withCaptions: boolean): Steps<void> {
	const old = reuse.previous.images;
	let k = 0;
	for (let i = 0; i < images.length; i++) {
		yield;
		const image = images[i];
		while (k < old.length && compareCodePoints(old[k].name, image.name) < 0) {
			k++;
		}
		const before = old[k];
		if (!before || before.name !== image.name) {
			continue;
		}
		if (!reuse.changed.has(image.path) && before.size && !pillowPixelLimitProblem(before.path, before.size)) {
			image.path = before.path;
			image.size = before.size;
		}
		if (withCaptions && image.hasCaption && before.hasCaption && before.captionPath === image.captionPath && before.caption !== undefined
			&& before.captionProblem === undefined && !reuse.changed.has(image.captionPath)) {
			image.captionPath = before.captionPath;
			image.caption = before.caption;
			image.tagCount = before.tagCount;
			image.captionLineCount = before.captionLineCount;
			passOnCaptionTags(before, image);
		}
	}
}

/**
 * The subset's images (sorted as sd-scripts lists them) and problems from its directory entries; returns the caption
 * files' names, each with whether an image of the subset has it as its caption.
 */
function* subsetEntrySteps(subset: Subset, entries: ReadonlyArray<{ name: string; isDir: boolean; isFile: boolean }>, captionExtension: string, platform: NodeJS.Platform): Steps<Map<string, boolean>> {
	// In steps too: 40,000 entries' names in one step held the extension host (issue 22). Only the caption files are
	// kept by name (an image's caption is one of them), and an image marks its own there as it finds it: a second
	// pass over the images for the orphans hashed each caption's name once more.
	const captionFiles = new Map<string, boolean>();
	for (let named = 0; named < entries.length; named++) {
		if ((named & 63) === 63) {
			yield;
		}
		const entry = entries[named];
		if (entry.isFile && entry.name.endsWith(captionExtension)) {
			captionFiles.set(entry.name, false);
		}
	}
	// join() for every entry of a 20,000-image folder showed in the scan: the folder is already normalised and an
	// entry's name holds no separator, so the paths are concatenated.
	const prefix = subset.dir + sep;
	// Half of a folder's entries are captions: with a caption extension that names no picture format (.txt,
	// .caption), a caption needs no classifying (issue 22: 40,000 entries).
	const captionNamesNoPicture = classifyImageName(`x${captionExtension}`, platform) === 'other' && !isNotTrainedPicture(`x${captionExtension}`);
	for (let count = 0; count < entries.length; count++) {
		// A step is 8 entries: a yield per entry was a quarter of this loop.
		if ((count & 7) === 7) {
			yield;
		}
		const entry = entries[count];
		if (captionNamesNoPicture && entry.isFile && entry.name.endsWith(captionExtension)) {
			continue;
		}
		const kind = classifyImageName(entry.name, platform);
		if (kind === 'image' && entry.isFile) {
			const captionName = captionPathOf(entry.name, captionExtension);
			const taken = captionFiles.get(captionName);
			if (taken === false) {
				captionFiles.set(captionName, true);
			}
			subset.images.push({ path: prefix + entry.name, name: entry.name, captionPath: prefix + captionName, hasCaption: taken !== undefined, [CUT_TAGS]: undefined });
			continue;
		}
		const path = prefix + entry.name;
		if (kind === 'case-ignored' && entry.isFile) {
			subset.problems.push({ severity: 'warning', code: 'extension-case', message: `${path}: sd-scripts on this system only finds lower- or upper-case extensions, so this image is not trained. Rename it to ${entry.name.replace(/\.[^.]+$/, (e) => e.toLowerCase())}.`, path });
		} else if (kind === 'plugin' && entry.isFile) {
			subset.problems.push({ severity: 'warning', code: 'plugin-format', message: `${path}: sd-scripts reads this format only with an extra Python plugin (pillow_avif / jxl); convert it to PNG or JPEG to be sure it is trained.`, path });
		} else if (kind === 'other' && entry.isFile && isNotTrainedPicture(entry.name)) {
			subset.problems.push({ severity: 'warning', code: 'not-trained-format', message: `${path}: sd-scripts does not read ${extname(entry.name).toLowerCase()} files, so this picture is not trained. Convert it to PNG or JPEG (from an animated GIF, the one frame you want).`, path });
		} else if (kind === 'image' && entry.isDir) {
			subset.problems.push({ severity: 'warning', code: 'image-named-folder', message: `${path} is a folder named like an image; sd-scripts would try to load it. Rename it.`, path });
		}
	}
	yield* sortSteps(subset.images, (a, b) => compareCodePoints(a.name, b.name));
	return captionFiles;
}

/** Caption files no image of the subset uses (sd-scripts never reads them), sorted. */
function* orphanCaptionSteps(subset: Subset, captionFiles: ReadonlyMap<string, boolean>): Steps<string[]> {
	const prefix = subset.dir + sep;
	const orphans: string[] = [];
	// One pass with forEach, no steps: a for-of over the entries, run a few times per change and so never optimised,
	// made two objects per caption; this pass is a flag test per caption and a few milliseconds at 20,000.
	captionFiles.forEach((taken, name) => {
		if (!taken && !isTrainerSideFile(prefix + name)) {
			orphans.push(prefix + name);
		}
	});
	yield;
	return yield* sortSteps(orphans, compareCodePoints);
}

async function findSubsets(baseDir: string, isReg: boolean, settings: WorkbenchSettings, problems: DatasetProblem[]): Promise<Subset[]> {
	const entries = await listDir(baseDir, problems);
	if (!entries) {
		return [];
	}
	const prefix = isReg ? 'reg' : 'images';
	const subsets: Subset[] = [];
	const strayImages = entries.filter((e) => e.isFile && classifyImageName(e.name, 'win32') === 'image');
	if (strayImages.length > 0) {
		problems.push({ severity: 'warning', code: 'stray-images', message: `${countOf(strayImages.length, 'image')} ${strayImages.length === 1 ? 'lies' : 'lie'} directly in ${baseDir}; sd-scripts only reads sub-folders named <repeats>_<class>. Move them into a subset.`, path: baseDir });
	}
	for (const entry of entries.filter((e) => e.isDir).sort((a, b) => compareCodePoints(a.name, b.name))) {
		const dir = join(baseDir, entry.name);
		const parsed = parseSubsetName(entry.name);
		if (RENAME_TEMP_PATTERN.test(entry.name)) {
			continue; // a subset hidden by an interrupted rename: reported by leftoverProblems
		}
		if (parsed.kind === 'no-repeats') {
			problems.push({ severity: 'warning', code: 'ignored-folder', message: `${dir}: sd-scripts ignores a folder whose name does not start with a number ("ignore directory without repeats"). Rename it to <repeats>_<class>, e.g. 10_${entry.name}.`, path: dir });
			continue;
		}
		if (parsed.kind === 'zero-repeats') {
			problems.push({ severity: 'info', code: 'zero-repeats', message: `${dir}: repeats ${parsed.repeats} is below 1, so sd-scripts skips this folder without a word.`, path: dir });
			continue;
		}
		const key = `${prefix}/${entry.name}`;
		const configured = settings.subsets[key]?.role;
		subsets.push({
			name: entry.name, key, dir, repeats: parsed.repeats, classTokens: parsed.classTokens, isReg,
			role: isReg ? 'reg' : configured ?? 'unknown', roleSource: isReg || configured ? 'settings' : 'guess',
			images: [], orphanCaptions: [], problems: [],
		});
	}
	return subsets;
}

/** Whether `path` is a directory now (false when it is gone or unreadable). */
export async function isDirectory(path: string): Promise<boolean> {
	return fs.stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * Pillow, which sd-scripts opens every image with, warns above Image.MAX_IMAGE_PIXELS (89,478,485 pixels) and
 * refuses to open an image above twice that (178,956,970) with DecompressionBombError, which stops the training.
 */
export const PILLOW_MAX_IMAGE_PIXELS = 89_478_485;

export function pillowPixelLimitProblem(path: string, size: ImageSize): DatasetProblem | undefined {
	const pixels = size[0] * size[1];
	const what = `${path} is ${size[0]}x${size[1]} (${(pixels / 1e6).toFixed(1)} megapixels)`;
	if (pixels > 2 * PILLOW_MAX_IMAGE_PIXELS) {
		return { severity: 'error', code: 'pillow-pixel-limit', path, message: `${what}: Pillow refuses to open images over ${2 * PILLOW_MAX_IMAGE_PIXELS} pixels (DecompressionBombError), so sd-scripts stops on it. Downscale it (training uses about 1 megapixel) or remove it.` };
	}
	if (pixels > PILLOW_MAX_IMAGE_PIXELS) {
		return { severity: 'warning', code: 'pillow-pixel-limit', path, message: `${what}: over Pillow's ${PILLOW_MAX_IMAGE_PIXELS}-pixel limit, so sd-scripts prints a DecompressionBombWarning and decodes all of it for every epoch. Downscale it (training uses about 1 megapixel).` };
	}
	return undefined;
}

/**
 * Sizes from the images' headers, read synchronously one per step, as the captions are (issue 22: the bucket
 * preview reads every image's header on every scan). An image whose header does not say, or that cannot be
 * read, is left without a size for readImageSize, which explains why.
 */
function readHeaderSizes(images: readonly DatasetImage[]): Promise<void> {
	return runInSlices(readHeaderSizeSteps(images));
}

function* readHeaderSizeSteps(images: readonly DatasetImage[]): Steps<void> {
	for (let i = 0; i < images.length; i++) {
		const image = images[i];
		yield;
		if (image.size) {
			continue;
		}
		try {
			const size = readImageSizeFromHeaderSync(image.path);
			if (size && size[0] > 0 && size[1] > 0) {
				image.size = size;
			}
		} catch {
			// readImageSize reads it again and names the problem
		}
	}
}

/** Reads sizes of the given images into `image.size`; unreadable ones (and ones Pillow refuses) become problems. */
export async function readImageSizes(subset: Subset, images: readonly DatasetImage[]): Promise<boolean> {
	let ok = true;
	const wanted = images.filter((i) => !i.size);
	await readHeaderSizes(wanted);
	for (const image of wanted.filter((i) => i.size)) {
		const bomb = pillowPixelLimitProblem(image.path, image.size!);
		if (bomb) {
			subset.problems.push(bomb);
		}
	}
	await mapLimited(wanted.filter((i) => !i.size), IO_CONCURRENCY, async (image) => {
		try {
			image.size = await readImageSize(image.path);
			const bomb = pillowPixelLimitProblem(image.path, image.size);
			if (bomb) {
				subset.problems.push(bomb); // the size is known, so the steps still come out
			}
		} catch (err) {
			ok = false;
			const message = err instanceof Error && err.message.startsWith(image.path) ? err.message : ioMessage(image.path, err);
			subset.problems.push({ severity: 'error', code: 'unreadable-image', message, path: image.path });
		}
	});
	return ok;
}

/** The most common first word of the subsets' class tokens, and the most common word after it. */
function inferTrigger(subsets: readonly Subset[]): { trigger?: string; classWord?: string } {
	const words = subsets.filter((s) => !s.isReg).map((s) => s.classTokens.trim().split(/\s+/)).filter((w) => w[0]);
	const mostCommon = (values: string[]): string | undefined => {
		const counts = new Map<string, number>();
		values.forEach((v) => counts.set(v, (counts.get(v) ?? 0) + 1));
		return [...counts.entries()].reduce<[string, number] | undefined>((best, e) => (!best || e[1] > best[1] ? e : best), undefined)?.[0];
	};
	const trigger = mostCommon(words.map((w) => w[0]));
	const classWord = mostCommon(words.filter((w) => w[0] === trigger && w[1]).map((w) => w[1]));
	return { trigger, classWord };
}

export async function scanTrainingFolder(root: string, options: ScanOptions = {}): Promise<TrainingFolder> {
	const { settings, fileExists } = await loadSettings(root);
	const training: TrainingSettings = { ...settings.training, ...options.training };
	const platform = options.platform ?? process.platform;
	const folder: TrainingFolder = {
		root, settings, settingsFileExists: fileExists, trigger: settings.trigger, classWord: settings.classWord,
		triggerSource: settings.trigger ? 'settings' : 'none', training, subsets: [], warnings: [], checks: [], folderProblems: [],
		imagesDir: join(root, 'images'), regDir: join(root, 'reg'), modelDir: join(root, 'model'), logDir: join(root, 'log'),
	};
	const problems: DatasetProblem[] = settings.problems.map((message) => ({ severity: 'warning', code: 'settings', message, path: join(root, 'lora-workbench.yaml') }));
	if (!(await isDirectory(root))) {
		folder.folderProblems = folder.warnings = [{ severity: 'error', code: 'folder-missing', message: `${root} does not exist or is not a folder. Pick an existing training folder.`, path: root }];
		return folder;
	}
	if (!(await isDirectory(folder.imagesDir))) {
		problems.push({ severity: 'error', code: 'no-images-dir', message: `${root} has no images/ folder. Create images/<repeats>_<trigger> <class>/ (for example images/24_mytrigger woman/) or run "LoRA: New Training Folder".`, path: root });
	} else {
		folder.subsets.push(...(await findSubsets(folder.imagesDir, false, settings, problems)));
	}
	if (await isDirectory(folder.regDir)) {
		folder.subsets.push(...(await findSubsets(folder.regDir, true, settings, problems)));
	}
	const readCaptions = options.readCaptions ?? true;
	const bucketPreview = options.bucketPreview ?? true;
	await scanSubsets(folder.subsets.map((subset) => ({ subset })), training.captionExtension, platform, readCaptions, bucketPreview || training.enableBucket, options.onListed);
	await guessRoles(folder.subsets);
	problems.push(...(await leftoverProblems(root, folder.subsets.map((s) => s.key), Object.keys(settings.subsets))));
	folder.folderProblems = problems;
	return finish(folder, bucketPreview);
}

async function guessRoles(subsets: readonly Subset[]): Promise<void> {
	await Promise.all(subsets.filter((s) => s.roleSource === 'guess').map(async (s) => {
		await readImageSizes(s, s.images.slice(0, 8));
		s.role = guessRole(s);
	}));
}

/** Everything derived from the subsets: trigger inference, no-data errors, steps, checks, the sorted warnings. */
async function finish(folder: TrainingFolder, bucketPreview = true): Promise<TrainingFolder> {
	// The bucket preview's problems are derived here, so a rescan replaces them (new array: the previous scan keeps its own).
	folder.folderProblems = folder.folderProblems.filter((p) => p.code !== 'bucket-crop');
	const problems = [...folder.folderProblems];
	if (!folder.settings.trigger) {
		const inferred = inferTrigger(folder.subsets);
		folder.trigger = inferred.trigger;
		folder.classWord = folder.settings.classWord ?? inferred.classWord;
		folder.triggerSource = inferred.trigger ? 'subsets' : 'none';
	}
	const trainImages = folder.subsets.filter((s) => !s.isReg).reduce((n, s) => n + s.images.length, 0);
	if (folder.subsets.some((s) => !s.isReg) && trainImages === 0) {
		problems.push({ severity: 'error', code: 'no-data', message: `No training images in ${folder.imagesDir}: sd-scripts would stop with "No data found". Put images into images/<repeats>_<class>/.`, path: folder.imagesDir });
	} else if (!folder.subsets.some((s) => !s.isReg) && !folder.folderProblems.some((p) => p.code === 'no-images-dir')) {
		problems.push({ severity: 'error', code: 'no-subsets', message: `${folder.imagesDir} has no subset folders named <repeats>_<class> (e.g. 24_mytrigger woman); sd-scripts would find no data.`, path: folder.imagesDir });
	}
	folder.steps = await computeFolderSteps(folder, problems);
	const bucketProblems = bucketPreview ? await previewBuckets(folder) : [];
	// On the folder (the Dataset view's Problems row, whose click offers the fixes), naming the subset.
	folder.folderProblems.push(...bucketProblems);
	problems.push(...bucketProblems);
	folder.checks = guideChecks(folder);
	const all = [...problems, ...folder.subsets.flatMap((s) => s.problems)];
	const rank = { error: 0, warning: 1, info: 2 };
	folder.warnings = all.sort((a, b) => rank[a.severity] - rank[b.severity]);
	return folder;
}

/**
 * Re-reads only the given subset folders of an earlier scan (a file was added, changed or removed inside
 * them) and recomputes the numbers; the other subsets are reused as they were. `changedPaths`, by subset folder: the
 * paths in it that changed since `previous`, so that the rest of its captions and sizes are kept (SubsetReuse); a
 * subset folder without an entry is read whole.
 */
export async function rescanSubsets(previous: TrainingFolder, subsetDirs: readonly string[], options: ScanOptions = {}, changedPaths?: ReadonlyMap<string, ReadonlySet<string>>): Promise<TrainingFolder> {
	const wanted = new Set(subsetDirs);
	const platform = options.platform ?? process.platform;
	const bucketPreview = options.bucketPreview ?? true;
	const jobs: Array<{ subset: Subset; reuse?: SubsetReuse }> = [];
	const subsets = previous.subsets.map((old) => {
		if (!wanted.has(old.dir)) {
			return old;
		}
		const configured = previous.settings.subsets[old.key]?.role;
		const fresh: Subset = {
			...old, images: [], orphanCaptions: [], problems: [],
			role: old.isReg ? 'reg' : configured ?? 'unknown', roleSource: old.isReg || configured ? 'settings' : 'guess',
		};
		const changed = changedPaths?.get(old.dir);
		jobs.push({ subset: fresh, reuse: changed && { previous: old, changed } });
		return fresh;
	});
	await scanSubsets(jobs, previous.training.captionExtension, platform, options.readCaptions ?? true, bucketPreview || previous.training.enableBucket, options.onListed);
	await guessRoles(jobs.map((job) => job.subset));
	return finish({ ...previous, subsets }, bucketPreview);
}

/** The inputs of sd-scripts' step math from the training settings (epochs overridable, e.g. by Balance Repeats). */
export function stepSettingsOf(t: TrainingSettings, epochs = t.epochs): StepSettings {
	return {
		batchSize: t.batchSize, gradientAccumulationSteps: t.gradientAccumulationSteps, gpus: t.gpus, epochs,
		buckets: t.enableBucket ? {
			resolution: t.resolution, minBucketReso: t.minBucketReso, maxBucketReso: t.maxBucketReso,
			bucketResoSteps: t.bucketResoSteps, bucketNoUpscale: t.bucketNoUpscale,
		} : undefined,
	};
}

/**
 * Where sd-scripts puts each image and what it cuts (bucketPreview.ts), from the folder's own resolution and
 * bucket settings; a subset whose images would be cut or would stop the run gets a `bucket-crop` problem.
 */
async function previewBuckets(folder: TrainingFolder): Promise<DatasetProblem[]> {
	const found: DatasetProblem[] = [];
	let preview: BucketPreview;
	try {
		preview = new BucketPreview(bucketPreviewSettingsOf(folder.training));
	} catch {
		return found; // bucket settings sd-scripts refuses: the step math reports them
	}
	const [w, h] = folder.training.resolution;
	for (const subset of folder.subsets) {
		// Only the header; an unreadable image gets no placement (the image checks name it).
		await readHeaderSizes(subset.images);
		await mapLimited(subset.images.filter((i) => !i.size), IO_CONCURRENCY, async (image) => {
			image.size = await readImageSize(image.path).catch(() => undefined);
		});
		const cut = await runInSlices(placeSteps(preview, subset.images));
		if (cut.length > 0) {
			const stops = cut.find((i) => i.bucket!.stops);
			const example = stops ?? cut.reduce((a, b) => (b.bucket!.cutShare > a.bucket!.cutShare ? b : a));
			const setting = `resolution ${w}x${h}, buckets ${folder.training.enableBucket ? 'on' : 'off'}`;
			found.push({
				severity: stops ? 'error' : 'warning', code: 'bucket-crop', path: subset.dir,
				message: stops
					? `${subset.name}: ${countOf(cut.filter((i) => i.bucket!.stops).length, 'image')} would stop sd-scripts (${setting}): ${example.name}: ${describePlacement(example.bucket!)} Turn buckets on, or crop them to ${w}x${h}.`
					: `${subset.name}: ${countOf(cut.length, 'image')} of ${subset.images.length} would be cut by sd-scripts (${setting}): ${example.name}: ${describePlacement(example.bucket!)}. Turn buckets on, or crop them to ${w}x${h}.`,
			});
		}
	}
	return found;
}

/** Places each image in its bucket (`image.bucket`); returns the ones sd-scripts would cut badly. */
function* placeSteps(preview: BucketPreview, images: readonly DatasetImage[]): Steps<DatasetImage[]> {
	const cut: DatasetImage[] = [];
	for (let i = 0; i < images.length; i++) {
		const image = images[i];
		image.bucket = image.size ? preview.place(image.size[0], image.size[1]) : undefined;
		if (image.bucket && isCutBadly(image.bucket)) {
			cut.push(image);
		}
		yield;
	}
	return cut;
}

/** The step numbers; with buckets on, every image's size is read first (as sd-scripts does). */
async function computeFolderSteps(folder: TrainingFolder, problems: DatasetProblem[]): Promise<StepReport | undefined> {
	const t = folder.training;
	const subsets = folder.subsets.filter((s) => s.images.length > 0);
	if (!subsets.some((s) => !s.isReg)) {
		return undefined;
	}
	if (t.enableBucket) {
		const results = await Promise.all(subsets.map((s) => readImageSizes(s, s.images)));
		if (results.includes(false)) {
			problems.push({ severity: 'error', code: 'no-steps', message: 'Step numbers need the size of every image when buckets are on; fix the unreadable images listed.' });
			return undefined;
		}
	}
	const input: StepSubset[] = subsets.map((s) => ({
		images: s.images.length, repeats: s.repeats, isReg: s.isReg,
		imageSizes: t.enableBucket ? s.images.map((i) => i.size!) : undefined,
	}));
	try {
		return computeSteps(input, stepSettingsOf(t));
	} catch (err) {
		problems.push({ severity: 'error', code: 'no-steps', message: `Steps cannot be computed: ${err instanceof Error ? err.message : String(err)}. Fix the training settings in lora-workbench.yaml.` });
		return undefined;
	}
}
