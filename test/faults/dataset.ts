/**
 * Fault suite (issue 20): the 200-image training folder every kill case starts from, and snapshots of a folder's
 * state (images by content, their captions, the other files, temp files and leftovers) with the checks made after a
 * kill and after a rerun.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, readFileSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeImage } from '../support/fixtures';
import { sharedFixture } from '../support/paths';
import { seededRandom } from '../support/onnxBuilder';

export const TRIGGER = '3mm4w4ts0n';
const VOCABULARY = ['smile', 'blue hair', 'long hair', 'looking at viewer', 'outdoors', 'red dress', 'glasses',
	'short hair', 'upper body', 'indoors', 'blonde hair', 'from side', 'earrings', 'white shirt', 'portrait'];
const PHOTOS = ['obama.jpg', 'obama1.jpg', 'biden.jpg', 'unsplash_makhmutova_dina.jpg'];

export const random = seededRandom;

export const SUBSETS: { dir: string; role: string; images: number; size: [number, number] }[] = [
	{ dir: `24_${TRIGGER} woman`, role: 'face', images: 60, size: [128, 128] },
	{ dir: `16_${TRIGGER} woman`, role: 'body', images: 60, size: [128, 192] },
	{ dir: `8_${TRIGGER} woman red dress`, role: 'costume', images: 50, size: [128, 128] },
	{ dir: `4_${TRIGGER} woman glasses`, role: 'costume', images: 30, size: [128, 192] },
];

/** `<parent>/dataset`: 200 images in the guide's layout (4 of them real photos), captions, lora-workbench.yaml. */
export async function buildDataset(parent: string): Promise<string> {
	const root = join(parent, 'dataset');
	const rnd = random(20);
	let n = 0;
	for (const subset of SUBSETS) {
		const dir = join(root, 'images', subset.dir);
		await fs.mkdir(dir, { recursive: true });
		for (let i = 0; i < subset.images; i++, n++) {
			const stem = `img_${String(i + 1).padStart(3, '0')}`;
			const photo = subset.role === 'face' && i < PHOTOS.length ? `people/${PHOTOS[i]}` : undefined;
			// Every image differs (colour from the running number), so images are told apart by their bytes.
			await writeImage(join(dir, `${stem}.${i % 3 === 0 ? 'png' : 'jpg'}`), {
				width: subset.size[0], height: subset.size[1], photo,
				color: [(n * 47) % 256, (n * 91 + 30) % 256, (n * 13 + 60) % 256],
			});
			if (i % 10 === 9) {
				continue; // some images without a caption
			}
			const tags = VOCABULARY.filter(() => rnd() < 0.3);
			await fs.writeFile(join(dir, `${stem}.txt`), [TRIGGER, 'woman', ...tags].join(', ') + (i % 2 ? '\n' : ''));
		}
	}
	await fs.writeFile(join(root, 'lora-workbench.yaml'), [
		'# fault suite dataset',
		`trigger: ${TRIGGER}`,
		'class: woman',
		'subsets:',
		...SUBSETS.map((s) => `  "images/${s.dir}":\n    role: ${s.role}`),
		'',
	].join('\n'));
	return root;
}

export function sharedPhoto(name: string): string {
	return sharedFixture('photos', 'people', name);
}

const IMAGE = /\.(png|jpe?g|webp|bmp)$/i;
export const TEMP = /(^\.lw-.*\.tmp$)|(\.tmp$)|(\.partial$)|(^\.~)|(~$)/i;
export const LEFTOVERS = new Set(['.lora-workbench.lock', '.lora-rename-journal.json']);

