import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { freeImageName, recropInPlace, restoreOriginal, writeCrop } from '../../src/core/images/cropOutput';
import { faceMargin, mainFace, proposeCrop } from '../../src/core/images/cropProposal';
import { decodeForAnalysis } from '../../src/core/images/decode';
import { createFaceDetector, FaceDetector } from '../../src/core/images/faceDetector';
import { ensureFaceModel, sha256OfFile } from '../../src/core/images/faceModel';
import { Box, FaceBox } from '../../src/core/images/types';
import { PORTRAITS } from '../support/fixtures';
import { sharedFixture } from '../support/paths';

const CLOSE_UP = { width: 512, height: 512 };

/** The face box's place in a crop, in face heights: what the guide's "top of the hair to the neck" means here. */
function framing(box: Box, face: FaceBox): { share: number; above: number; below: number } {
	return {
		share: face.height / box.height,
		above: (face.y - box.y) / face.height,
		below: (box.y + box.height - face.y - face.height) / face.height,
	};
}

describe('face close-up framing of images (512x512) on the real portraits', () => {
	let detector: FaceDetector;
	let dir: string;
	// The cropper's own decode settings, so the boxes are the ones the user sees.
	const detect = async (path: string) => {
		const decoded = await decodeForAnalysis(path, { maxPixels: 1e8, analysisShortSide: 768, analysisMaxLongSide: 1600 });
		assert.ok(decoded.ok, path);
		const faces = await detector.detect(decoded.image, 0.8);
		return { faces, face: mainFace(faces)!, width: decoded.info.width, height: decoded.info.height };
	};
	before(async () => {
		detector = await createFaceDetector(sharedFixture('models', 'yunet_n_dynamic.onnx'));
		dir = await mkdtemp(join(tmpdir(), 'lora-framing-'));
	});
	after(async () => {
		await detector.release();
		await rm(dir, { recursive: true, force: true });
	});

	for (const name of PORTRAITS) {
		it(`${name}: the face fills about half the square, hair room above, neck and shoulders below`, async () => {
			// Grey borders give every portrait room on all sides, so the framing itself is measured, not the photo's edges.
			const padded = join(dir, name);
			const meta = await sharp(sharedFixture('photos', 'people', name)).metadata();
			const padX = Math.round(meta.width / 2);
			const padY = Math.round(meta.height / 2);
			await sharp(sharedFixture('photos', 'people', name)).rotate().extend({ top: padY, bottom: padY, left: padX, right: padX, background: '#808080' }).jpeg({ quality: 92 }).toFile(padded);
			const { faces, face, width, height } = await detect(padded);
			assert.equal(faces.length, 1);
			const { box } = proposeCrop(width, height, CLOSE_UP, faces);
			const { share, above, below } = framing(box, face);
			assert.ok(share >= 0.45 && share <= 0.55, `face is ${share.toFixed(2)} of the side`);
			assert.ok(above >= 0.35 && above <= 0.5, `top ${above.toFixed(2)} face heights above the face box`);
			assert.ok(below >= 0.4 && below <= 0.65, `bottom ${below.toFixed(2)} face heights below the chin (neck/shoulders, not the chest)`);
			assert.ok(faceMargin(box, face) >= 0.35 * face.height, 'the whole face box with margin');
			assert.ok(Math.abs(box.x + box.width / 2 - (face.x + face.width / 2)) < 2, 'centred on the face');
		});
	}
	for (const name of PORTRAITS) {
		it(`${name} as it is: inside the photo, whole face with margin, never looser than the framing`, async () => {
			const { faces, face, width, height } = await detect(sharedFixture('photos', 'people', name));
			const { box } = proposeCrop(width, height, CLOSE_UP, faces);
			assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height, `inside the image: ${JSON.stringify(box)}`);
			assert.equal(box.width, box.height);
			const room = Math.min(face.x, face.y, width - face.x - face.width, height - face.y - face.height);
			assert.ok(faceMargin(box, face) >= Math.min(0.08 * face.height, room), `margin for face ${JSON.stringify(face)}`);
			// Where the photo's edges stop the box, it gets tighter around the face, never looser.
			assert.ok(framing(box, face).share >= 0.45, `face is ${framing(box, face).share.toFixed(2)} of the side`);
		});
	}
	it('obama3.jpg (room everywhere) stops at the neck and shoulders, not mid-chest', async () => {
		const { faces, face, width, height } = await detect(sharedFixture('photos', 'people', 'obama3.jpg'));
		const { box } = proposeCrop(width, height, CLOSE_UP, faces);
		const { share, above, below } = framing(box, face);
		assert.ok(share >= 0.45 && share <= 0.55, `face is ${share.toFixed(2)} of the side`);
		assert.ok(above >= 0.35 && above <= 0.5, `top ${above.toFixed(2)} face heights above the face box`);
		assert.ok(below <= 0.65, `bottom ${below.toFixed(2)} face heights below the chin`);
	});
});

