/**
 * The image worker thread (started by imageWorkers.ts): decodes, measures and finds faces with its own sharp and
 * its own YuNet session, so a check uses every core and onnxruntime's synchronous run() never blocks the thread
 * that asked (the VS Code extension host, the CLI's event loop).
 */
import { parentPort } from 'node:worker_threads';
import { analyseImage } from './imageAnalysis';
import { createFaceDetector, FaceDetector } from './faceDetector';
import type { WorkerReply, WorkerRequest } from './imageWorkers';

let detector: FaceDetector | undefined;

async function handle(request: WorkerRequest): Promise<WorkerReply> {
	switch (request.type) {
		case 'open':
			detector = request.faceModelPath ? await createFaceDetector(request.faceModelPath) : undefined;
			return { id: request.id, ok: true };
		case 'analyse':
			return { id: request.id, ok: true, analysis: await analyseImage(request.entry, request.options, detector) };
		case 'detect':
			if (!detector) {
				throw new Error('the image worker has no face model');
			}
			return { id: request.id, ok: true, faces: await detector.detect(request.image, request.minScore) };
	}
}

parentPort!.on('message', (request: WorkerRequest) => {
	handle(request).then(
		(reply) => parentPort!.postMessage(reply),
		(err: unknown) => parentPort!.postMessage({ id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
	);
});
