/**
 * The tagger's image preparation thread (preprocessPool.ts starts it): each request names one image, the reply
 * carries its prepared pixels (handed over, not copied) or why it could not be prepared. The pool hands outputs back
 * once they are in a batch (RecycleRequest), and they are written again: a fresh 600 KB output for every image cost
 * about as much in first-touch page faults as its resize.
 */
import { parentPort } from 'node:worker_threads';
import { ImageDecodeError, preprocessForTagger } from './preprocess';

export interface PrepareRequest {
	id: number;
	file: string;
	size: number;
}

export interface RecycleRequest {
	recycle: ArrayBuffer[];
}

export type PrepareReply =
	| { id: number; ok: true; pixels: Uint8Array }
	| { id: number; ok: false; decodeReason?: string; message: string };

/** Enough for the images a thread holds at once and a batch on its way back. */
const SPARE_LIMIT = 8;
const spare: ArrayBuffer[] = [];

function spareOf(bytes: number): Uint8Array | undefined {
	const index = spare.findIndex((buffer) => buffer.byteLength === bytes);
	return index < 0 ? undefined : new Uint8Array(spare.splice(index, 1)[0]);
}

parentPort?.on('message', async (message: PrepareRequest | RecycleRequest) => {
	if ('recycle' in message) {
		spare.push(...message.recycle.slice(0, SPARE_LIMIT - spare.length));
		return;
	}
	const { id, file, size } = message;
	try {
		const pixels = await preprocessForTagger(file, size, spareOf(size * size * 3));
		parentPort?.postMessage({ id, ok: true, pixels } satisfies PrepareReply, [pixels.buffer as ArrayBuffer]);
	} catch (err) {
		const reply: PrepareReply = err instanceof ImageDecodeError
			? { id, ok: false, decodeReason: err.reason, message: err.message }
			: { id, ok: false, message: err instanceof Error ? err.message : String(err) };
		parentPort?.postMessage(reply);
	}
});
