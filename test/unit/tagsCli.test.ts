import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { planBulkEdit } from '../../src/core/bulkEdit';
import { applyPlanToDisk, readCaptionForEdit } from '../../src/core/bulkEditFiles';

async function folder(): Promise<{ root: string; dir: string }> {
	const root = await fs.mkdtemp(join(tmpdir(), 'lora-tags-cli-'));
	const dir = join(root, 'images', '10_tg5 woman');
	await fs.mkdir(dir, { recursive: true });
	const captions = ['tg5, 1girl, blonde hair, smile', 'tg5, 1girl, blonde_hair', 'tg5, 1girl, brown hair, smile'];
	for (const [i, caption] of captions.entries()) {
		await fs.writeFile(join(dir, `img_${i + 1}.png`), Buffer.from('89504e470d0a1a0a', 'hex'));
		await fs.writeFile(join(dir, `img_${i + 1}.txt`), caption);
	}
	return { root, dir };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
	let out = '';
	let err = '';
	const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, cwd: process.cwd() });
	return { code, out, err };
}

test('tags CLI: table, filter, preview and --apply', async () => {
	const { root, dir } = await folder();
	try {
		const table = await cli(['tags', root]);
		assert.equal(table.code, 0);
		assert.match(table.out, /^blonde hair\s+2\s+67%/m);
		assert.match(table.out, /^tg5\s+3\s+100%.*EVERY/m);

		const filtered = await cli(['tags', root, '--filter', 'blonde hair AND NOT smile']);
		assert.equal(filtered.code, 0);
		assert.match(filtered.out, /1 image matches/);
		assert.match(filtered.out, /img_2\.png/);

		const bad = await cli(['tags', root, '--filter', 'smile OR']);
		assert.equal(bad.code, 2);
		assert.match(bad.err, /Column 9: expected a tag/);

		const preview = await cli(['tags', root, '--rename', 'blonde hair', '--to', 'yellow hair']);
		assert.equal(preview.code, 0);
		assert.match(preview.out, /2 captions will change; 1 unchanged/);
		assert.match(preview.out, /img_1\.txt: − blonde hair {3}\+ yellow hair\n/, 'each caption says which tags go and come');
		assert.equal(await fs.readFile(join(dir, 'img_1.txt'), 'utf8'), 'tg5, 1girl, blonde hair, smile', 'a preview writes nothing');

		const applied = await cli(['tags', root, '--remove', 'smile', '--filter', 'brown hair', '--apply']);
		assert.equal(applied.code, 0);
		assert.equal(await fs.readFile(join(dir, 'img_3.txt'), 'utf8'), 'tg5, 1girl, brown hair');
		assert.equal(await fs.readFile(join(dir, 'img_1.txt'), 'utf8'), 'tg5, 1girl, blonde hair, smile', 'outside the filter: untouched');

		// --exact removes only the spelling given (issue 19.9): the linter's flagged blonde_hair, not blonde hair.
		await fs.writeFile(join(dir, 'img_2.txt'), 'tg5, 1girl, blonde_hair, blonde hair');
		const exact = await cli(['tags', root, '--remove', 'blonde_hair', '--exact', '--apply']);
		assert.equal(exact.code, 0);
		assert.match(exact.out, /Remove only the spelling "blonde_hair": 1 caption will change/);
		assert.equal(await fs.readFile(join(dir, 'img_2.txt'), 'utf8'), 'tg5, 1girl, blonde hair');
		assert.equal(await fs.readFile(join(dir, 'img_1.txt'), 'utf8'), 'tg5, 1girl, blonde hair, smile');

		const regex = await cli(['tags', root, '--replace', '(', '--with', 'x', '--regex']);
		assert.equal(regex.code, 2);
		assert.match(regex.err, /does not compile: Unterminated group/);
	} finally {
		await fs.rm(root, { recursive: true, force: true });
	}
});

test('a caption changed on disk after it was read is not overwritten', async () => {
	const { root, dir } = await folder();
	try {
		const paths = [1, 2, 3].map((i) => join(dir, `img_${i}.txt`));
		const inputs = await Promise.all(paths.map(readCaptionForEdit));
		const plan = planBulkEdit(inputs, { kind: 'add', tag: 'hat', position: 'end' });
		await fs.writeFile(paths[1], 'tg5, edited elsewhere');
		const result = await applyPlanToDisk(plan);
		assert.deepEqual(result.skipped.map((s) => s.path), [paths[1]]);
		assert.equal(await fs.readFile(paths[1], 'utf8'), 'tg5, edited elsewhere');
		assert.equal(await fs.readFile(paths[0], 'utf8'), 'tg5, 1girl, blonde hair, smile, hat');
	} finally {
		await fs.rm(root, { recursive: true, force: true });
	}
});
