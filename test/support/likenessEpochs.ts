import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { sampleFileName } from '../../src/core/checkpoints/checkpointNames';
import { sharedFixture } from './paths';

/**
 * A training folder of Obama's photos whose `model/sample/` holds three epochs of real-photo samples: epoch 1
 * someone else (Biden), epoch 2 the person, epoch 3 half its samples a copy of a training picture, so epoch 2 is
 * recommended and copying starts at 3. Returns the folder and its subset.
 */
export async function makeLikenessEpochsFolder(root: string): Promise<{ root: string; subset: string }> {
	const people = (name: string) => sharedFixture('photos', 'people', name);
	const subset = join(root, 'images', '10_ohwx man');
	await fs.mkdir(subset, { recursive: true });
	await fs.writeFile(join(root, 'lora-workbench.yaml'), 'trigger: ohwx\nclassWord: man\n');
	for (const name of ['obama.jpg', 'obama1.jpg', 'obama3.jpg']) {
		await sharp(people(name)).rotate().resize(768, 768, { fit: 'inside' }).jpeg({ quality: 92 }).toFile(join(subset, name));
	}
	const sample = join(root, 'model', 'sample');
	await fs.mkdir(sample, { recursive: true });
	const write = (epoch: number, index: number, from: string) => sharp(from).rotate().resize(512, 512, { fit: 'inside' }).png()
		.toFile(join(sample, sampleFileName('ohwx', { epoch, promptIndex: index, timestamp: '20261124120000', seed: 42 })));
	await write(1, 0, people('biden.jpg'));
	await write(1, 1, people('biden2.jpg'));
	await write(2, 0, people('obama2.jpg'));
	await write(2, 1, people('obama2.jpg'));
	await write(3, 0, join(subset, 'obama1.jpg'));
	await write(3, 1, people('obama2.jpg'));
	return { root, subset };
}
