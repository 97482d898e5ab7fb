import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { HUGGING_FACE_ENDPOINT, MODEL_FILES, cacheFolderName, isValidRepoId, resolveUrl } from './models';

/**
 * Downloads a WD14 model from the Hugging Face `resolve/<revision>/<file>` layout into a cache folder.
 * A transfer goes to `<file>.part` and is renamed into place only after its size (and, for LFS files, its
 * sha256) checked out; an interrupted transfer is resumed with a Range request, automatically a few
 * times and again on the next run.
 */

export interface DownloadProgress {
	file: string;
	/** Bytes of this file on disk so far (including a resumed part). */
	received: number;
	total?: number;
	/** Over all files of the model, when every size is known. */
	overallReceived: number;
	overallTotal?: number;
}

export interface DownloadOptions {
	endpoint?: string;
	revision?: string;
	signal?: AbortSignal;
	onProgress?: (progress: DownloadProgress) => void;
	/** Download again even when a complete copy is cached. */
	force?: boolean;
	/** Automatic resumes after a dropped connection, per file. */
	retries?: number;
}

export class DownloadError extends Error {}
export class DownloadCancelledError extends Error {
	constructor() {
		super('download cancelled; the part already received is kept and the next download resumes from it');
	}
}

/** Written last: a model folder without it is an unfinished download. */
export const DOWNLOAD_RECORD = 'download.json';

export interface DownloadRecord {
	repoId: string;
	revision: string;
	downloadedAt: string;
	files: Record<string, { size: number; sha256?: string }>;
}

interface RemoteFile {
	url: string;
	size?: number;
	sha256?: string;
}

export async function downloadModel(repoId: string, cacheRoot: string, options: DownloadOptions = {}): Promise<string> {
	if (!isValidRepoId(repoId)) {
		throw new DownloadError(`"${repoId}" is not a Hugging Face repository id of the form owner/name (for example SmilingWolf/wd-v1-4-convnextv2-tagger-v2).`);
	}
	const dir = join(cacheRoot, cacheFolderName(repoId));
	if (!options.force && await readDownloadRecord(dir)) {
		return dir;
	}
	await fs.mkdir(dir, { recursive: true });
	await fs.rm(join(dir, DOWNLOAD_RECORD), { force: true });
	const endpoint = options.endpoint ?? HUGGING_FACE_ENDPOINT;
	const revision = options.revision ?? 'main';
	const remotes: RemoteFile[] = [];
	for (const file of MODEL_FILES) {
		remotes.push(await probe(resolveUrl(endpoint, repoId, file, revision), `${repoId}/${file}`, options.signal));
	}
	const sizes = remotes.map((r) => r.size);
	const overallTotal = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined;
	let doneBefore = 0;
	const record: DownloadRecord = { repoId, revision, downloadedAt: '', files: {} };
	for (let i = 0; i < MODEL_FILES.length; i++) {
		const file = MODEL_FILES[i];
		const remote = remotes[i];
		const target = join(dir, file);
		if (options.force) {
			await fs.rm(target, { force: true });
		}
		const size = await fetchWithResume(remote, target, file, options, (received) => options.onProgress?.({
			file, received, total: remote.size, overallReceived: doneBefore + received, overallTotal,
		}));
		doneBefore += size;
		record.files[file] = { size, sha256: remote.sha256 };
	}
	record.downloadedAt = new Date().toISOString();
	await fs.writeFile(join(dir, DOWNLOAD_RECORD), `${JSON.stringify(record, null, '\t')}\n`);
	return dir;
}

export async function readDownloadRecord(dir: string): Promise<DownloadRecord | undefined> {
	try {
		const record = JSON.parse(await fs.readFile(join(dir, DOWNLOAD_RECORD), 'utf8')) as DownloadRecord;
		for (const file of MODEL_FILES) {
			const stat = await fs.stat(join(dir, file));
			if (record.files?.[file]?.size !== stat.size) {
				return undefined;
			}
		}
		return record;
	} catch {
		return undefined;
	}
}

