import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DOWNLOAD_RECORD, readDownloadRecord } from './download';
import { MODEL_FILES, cacheFolderName } from './models';

export interface CachedModel {
	repoId: string;
	dir: string;
	/** Bytes on disk, including unfinished parts. */
	bytes: number;
	/** False for a folder left by an interrupted download (it resumes on the next download). */
	complete: boolean;
	downloadedAt?: string;
}

/** Models in the cache folder, complete or not, sorted by repository id. */
export async function listCachedModels(cacheRoot: string): Promise<CachedModel[]> {
	let entries: string[];
	try {
		entries = await fs.readdir(cacheRoot);
	} catch {
		return [];
	}
	const models: CachedModel[] = [];
	for (const name of entries) {
		const dir = join(cacheRoot, name);
		if (!(await fs.stat(dir)).isDirectory()) {
			continue;
		}
		const record = await readDownloadRecord(dir);
		let bytes = 0;
		for (const file of await fs.readdir(dir)) {
			bytes += (await fs.stat(join(dir, file))).size;
		}
		models.push({
			repoId: record?.repoId ?? name.replace('_', '/'),
			dir,
			bytes,
			complete: record !== undefined,
			downloadedAt: record?.downloadedAt,
		});
	}
	return models.sort((a, b) => a.repoId.localeCompare(b.repoId));
}

export async function removeCachedModel(cacheRoot: string, repoId: string): Promise<void> {
	const dir = join(cacheRoot, cacheFolderName(repoId));
	// Only our own files are removed, so a mistyped cache setting cannot delete anything else.
	for (const file of [...MODEL_FILES, ...MODEL_FILES.map((f) => `${f}.part`), DOWNLOAD_RECORD]) {
		await fs.rm(join(dir, file), { force: true });
	}
	await fs.rmdir(dir).catch(() => undefined);
}