describe('crop output', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-crop-'));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('writes exactly the target size in 8-bit sRGB without touching the source', async () => {
		const source = join(dir, 'deep.png');
		await sharp(sharedFixture('photos', 'people', 'obama.jpg')).toColourspace('rgb16').png().toFile(source);
		const before = await readFile(source);
		const out = join(dir, 'out.png');
		await writeCrop({ source, box: { x: 100, y: 50, width: 700, height: 700 }, target: { width: 512, height: 512 } }, out);
		const meta = await sharp(out).metadata();
		assert.deepEqual([meta.width, meta.height, meta.space, meta.depth, meta.channels], [512, 512, 'srgb', 'uchar', 3]);
		assert.ok((await readFile(source)).equals(before), 'the source is unchanged');
	});
	it('applies EXIF orientation: the crop of a rotated-on-disk photo matches the upright one', async () => {
		const upright = join(dir, 'upright.jpg');
		const stored = join(dir, 'stored.jpg');
		// Top half red, bottom half blue, so orientation shows in the pixels.
		const picture = sharp({ create: { width: 400, height: 600, channels: 3, background: '#0000ff' } }).composite([{ input: { create: { width: 400, height: 300, channels: 3, background: '#ff0000' } }, top: 0, left: 0 }]);
		await picture.clone().jpeg().toFile(upright);
		await sharp(await picture.clone().png().toBuffer()).rotate(90).withMetadata({ orientation: 8 }).jpeg().toFile(stored);
		const out = join(dir, 'exif.png');
		await writeCrop({ source: stored, box: { x: 0, y: 0, width: 400, height: 600 }, target: { width: 40, height: 60 } }, out);
		const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
		assert.ok(data[0] > 200 && data[2] < 50, 'top-left is red');
		const last = data.length - 3;
		assert.ok(data[last + 2] > 200 && data[last] < 50, 'bottom-right is blue');
		assert.equal((await sharp(out).metadata()).orientation, undefined, 'no orientation left to apply twice');
	});
	it('applies the user rotation on top, with the box in the rotated frame', async () => {
		const source = join(dir, 'wide.png');
		await sharp({ create: { width: 600, height: 400, channels: 3, background: '#00ff00' } }).png().toFile(source);
		const out = join(dir, 'rot.png');
		await writeCrop({ source, box: { x: 0, y: 0, width: 400, height: 600 }, target: { width: 512, height: 768 }, rotate: 90 }, out);
		const meta = await sharp(out).metadata();
		assert.deepEqual([meta.width, meta.height], [512, 768]);
	});
	it('picks names that clash with no image and no caption', async () => {
		const subset = join(dir, 'subset');
		await mkdir(subset);
		await writeFile(join(subset, 'photo.jpg'), '');
		await writeFile(join(subset, 'photo_2.txt'), '');
		assert.equal(await freeImageName(subset, 'photo', '.png'), join(subset, 'photo_3.png'));
		assert.equal(await freeImageName(subset, 'new', '.png'), join(subset, 'new.png'));
		assert.equal(await freeImageName(subset, 'a/b:c', '.png'), join(subset, 'a_b_c.png'));
	});
	it('re-crops an image in place, keeping the original outside images/, and restores it', async () => {
		const root = join(dir, 'folder');
		const subset = join(root, 'images', '10_x woman');
		await mkdir(subset, { recursive: true });
		const image = join(subset, 'a.jpg');
		await sharp(sharedFixture('photos', 'people', 'obama.jpg')).toFile(image);
		const original = await readFile(image);
		const { backup } = await recropInPlace(root, { source: image, box: { x: 0, y: 0, width: 900, height: 900 }, target: { width: 512, height: 512 } });
		assert.equal(backup, join(root, 'originals', '10_x woman', 'a.jpg'));
		assert.ok((await readFile(backup)).equals(original));
		const meta = await sharp(image).metadata();
		assert.deepEqual([meta.width, meta.height, meta.format], [512, 512, 'jpeg']);
		await assert.rejects(recropInPlace(root, { source: image, box: { x: 0, y: 0, width: 512, height: 512 }, target: { width: 512, height: 512 } }), /already holds an original/);
		await restoreOriginal(root, image);
		assert.ok((await readFile(image)).equals(original));
		await assert.rejects(stat(backup));
	});
});