/** HEAD without following the redirect: Hugging Face puts the LFS size and sha256 on the redirect itself. */
async function probe(url: string, what: string, signal?: AbortSignal): Promise<RemoteFile> {
	let response = await request(url, { method: 'HEAD', redirect: 'manual', signal }, what);
	const linkedSize = response.headers.get('x-linked-size');
	const linkedEtag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
	const sha256 = linkedEtag ? /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(linkedEtag)?.[1]?.toLowerCase() : undefined;
	if (linkedSize) {
		return { url, size: Number(linkedSize), sha256 };
	}
	if (response.status >= 300 && response.status < 400) {
		response = await request(url, { method: 'HEAD', redirect: 'follow', signal }, what);
	}
	checkStatus(response, what);
	const length = response.headers.get('content-length');
	return { url, size: length ? Number(length) : undefined, sha256 };
}

async function fetchWithResume(remote: RemoteFile, target: string, file: string, options: DownloadOptions, report: (received: number) => void): Promise<number> {
	const part = `${target}.part`;
	const retries = options.retries ?? 3;
	if (remote.size !== undefined && await sizeOf(target) === remote.size && (!remote.sha256 || await sha256Of(target) === remote.sha256)) {
		report(remote.size);
		return remote.size;
	}
	for (let attempt = 0; ; attempt++) {
		try {
			await transfer(remote, part, file, options.signal, report);
			break;
		} catch (err) {
			if (options.signal?.aborted || err instanceof DownloadCancelledError) {
				throw new DownloadCancelledError();
			}
			if (err instanceof DownloadError || attempt >= retries) {
				throw err instanceof DownloadError ? err : new DownloadError(`downloading ${remote.url} failed (${messageOf(err)}); ${await sizeOf(part)} bytes are kept in ${part} and the next download resumes from there.`);
			}
		}
	}
	const size = await sizeOf(part);
	if (remote.size !== undefined && size !== remote.size) {
		await fs.rm(part, { force: true });
		throw new DownloadError(`${file}: received ${size} bytes but the server announced ${remote.size}; the partial file was removed, download again.`);
	}
	if (remote.sha256) {
		const actual = await sha256Of(part);
		if (actual !== remote.sha256) {
			await fs.rm(part, { force: true });
			throw new DownloadError(`${file}: sha256 ${actual} does not match ${remote.sha256} announced by the server; the damaged file was removed, download again.`);
		}
	}
	await fs.rename(part, target);
	return size;
}

async function transfer(remote: RemoteFile, part: string, file: string, signal: AbortSignal | undefined, report: (received: number) => void): Promise<void> {
	let offset = await sizeOf(part);
	if (remote.size !== undefined && offset > remote.size) {
		await fs.rm(part, { force: true });
		offset = 0;
	}
	if (remote.size !== undefined && offset === remote.size) {
		report(offset);
		return;
	}
	const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
	let response = await request(remote.url, { headers, signal }, file);
	if (response.status === 416) {
		await response.body?.cancel();
		offset = 0;
		response = await request(remote.url, { signal }, file);
	}
	checkStatus(response, file);
	const resumed = response.status === 206;
	if (!resumed) {
		offset = 0;
	}
	const handle = await fs.open(part, resumed ? 'a' : 'w');
	let received = offset;
	report(received);
	try {
		if (!response.body) {
			throw new DownloadError(`${remote.url} answered without a body.`);
		}
		for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
			await handle.write(chunk);
			received += chunk.length;
			report(received);
		}
	} finally {
		await handle.close();
	}
	if (remote.size !== undefined && received < remote.size) {
		throw new Error(`the connection closed after ${received} of ${remote.size} bytes`);
	}
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
	try {
		return await fetch(url, init);
	} catch (err) {
		if (init.signal?.aborted) {
			throw new DownloadCancelledError();
		}
		throw new Error(`cannot reach ${new URL(url).host} for ${what} (${messageOf(err)})`, { cause: err });
	}
}

function checkStatus(response: Response, what: string): void {
	if (response.ok) {
		return;
	}
	const hint = response.status === 404
		? 'check the repository id and that the repository has this file'
		: response.status === 401 || response.status === 403
			? 'the repository needs a login or accepted terms; download the files yourself and use a local model folder'
			: 'try again later, or download the files yourself and use a local model folder';
	throw new DownloadError(`${what}: the server answered ${response.status} ${response.statusText}; ${hint}.`);
}

async function sizeOf(path: string): Promise<number> {
	try {
		return (await fs.stat(path)).size;
	} catch {
		return 0;
	}
}

export function sha256Of(path: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
	});
}

function messageOf(err: unknown): string {
	const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
	return `${err instanceof Error ? err.message : String(err)}${cause}`;
}
