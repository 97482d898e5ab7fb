/**
 * "Exclude from training": an image and its caption move to `<root>/excluded/<subset folder>/`. sd-scripts reads
 * only `images/<repeats>_<class>/` and `reg/<repeats>_<class>/` (reference §4: `--train_data_dir images`, immediate
 * sub-folders whose names start with `<number>_`), so a folder beside `images/` is never read, and its name has no
 * `<number>_` either, should anyone point sd-scripts at the training folder itself. Like `originals/`, it keeps
 * the subset's name so a file can go back where it came from.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export const EXCLUDED_DIR_NAME = 'excluded';
/** Where "Crop Wrong-Size Images" keeps the originals it replaced: `<root>/originals/<subset folder>/`. */
export const ORIGINALS_DIR_NAME = 'originals';

/** Extensions that belong to an image's name (a new name must clash with none of them in the target folder). */
const NAME_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.avif', '.jxl', '.txt', '.caption', '.npz'];

export interface ExcludeItem {
	image: string;
	/** The caption beside it, when it exists. */
	caption?: string;
}

export interface FileMove {
	from: string;
	to: string;
}

export interface ExcludePlan {
	image: string;
	/** The image first, then its caption. */
	moves: FileMove[];
}

/** `<root>/excluded/<subset folder name>/` for an image in `<root>/images/<subset>/` or `<root>/reg/<subset>/`. */
export function excludedDirFor(root: string, imagePath: string): string {
	return join(root, EXCLUDED_DIR_NAME, basename(dirname(imagePath)));
}

function stemOf(path: string): string {
	return basename(path, extname(path));
}

/**
 * Where each image and caption goes. Names stay as they were unless the target folder (`existing`: lower-case
 * file names already there, per folder) or an earlier item of the same plan holds that stem; then `<stem>_2`,
 * `<stem>_3`... so the caption stays paired with its image.
 */
export function planExclusion(root: string, items: readonly ExcludeItem[], existing: (dir: string) => ReadonlySet<string>): ExcludePlan[] {
	const taken = new Map<string, Set<string>>();
	return items.map((item) => {
		const dir = excludedDirFor(root, item.image);
		let names = taken.get(dir);
		if (!names) {
			names = new Set(existing(dir));
			taken.set(dir, names);
		}
		const stem = stemOf(item.image);
		let chosen = stem;
		for (let n = 2; NAME_EXTENSIONS.some((e) => names!.has(`${chosen}${e}`.toLowerCase())); n++) {
			chosen = `${stem}_${n}`;
		}
		const moves: FileMove[] = [{ from: item.image, to: join(dir, `${chosen}${extname(item.image)}`) }];
		if (item.caption) {
			moves.push({ from: item.caption, to: join(dir, `${chosen}${extname(item.caption)}`) });
		}
		moves.forEach((m) => names!.add(basename(m.to).toLowerCase()));
		return { image: item.image, moves };
	});
}

/** planExclusion() with the target folders read from disk (a missing folder holds nothing). */
export async function planExclusionOnDisk(root: string, items: readonly ExcludeItem[]): Promise<ExcludePlan[]> {
	const dirs = [...new Set(items.map((i) => excludedDirFor(root, i.image)))];
	const listed = new Map(await Promise.all(dirs.map(async (dir) => [dir, new Set((await fs.readdir(dir).catch(() => [] as string[])).map((n) => n.toLowerCase()))] as const)));
	return planExclusion(root, items, (dir) => listed.get(dir) ?? new Set());
}
