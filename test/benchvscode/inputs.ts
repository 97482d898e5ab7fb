/**
 * Inputs of the VS Code bench tier, generated at bench time. Each training folder is built in a staging
 * folder beside the test workspace and then moved in with one rename, so the file watchers see one new
 * folder rather than thousands of files arriving one by one.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { encodeHistoryLine, historyRunId, HISTORY_SUFFIX } from '../../src/core/trainerLog/history';
import { sharedFixture } from '../support/paths';
import { withJpegComment } from '../support/jpegComment';

export const TRIGGER = 'b3nch';

/** Builds a folder with `build(root)` outside the workspace, then moves it to `<workspace>/<name>`. */
export async function stageFolder(workspace: string, name: string, build: (root: string) => Promise<void>): Promise<string> {
	return (await buildStaged(workspace, name, build)).moveIn();
}

/**
 * Builds the folder in a staging folder now; `moveIn` moves it into the workspace later. The host bench times from the
 * move: writing 40,000 files from the extension host's own thread is the bench's work, not the extension's, and its
 * garbage was collected inside the timed phase.
 */
export async function buildStaged(workspace: string, name: string, build: (root: string) => Promise<void>): Promise<{ moveIn(): Promise<string>; discard(): Promise<void> }> {
	const staging = await fs.mkdtemp(join(tmpdir(), 'lw-bench-stage-'));
	try {
		await build(join(staging, name));
	} catch (err) {
		await fs.rm(staging, { recursive: true, force: true });
		throw err;
	}
	return {
		async moveIn() {
			try {
				const root = join(workspace, name);
				await fs.rename(join(staging, name), root);
				return root;
			} finally {
				await fs.rm(staging, { recursive: true, force: true });
			}
		},
		/** Removes the staging folder if the folder was never moved in (a failed run). */
		async discard() {
			await fs.rm(staging, { recursive: true, force: true });
		},
	};
}

async function sharp() {
	return (await import('sharp')).default;
}

/** A shared photo cropped to cover `width` x `height` (upscaled when it is smaller), as a JPEG. */
async function photoJpeg(photo: string, width: number, height: number, quality = 90): Promise<Buffer> {
	return (await sharp())(sharedFixture('photos', 'people', photo)).rotate().resize(width, height, { fit: 'cover', position: 'attention' }).jpeg({ quality }).toBuffer();
}

/** Writes `<root>/<subsetDir>/<stem>.jpg` and its caption; returns the image's path relative to `root`. */
async function writeCaptioned(root: string, subsetDir: string, stem: string, jpeg: Buffer, caption: string): Promise<string> {
	const dir = join(root, subsetDir);
	await fs.mkdir(dir, { recursive: true });
	await fs.writeFile(join(dir, `${stem}.jpg`), jpeg);
	await fs.writeFile(join(dir, `${stem}.txt`), caption);
	return join(subsetDir, `${stem}.jpg`);
}

/** Image paths relative to the training folder (it is built in a staging folder, then moved). */
export interface CaptionEditorImages {
	warmup: string;
	small: string[];
	large: string[];
	/** One subset of `rounds + 1` camera-size photos, stepped through with Next. */
	steps: string[];
}

/**
 * One subset per image (a subset of one has no neighbours, so opening one image never prepares another's
 * preview): a warm-up image, `rounds` 512x768 photos and `rounds` copies of a 4000x6000 upscaled photo. The
 * preview cache is keyed by path, so every copy of the large image is a cold open.
 */
