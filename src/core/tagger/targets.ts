import { Dirent, promises as fs } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { scanTrainingFolder, unreadableFolderProblems } from '../dataset';
import { IMAGE_EXTENSIONS } from '../datasetParse';

/** What to tag, and the caption conventions of the training folder it belongs to (when it is one). */
export interface TaggerTargets {
	images: string[];
	trainingRoot?: string;
	trigger?: string;
	classWord?: string;
	captionExtension: string;
	/** Paths that are neither images nor folders, each with what is wrong. */
	problems: string[];
}

export function isTaggableImage(path: string): boolean {
	return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/**
 * Resolves CLI/command arguments: a training folder (its training subsets, not reg/), one subset folder,
 * a plain folder of images, or image files.
 */
export async function collectTaggerTargets(paths: readonly string[], options: { recursive?: boolean } = {}): Promise<TaggerTargets> {
	const targets: TaggerTargets = { images: [], captionExtension: '.txt', problems: [] };
	const seen = new Set<string>();
	const add = (image: string) => {
		if (!seen.has(image)) {
			seen.add(image);
			targets.images.push(image);
		}
	};
	for (const raw of paths) {
		const path = resolve(raw);
		const stat = await fs.stat(path).catch(() => undefined);
		if (!stat) {
			targets.problems.push(`${path} does not exist.`);
		} else if (stat.isFile()) {
			if (isTaggableImage(path)) {
				add(path);
				await adoptTrainingFolder(targets, trainingRootOfSubset(dirname(path)));
			} else {
				targets.problems.push(`${path} is not an image sd-scripts trains on (${IMAGE_EXTENSIONS.join(', ')}).`);
			}
		} else if (await isTrainingRoot(path)) {
			const folder = await scanTrainingFolder(path, { readCaptions: false });
			await adoptTrainingFolder(targets, path);
			folder.subsets.filter((s) => !s.isReg).forEach((s) => s.images.forEach((i) => add(i.path)));
			targets.problems.push(...unreadableFolderProblems(folder).map((p) => `${p.message} Its images were not tagged.`));
		} else {
			const root = trainingRootOfSubset(path);
			if (root) {
				await adoptTrainingFolder(targets, root);
			}
			for (const image of await listImages(path, options.recursive ?? false, targets.problems)) {
				add(image);
			}
		}
	}
	return targets;
}

async function isTrainingRoot(dir: string): Promise<boolean> {
	const has = (name: string) => fs.stat(join(dir, name)).then(() => true, () => false);
	return await has('lora-workbench.yaml') || await has('images');
}

/** `<root>/images/<repeats>_<class>` or `<root>/reg/<repeats>_<class>` -> `<root>`. */
function trainingRootOfSubset(dir: string): string | undefined {
	const parent = basename(dirname(dir));
	return /^\d+_/.test(basename(dir)) && (parent === 'images' || parent === 'reg') ? dirname(dirname(dir)) : undefined;
}

async function adoptTrainingFolder(targets: TaggerTargets, root: string | undefined): Promise<void> {
	if (!root || targets.trainingRoot) {
		return;
	}
	const folder = await scanTrainingFolder(root, { readCaptions: false });
	targets.trainingRoot = root;
	targets.trigger = folder.trigger;
	targets.classWord = folder.classWord;
	targets.captionExtension = folder.training.captionExtension;
}

async function listImages(dir: string, recursive: boolean, problems: string[]): Promise<string[]> {
	let entries: Dirent[];
	try {
		entries = await fs.readdir(dir, { withFileTypes: true });
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		problems.push(`${dir} cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String(err)}); check its permissions. Its images were not tagged.`);
		return [];
	}
	const images: string[] = [];
	for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
		const path = join(dir, entry.name);
		if (entry.isFile() && isTaggableImage(entry.name)) {
			images.push(path);
		} else if (recursive && entry.isDirectory()) {
			images.push(...await listImages(path, true, problems));
		}
	}
	return images;
}
