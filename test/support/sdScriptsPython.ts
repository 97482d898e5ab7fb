import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The first python3 that can run sd-scripts' preprocessing (bench/wd14_preprocess.py: Pillow, numpy, opencv), or
 * undefined: the test that compares with it then skips, and the bench's anchor says why it is missing.
 */
export async function pythonForSdScripts(): Promise<string | undefined> {
	for (const python of [process.env.LORA_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
		if (await promisify(execFile)(python, ['-c', 'import PIL, numpy, cv2']).then(() => true, () => false)) {
			return python;
		}
	}
	return undefined;
}