describe('face model download', () => {
	let server: Server;
	let base: string;
	let requests = 0;
	let dir: string;
	const model = sharedFixture('models', 'yunet_n_dynamic.onnx');

	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'lora-model-'));
		const bytes = await readFile(model);
		server = createServer((req, res) => {
			requests++;
			if (req.url === '/model.onnx') {
				res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
			} else if (req.url === '/redirect') {
				res.writeHead(302, { location: '/model.onnx' }).end();
			} else if (req.url === '/wrong.onnx') {
				res.writeHead(200).end(Buffer.from('not the model'));
			} else {
				res.writeHead(404).end();
			}
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	after(async () => {
		await new Promise<void>((resolve) => server.close(() => resolve()));
		await rm(dir, { recursive: true, force: true });
	});

	const source = (path: string) => ({ url: `${base}${path}`, sha256: '104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12', fileName: 'yunet_n_dynamic.onnx' });

	it('downloads once (following redirects), checks the SHA-256, then serves the cache', async () => {
		const cacheDir = join(dir, 'cache');
		const path = await ensureFaceModel({ cacheDir, source: source('/redirect') });
		assert.equal(await sha256OfFile(path), await sha256OfFile(model));
		const count = requests;
		assert.equal(await ensureFaceModel({ cacheDir, source: source('/redirect') }), path);
		assert.equal(requests, count, 'no second download');
	});
	it('refuses a file with the wrong hash and leaves nothing in the cache', async () => {
		const cacheDir = join(dir, 'wrong');
		await assert.rejects(ensureFaceModel({ cacheDir, source: source('/wrong.onnx') }), /not the expected face model \(SHA-256 [0-9a-f]{64}, expected 104ee26c.*faceModelPath/);
		await assert.rejects(stat(join(cacheDir, 'yunet_n_dynamic.onnx')));
	});
	it('says what failed on HTTP errors and unreachable hosts', async () => {
		await assert.rejects(ensureFaceModel({ cacheDir: join(dir, 'missing'), source: source('/missing') }), /HTTP 404/);
		await assert.rejects(ensureFaceModel({ cacheDir: join(dir, 'down'), source: { ...source(''), url: 'http://127.0.0.1:1/model.onnx' } }), /could not be downloaded .*Check the network/);
	});
	it('re-downloads a cached file that was corrupted', async () => {
		const cacheDir = join(dir, 'corrupt');
		await mkdir(cacheDir);
		await writeFile(join(cacheDir, 'yunet_n_dynamic.onnx'), 'garbage');
		const path = await ensureFaceModel({ cacheDir, source: source('/model.onnx') });
		assert.equal(await sha256OfFile(path), await sha256OfFile(model));
	});
});
