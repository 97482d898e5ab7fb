import { resolve } from 'node:path';
import { ParsedArgs, booleanFlag, stringFlag } from './args';
import { cachedFaceModel, defaultModelCacheDir } from '../core/images/modelCache';
import { ensureFaceModel } from '../core/images/faceModel';

/**
 * The face model a command uses: `--face-model <file>`, or with `--download-model` the one it downloads into the
 * cache, else the cached one if any (undefined: no face checks, and the command says so).
 */
export async function faceModelFromFlags(args: ParsedArgs, cwd: string): Promise<string | undefined> {
	const given = stringFlag(args, 'face-model');
	if (given) {
		return resolve(cwd, given);
	}
	return booleanFlag(args, 'download-model') ? ensureFaceModel({ cacheDir: defaultModelCacheDir() }) : cachedFaceModel();
}
