/**
 * The tagger's image preparation thread (preprocessPool.ts starts it): each message names one image, the reply
 * carries its prepared pixels (handed over, not copied) or why it could not be prepared.
 */
import { parentPort } from 'node:worker_threads';
import { ImageDecodeError, preprocessForTagger } from './preprocess';

export interface PrepareRequest {
	id: number;
	file: string;
	size: number;
}

export type PrepareReply =
	| { id: number; ok: true; pixels: Uint8Array }
	| { id: number; ok: false; decodeReason?: string; message: string };

parentPort?.on('message', async ({ id, file, size }: PrepareRequest) => {
	try {
		const pixels = await preprocessForTagger(file, size);
		parentPort?.postMessage({ id, ok: true, pixels } satisfies PrepareReply, [pixels.buffer as ArrayBuffer]);
	} catch (err) {
		const reply: PrepareReply = err instanceof ImageDecodeError
			? { id, ok: false, decodeReason: err.reason, message: err.message }
			: { id, ok: false, message: err instanceof Error ? err.message : String(err) };
		parentPort?.postMessage(reply);
	}
});