export async function buildCaptionEditorFolder(root: string, rounds: number): Promise<CaptionEditorImages> {
	const caption = `${TRIGGER}, 1girl, solo, smile, looking at viewer, portrait, brown hair, outdoors`;
	const small = await photoJpeg('obama1.jpg', 512, 768);
	const large = await photoJpeg('obama.jpg', 4000, 6000, 92);
	const images: CaptionEditorImages = { warmup: '', small: [], large: [], steps: [] };
	images.warmup = await writeCaptioned(root, join('images', '1_warmup'), 'warmup', await photoJpeg('biden.jpg', 512, 768), caption);
	for (let i = 1; i <= rounds; i++) {
		images.small.push(await writeCaptioned(root, join('images', `1_small${i}`), 'portrait_512x768', small, caption));
		images.large.push(await writeCaptioned(root, join('images', `1_large${i}`), 'portrait_4000x6000', large, caption));
	}
	for (let i = 0; i <= rounds; i++) {
		images.steps.push(await writeCaptioned(root, join('images', '1_steps'), `step_${i}`, large, caption));
	}
	await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: ${TRIGGER}\nclass: woman\n`);
	return images;
}

/** A small deterministic generator, so every run builds the same inputs. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

/**
 * A finished run's history in `<logDir>`: `steps` step records (loss and avr_loss, as when the bar has a
 * `loss=` postfix) over 10 epochs, a person LoRA's noisy, slowly falling loss. Returns the run id.
 */
export async function writeLossHistory(logDir: string, steps: number, startedAt: Date): Promise<string> {
	const outputName = `${TRIGGER}-${steps}`;
	const id = historyRunId(outputName, startedAt);
	const next = random(steps);
	const epochs = 10;
	const perEpoch = Math.ceil(steps / epochs);
	const lines = [encodeHistoryLine({ type: 'run', version: 1, id, outputName, folderRoot: join(logDir, '..'), startedAt: startedAt.getTime() })];
	let sum = 0;
	for (let step = 1; step <= steps; step++) {
		if ((step - 1) % perEpoch === 0) {
			lines.push(encodeHistoryLine({ type: 'epoch', epoch: Math.floor((step - 1) / perEpoch) + 1, epochs }));
		}
		const loss = 0.08 + 0.06 * Math.exp(-step / (steps / 4)) + 0.05 * (next() - 0.5);
		sum += loss;
		lines.push(encodeHistoryLine({ type: 'step', step, total: steps, epoch: Math.floor((step - 1) / perEpoch) + 1, loss, avrLoss: sum / step }));
	}
	lines.push(encodeHistoryLine({ type: 'exit', code: 0, signal: null, at: startedAt.getTime() + steps * 300 }));
	await fs.mkdir(logDir, { recursive: true });
	await fs.writeFile(join(logDir, `${id}${HISTORY_SUFFIX}`), lines.join(''));
	return id;
}

const GALLERY_PHOTOS = ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg', 'unsplash_makhmutova_dina.jpg', 'darknet_person.jpg'];

/**
 * `count` captioned 512x768 JPEGs (the size SD 1.5 trains on) in three subsets (face 60 %, body 30 %,
 * costume 10 %). Eight photos are encoded once; every file gets its own comment segment (naming the folder
 * too), so each has its own content hash and its thumbnail is made for real. Captions: 15-30 tags from the WD14 tag list with a
 * tagger's Zipf-like spread, the trigger first.
 */
export async function buildGalleryFolder(root: string, count: number): Promise<void> {
	const bases = await Promise.all(GALLERY_PHOTOS.map((photo) => photoJpeg(photo, 512, 768, 85)));
	const names = readFileSync(sharedFixture('tags', 'selected_tags.csv'), 'utf8').split('\n').slice(1)
		.map((line) => line.split(',')).filter((cols) => cols[2] === '0').map((cols) => cols[1]).slice(0, 3000);
	const next = random(count);
	const subsets = [
		{ dir: `24_${TRIGGER} woman`, share: 0.6 },
		{ dir: `16_${TRIGGER} woman body`, share: 0.3 },
		{ dir: `8_${TRIGGER} woman costume`, share: 0.1 },
	];
	let written = 0;
	for (const [s, subset] of subsets.entries()) {
		const dir = join(root, 'images', subset.dir);
		await fs.mkdir(dir, { recursive: true });
		const inSubset = s === subsets.length - 1 ? count - written : Math.round(count * subset.share);
		for (let i = 0; i < inSubset; i++, written++) {
			const tags = new Set([TRIGGER, '1girl', ...(s === 2 ? ['maid', 'maid headdress'] : [])]);
			const size = 15 + Math.floor(next() * 16);
			while (tags.size < size) {
				tags.add(names[Math.floor(names.length * next() ** 3)].replace(/_/g, ' '));
			}
			const stem = `img_${String(written + 1).padStart(5, '0')}`;
			await fs.writeFile(join(dir, `${stem}.jpg`), withJpegComment(bases[written % bases.length], `lora-workbench bench ${basename(root)} image ${written}`));
			await fs.writeFile(join(dir, `${stem}.txt`), [...tags].join(', '));
		}
	}
	await fs.writeFile(join(root, 'lora-workbench.yaml'), `trigger: ${TRIGGER}\nclass: woman\n`);
}
