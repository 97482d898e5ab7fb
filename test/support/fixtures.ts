import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sharedFixture } from './paths';

/** Portrait photos in ../shared with exactly one face each. */
export const PORTRAITS = ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg', 'unsplash_makhmutova_dina.jpg'];

export interface ImageSpec {
	width: number;
	height: number;
	/** A photo under ../shared/fixtures/photos (e.g. 'people/obama.jpg'), cropped to cover; else a generated picture. */
	photo?: string;
	/** Colour of a generated picture (it gets a gradient and a few shapes so it is not flat). */
	color?: [number, number, number];
	format?: 'jpeg' | 'png';
}

export async function writeImage(path: string, spec: ImageSpec): Promise<void> {
	const sharp = (await import('sharp')).default;
	let pipeline;
	if (spec.photo) {
		pipeline = sharp(sharedFixture('photos', spec.photo)).rotate().resize(spec.width, spec.height, { fit: 'cover', position: 'attention' });
	} else {
		const [r, g, b] = spec.color ?? [120, 140, 180];
		const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}">
			<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="rgb(${r},${g},${b})"/><stop offset="1" stop-color="rgb(${255 - r},${255 - g},${255 - b})"/></linearGradient></defs>
			<rect width="100%" height="100%" fill="url(#g)"/>
			<circle cx="${spec.width / 2}" cy="${spec.height / 3}" r="${Math.min(spec.width, spec.height) / 6}" fill="rgb(240,200,170)"/>
			<rect x="${spec.width / 3}" y="${spec.height / 2}" width="${spec.width / 3}" height="${spec.height / 3}" fill="rgb(${b},${r},${g})"/>
		</svg>`;
		pipeline = sharp(Buffer.from(svg));
	}
	if ((spec.format ?? (path.toLowerCase().endsWith('.png') ? 'png' : 'jpeg')) === 'png') {
		await pipeline.png().toFile(path);
	} else {
		await pipeline.jpeg({ quality: 90 }).toFile(path);
	}
}

export interface SubsetSpec {
	repeats: number;
	/** Class tokens after the repeats, e.g. '3mm4w4ts0n woman'. */
	classTokens: string;
	images: number;
	size: [number, number];
	/** Use the shared portraits (cycled) instead of generated pictures. */
	photos?: boolean;
	/** Caption text per image index; undefined means no caption file. */
	caption?: (index: number) => string | undefined;
}

export interface TrainingFolderSpec {
	trigger?: string;
	classWord?: string;
	subsets: SubsetSpec[];
	/** Contents of lora-workbench.yaml; omitted means no settings file (a folder made by other tools). */
	settingsYaml?: string;
}

/** Builds `<parent>/<name>/images/<repeats>_<class tokens>/...` plus `model/`, as the guide lays it out. */
export async function makeTrainingFolder(parent: string, name: string, spec: TrainingFolderSpec): Promise<string> {
	const root = join(parent, name);
	await fs.mkdir(join(root, 'model'), { recursive: true });
	for (const subset of spec.subsets) {
		const dir = join(root, 'images', `${subset.repeats}_${subset.classTokens}`);
		await fs.mkdir(dir, { recursive: true });
		for (let i = 0; i < subset.images; i++) {
			const stem = `img_${String(i + 1).padStart(3, '0')}`;
			await writeImage(join(dir, `${stem}.jpg`), {
				width: subset.size[0],
				height: subset.size[1],
				photo: subset.photos ? `people/${PORTRAITS[i % PORTRAITS.length]}` : undefined,
				color: [(i * 47) % 255, (i * 91) % 255, (i * 13) % 255],
			});
			const caption = subset.caption?.(i);
			if (caption !== undefined) {
				await fs.writeFile(join(dir, `${stem}.txt`), caption);
			}
		}
	}
	if (spec.settingsYaml !== undefined) {
		await fs.writeFile(join(root, 'lora-workbench.yaml'), spec.settingsYaml);
	}
	return root;
}

/** The guide's layout in small: 4 face close-ups and 2 body shots of `3mm4w4ts0n`, captioned. */
export function guideFolderSpec(): TrainingFolderSpec {
	return {
		trigger: '3mm4w4ts0n',
		classWord: 'woman',
		subsets: [
			{ repeats: 24, classTokens: '3mm4w4ts0n woman', images: 4, size: [512, 512], photos: true, caption: (i) => `3mm4w4ts0n, 1girl, solo, ${i % 2 ? 'smile' : 'looking at viewer'}, portrait` },
			{ repeats: 16, classTokens: '3mm4w4ts0n woman', images: 2, size: [512, 768], caption: (i) => `3mm4w4ts0n, 1girl, solo, standing, ${i ? 'cowboy shot' : 'full body'}` },
		],
		settingsYaml: '# LoRA Workbench settings\ntrigger: 3mm4w4ts0n\nclass: woman\n',
	};
}
