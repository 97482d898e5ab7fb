/**
 * Thumbnails made with sharp and cached on disk outside the dataset, named by a hash of the image file's
 * path and stat (size, mtime, ctime, inode): editing, replacing or renaming an image gives it a new name, so a
 * stale thumbnail is never shown, and a new session finds a thumbnail with two stats, never reading the image
 * (hashing the content cost a full read of every picture per session). ctime is in the key because a program
 * can set mtime back after writing, but not ctime.
 * A bounded pool limits how many images are decoded at once, newest request first, so the thumbnails the
 * gallery scrolled to come before the ones it scrolled past.
 */
import { createHash } from 'node:crypto';
import { Stats, createReadStream, promises as fs } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { extname, join } from 'node:path';
import { requireSharp } from './nativeModules';

/** Bump when the thumbnail recipe or its key changes, so old cache files are not reused. */
const RECIPE = 'v2';

/**
 * A JPEG's thumbnail is a JPEG (it has no transparency to keep), anything else's a WebP: encoding a 256 px WebP was
 * about a sixth of a thumbnail's time, a JPEG about half of that (issue 22: 1,000 camera JPEGs, cold).
 */
function thumbnailFormatOf(imagePath: string): 'jpg' | 'webp' {
	const extension = extname(imagePath).toLowerCase();
	return extension === '.jpg' || extension === '.jpeg' ? 'jpg' : 'webp';
}

export interface ThumbnailOptions {
	/** Folder for the cached files; never inside the dataset. */
	cacheDir: string;
	/** Longest side in pixels. */
	size?: number;
	/** Images decoded at the same time. */
	concurrency?: number;
}

export interface Thumbnail {
	/** The cached thumbnail file (JPEG for a JPEG, else WebP). */
	file: string;
	/** Key of the source file as it is now (path and stat), the thumbnail's name. */
	key: string;
	/** Whether it came from the cache (false: generated now). */
	cached: boolean;
}

export class ThumbnailError extends Error {
	constructor(public readonly imagePath: string, reason: string) {
		super(`${imagePath}: cannot make a thumbnail (${reason}). Check that the file is a readable image.`);
		this.name = 'ThumbnailError';
	}
}

/** The OS cache folder for the CLI and bench (the extension uses its globalStorageUri instead). */
export function defaultThumbnailCacheDir(): string {
	if (process.platform === 'win32') {
		return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'lora-workbench', 'Cache', 'thumbnails');
	}
	if (process.platform === 'darwin') {
		return join(homedir(), 'Library', 'Caches', 'lora-workbench', 'thumbnails');
	}
	return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lora-workbench', 'thumbnails');
}

/**
 * One decode per core and one more, at most 4 (libuv's pool, where sharp runs them off the calling thread, has 4
 * threads): a decode's slot also covers libvips reading the file, a wait that leaves its core idle. On 2 cores, 3
 * slots made 100 thumbnails a second where 2 made 91; one core less left a 2-core machine making them on one.
 */
export function defaultThumbnailConcurrency(): number {
	return Math.max(1, Math.min(4, availableParallelism() + 1));
}

/** SHA-1 of a file's bytes, streamed (a 3000px JPEG is several MB); the likeness cache keys faces by it. */
export async function hashFile(path: string): Promise<string> {
	const hash = createHash('sha1');
	for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
		hash.update(chunk as Buffer);
	}
	return hash.digest('hex');
}

/** The thumbnail key of a file: what changes whenever its content can have changed. */
export function thumbnailKey(path: string, stat: Stats): string {
	return createHash('sha1').update(`${path}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}`).digest('hex');
}

interface Job {
	run: () => Promise<void>;
	signal?: AbortSignal;
}

export class ThumbnailCache {
	readonly cacheDir: string;
	readonly size: number;
	readonly concurrency: number;
	private readonly inFlight = new Map<string, Promise<Thumbnail>>();
	private readonly queue: Job[] = [];
	private running = 0;
	/** Requests not decoding yet: looking up the cache, or queued for a slot. */
	private waiting = 0;
	/** Cache subfolders made (or found) this session: a mkdir per thumbnail was one more thread-pool round trip. */
	private readonly madeDirs = new Set<string>();

	constructor(options: ThumbnailOptions) {
		this.cacheDir = options.cacheDir;
		this.size = options.size ?? 256;
		this.concurrency = Math.max(1, options.concurrency ?? defaultThumbnailConcurrency());
	}

	/** Requests waiting: looking up the cache or queued for a slot (not counting the ones decoding). */
	get pending(): number {
		return this.waiting;
	}

	/** The thumbnail of an image, from the cache or made now. Rejects with ThumbnailError, or AbortError when aborted before it started. */
	thumbnail(imagePath: string, signal?: AbortSignal): Promise<Thumbnail> {
		const existing = this.inFlight.get(imagePath);
		if (existing) {
			return existing;
		}
		this.waiting++;
		const promise = this.make(imagePath, signal);
		this.inFlight.set(imagePath, promise);
		const forget = () => {
			if (this.inFlight.get(imagePath) === promise) {
				this.inFlight.delete(imagePath);
			}
		};
		promise.then(forget, forget);
		return promise;
	}

