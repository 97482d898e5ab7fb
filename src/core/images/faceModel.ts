import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * YuNet (Apache-2.0, libfacedetection.train) pinned by commit and SHA-256: the product downloads it once
 * into a cache and checks the hash, so a changed or corrupted file is never run.
 */
export const YUNET_MODEL = {
	fileName: 'yunet_n_dynamic.onnx',
	url: 'https://github.com/ShiqiYu/libfacedetection.train/raw/0047ac2/onnx/yunet_n_dynamic.onnx',
	sha256: '104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12',
	bytes: 322906,
} as const;

export interface ModelSource {
	url: string;
	sha256: string;
	fileName: string;
}

export interface EnsureModelOptions {
	cacheDir: string;
	source?: ModelSource;
	signal?: AbortSignal;
	/** Refuse answers larger than this (a wrong URL serving a big page or file). */
	maxBytes?: number;
}

/**
 * The cached model's path, downloading it first if it is missing or does not match its hash. The download
 * goes to a temp file that is renamed into place only after the hash matched.
 */
export async function ensureFaceModel(options: EnsureModelOptions): Promise<string> {
	const source = options.source ?? YUNET_MODEL;
	const target = join(options.cacheDir, source.fileName);
	if ((await sha256OfFile(target).catch(() => undefined)) === source.sha256) {
		return target;
	}
	await fs.mkdir(options.cacheDir, { recursive: true });
	let response: Response;
	try {
		response = await fetch(source.url, { signal: options.signal, redirect: 'follow' });
	} catch (err) {
		throw new Error(`The face model could not be downloaded from ${source.url} (${causeText(err)}). Check the network, or download ${source.fileName} yourself and set loraWorkbench.images.faceModelPath to it.`, { cause: err });
	}
	if (!response.ok || !response.body) {
		throw new Error(`The face model download from ${source.url} failed (HTTP ${response.status}). Download ${source.fileName} yourself and set loraWorkbench.images.faceModelPath to it.`);
	}
	const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
	const temp = join(dirname(target), `.${source.fileName}.${process.pid}.download`);
	const hash = createHash('sha256');
	const handle = await fs.open(temp, 'w');
	let size = 0;
	try {
		const reader = response.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) {
				break;
			}
			size += value.byteLength;
			if (size > maxBytes) {
				await reader.cancel();
				throw new Error(`The face model download from ${source.url} is larger than ${Math.round(maxBytes / 1048576)} MB, so it is not the expected model. Set loraWorkbench.images.faceModelPath to a local copy instead.`);
			}
			hash.update(value);
			await handle.write(value);
		}
		await handle.sync();
	} catch (err) {
		await handle.close();
		await fs.rm(temp, { force: true });
		throw err instanceof Error && err.message.startsWith('The face model') ? err : new Error(`The face model download from ${source.url} broke off (${causeText(err)}). Try again.`);
	}
	await handle.close();
	const actual = hash.digest('hex');
	if (actual !== source.sha256) {
		await fs.rm(temp, { force: true });
		throw new Error(`The file downloaded from ${source.url} is not the expected face model (SHA-256 ${actual}, expected ${source.sha256}), so it was not used. Download ${source.fileName} yourself and set loraWorkbench.images.faceModelPath to it.`);
	}
	await fs.rename(temp, target);
	return target;
}

export async function sha256OfFile(path: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(path)) {
		hash.update(chunk as Buffer);
	}
	return hash.digest('hex');
}

function causeText(err: unknown): string {
	if (err instanceof Error) {
		const cause = (err as Error & { cause?: unknown }).cause;
		return cause instanceof Error ? cause.message : err.message;
	}
	return String(err);
}
