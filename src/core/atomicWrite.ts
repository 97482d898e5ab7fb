import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never a half-written one:
 * write a temp file beside the target, flush it, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
	const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
	const handle = await fs.open(temp, 'w');
	try {
		await handle.writeFile(data);
		await handle.sync();
	} catch (err) {
		await handle.close();
		await fs.rm(temp, { force: true });
		throw err;
	}
	await handle.close();
	try {
		await fs.rename(temp, path);
	} catch (err) {
		await fs.rm(temp, { force: true });
		throw err;
	}
}