	/** Where the thumbnail of the file with this key lives. */
	fileFor(key: string, imagePath: string): string {
		return join(this.cacheDir, key.slice(0, 2), `${key}-${this.size}-${RECIPE}.${thumbnailFormatOf(imagePath)}`);
	}

	/** Deletes the oldest thumbnails until the cache holds at most `maxBytes`. Returns files removed. */
	async prune(maxBytes: number): Promise<number> {
		const files: Array<{ path: string; size: number; mtimeMs: number }> = [];
		const dirs = await fs.readdir(this.cacheDir).catch(() => [] as string[]);
		for (const dir of dirs) {
			for (const name of await fs.readdir(join(this.cacheDir, dir)).catch(() => [] as string[])) {
				const path = join(this.cacheDir, dir, name);
				const stat = await fs.stat(path).catch(() => undefined);
				if (stat?.isFile()) {
					files.push({ path, size: stat.size, mtimeMs: stat.mtimeMs });
				}
			}
		}
		files.sort((a, b) => b.mtimeMs - a.mtimeMs);
		let total = 0;
		let removed = 0;
		for (const file of files) {
			total += file.size;
			if (total > maxBytes) {
				await fs.rm(file.path, { force: true });
				removed++;
			}
		}
		return removed;
	}

	private async encode(imagePath: string): Promise<Buffer> {
		const sharp = requireSharp();
		try {
			const thumbnail = sharp(imagePath, { failOn: 'none' })
				.rotate()
				.resize(this.size, this.size, { fit: 'inside', withoutEnlargement: true });
			return await (thumbnailFormatOf(imagePath) === 'jpg'
				// White under any transparency, should a PNG be named .jpg.
				? thumbnail.flatten({ background: '#ffffff' }).jpeg({ quality: 82 })
				// Effort 0: a third less time per thumbnail than 2 for a 256 px picture, a few hundred bytes more.
				: thumbnail.webp({ quality: 78, effort: 0 })
			).toBuffer();
		} catch (err) {
			throw new ThumbnailError(imagePath, err instanceof Error ? err.message : String(err));
		}
	}

	private schedule<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			if (signal?.aborted) {
				reject(new DOMException('Thumbnail request aborted', 'AbortError'));
				return;
			}
			const job: Job = { signal, run: () => work().then(resolve, reject) };
			this.queue.push(job);
			if (signal) {
				signal.addEventListener('abort', () => {
					const index = this.queue.indexOf(job);
					if (index >= 0) {
						this.queue.splice(index, 1);
						reject(signal.reason instanceof Error ? signal.reason : new DOMException('Thumbnail request aborted', 'AbortError'));
					}
				}, { once: true });
			}
			this.pump();
		});
	}

	private pump(): void {
		while (this.running < this.concurrency && this.queue.length > 0) {
			// Newest first: what the user looks at now matters more than what they scrolled past.
			const job = this.queue.pop()!;
			this.running++;
			void job.run().finally(() => {
				this.running--;
				this.pump();
			});
		}
	}

	/**
	 * Only the decode and encode hold one of the `concurrency` slots: the cache lookup before and the write after
	 * are file-system round trips, during which a held slot would leave a core idle (17% fewer thumbnails a second
	 * with 2 slots on 2 cores, when the write held its slot).
	 */
	private async make(imagePath: string, signal?: AbortSignal): Promise<Thumbnail> {
		let decoding = false;
		try {
			const stat = await fs.stat(imagePath).catch((err: NodeJS.ErrnoException) => {
				throw new ThumbnailError(imagePath, err.code === 'ENOENT' ? 'the file does not exist' : err.code ?? err.message);
			});
			const key = thumbnailKey(imagePath, stat);
			const file = this.fileFor(key, imagePath);
			if (await fs.stat(file).then((s) => s.size > 0, () => false)) {
				return { file, key, cached: true };
			}
			const data = await this.schedule(() => {
				decoding = true;
				this.waiting--;
				return this.encode(imagePath);
			}, signal);
			// Temp + rename so a reader never sees half a thumbnail; no fsync, it is only a cache.
			const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
			const dir = join(this.cacheDir, key.slice(0, 2));
			if (!this.madeDirs.has(dir)) {
				await fs.mkdir(dir, { recursive: true });
				this.madeDirs.add(dir);
			}
			await fs.writeFile(temp, data).catch(async (err: NodeJS.ErrnoException) => {
				if (err.code !== 'ENOENT') {
					throw err;
				}
				// The cache folder was removed while the session ran (emptied by hand): made again.
				await fs.mkdir(dir, { recursive: true });
				await fs.writeFile(temp, data);
			});
			await fs.rename(temp, file);
			return { file, key, cached: false };
		} finally {
			if (!decoding) {
				this.waiting--;
			}
		}
	}
}
