import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { YUNET_MODEL } from './faceModel';

/** Where the CLI keeps downloaded models: $XDG_CACHE_HOME/lora-workbench/models (or ~/.cache/...). */
export function defaultModelCacheDir(): string {
	const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(base, 'lora-workbench', 'models');
}

/** The face model path to use when none was given: the cached download, if there is one. */
export function cachedFaceModel(cacheDir = defaultModelCacheDir()): string | undefined {
	const path = join(cacheDir, YUNET_MODEL.fileName);
	return existsSync(path) ? path : undefined;
}