export interface ImageState { path: string; caption: string | undefined }
export interface Snapshot {
	/** sha1 of the image bytes -> where it is and its caption (hex of the bytes, or undefined: no caption). */
	images: Map<string, ImageState>;
	/** Images whose bytes occur more than once. */
	duplicates: string[];
	/** Every other file, by path relative to the root -> sha1. */
	files: Map<string, string>;
	temps: string[];
	leftovers: string[];
	/** Keys of lora-workbench.yaml's subsets: that name no existing folder. */
	staleKeys: string[];
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');

export function snapshot(root: string): Snapshot {
	const snap: Snapshot = { images: new Map(), duplicates: [], files: new Map(), temps: [], leftovers: [], staleKeys: [] };
	const walk = (dir: string) => {
		const names = readdirSync(dir);
		const captionsTaken = new Set<string>();
		for (const name of names) {
			const path = join(dir, name);
			const rel = relative(root, path);
			const stat = lstatSync(path);
			if (stat.isDirectory()) {
				walk(path);
			} else if (TEMP.test(name)) {
				snap.temps.push(rel);
			} else if (LEFTOVERS.has(name)) {
				snap.leftovers.push(rel);
			} else if (IMAGE.test(name)) {
				const hash = sha1(readFileSync(path));
				const captionName = name.replace(IMAGE, '.txt');
				const captionPath = join(dir, captionName);
				captionsTaken.add(captionName);
				const caption = existsSync(captionPath) ? sha1(readFileSync(captionPath)) : undefined;
				if (snap.images.has(hash)) {
					snap.duplicates.push(rel);
				} else {
					snap.images.set(hash, { path: rel, caption });
				}
			}
		}
		for (const name of names) {
			const path = join(dir, name);
			if (!TEMP.test(name) && !LEFTOVERS.has(name) && !IMAGE.test(name) && !captionsTaken.has(name) && lstatSync(path).isFile()) {
				snap.files.set(relative(root, path), sha1(readFileSync(path)));
			}
		}
	};
	walk(root);
	const yamlPath = join(root, 'lora-workbench.yaml');
	if (existsSync(yamlPath)) {
		try {
			const settings = parseYaml(readFileSync(yamlPath, 'utf8')) as { subsets?: Record<string, unknown> } | null;
			for (const key of Object.keys(settings?.subsets ?? {})) {
				if (!existsSync(join(root, key))) {
					snap.staleKeys.push(key);
				}
			}
		} catch (err) {
			snap.staleKeys.push(`(lora-workbench.yaml does not parse: ${String(err)})`);
		}
	}
	return snap;
}

/**
 * What is wrong with `killed` as a state between `before` and `after`: images lost, duplicated or half-written,
 * captions that are neither their before nor their after bytes, other files likewise. Temp files and leftovers
 * (lock, journal) are reported by the caller.
 */
export function betweenProblems(before: Snapshot, after: Snapshot, killed: Snapshot): string[] {
	const problems: string[] = [];
	for (const dup of killed.duplicates) { problems.push(`duplicated image ${dup}`); }
	for (const [hash, state] of killed.images) {
		const b = before.images.get(hash);
		const a = after.images.get(hash);
		if (!b && !a) {
			problems.push(`image ${state.path} is neither a before nor an after image (half-written?)`);
			continue;
		}
		if (state.path !== b?.path && state.path !== a?.path) {
			problems.push(`image ${state.path} is in neither its before (${b?.path}) nor its after (${a?.path}) place`);
		}
		if (state.caption !== b?.caption && state.caption !== a?.caption) {
			problems.push(`caption of ${state.path} is neither its before nor its after text (mixed or half-written)`);
		}
	}
	for (const [hash, state] of before.images) {
		if (!killed.images.has(hash) && after.images.has(hash)) {
			problems.push(`image lost: ${state.path}`);
		}
	}
	for (const [path, hash] of killed.files) {
		if (hash !== before.files.get(path) && hash !== after.files.get(path)) {
			problems.push(`file ${path} is neither its before nor its after content`);
		}
	}
	for (const path of before.files.keys()) {
		if (after.files.has(path) && !killed.files.has(path)) {
			problems.push(`file lost: ${path}`);
		}
	}
	return problems;
}

/** Differences between two snapshots that should be equal (a rerun's result and the uninterrupted one). */
export function differences(expected: Snapshot, actual: Snapshot): string[] {
	const problems: string[] = [];
	for (const [hash, state] of expected.images) {
		const got = actual.images.get(hash);
		if (!got) {
			problems.push(`missing image ${state.path}`);
		} else if (got.path !== state.path) {
			problems.push(`image ${state.path} is at ${got.path}`);
		} else if (got.caption !== state.caption) {
			problems.push(`caption of ${state.path} differs from the uninterrupted run's`);
		}
	}
	for (const [hash, state] of actual.images) {
		if (!expected.images.has(hash)) { problems.push(`unexpected image ${state.path}`); }
	}
	for (const dup of actual.duplicates) { problems.push(`duplicated image ${dup}`); }
	const paths = new Set([...expected.files.keys(), ...actual.files.keys()]);
	for (const path of paths) {
		if (expected.files.get(path) !== actual.files.get(path)) {
			problems.push(`file ${path} ${!actual.files.has(path) ? 'missing' : !expected.files.has(path) ? 'unexpected' : 'differs'}`);
		}
	}
	for (const temp of actual.temps) { problems.push(`temp file left: ${temp}`); }
	for (const left of actual.leftovers) { problems.push(`leftover: ${left}`); }
	for (const key of actual.staleKeys) { problems.push(`lora-workbench.yaml names a missing folder: ${key}`); }
	return problems;
}
