import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaption } from '../../src/core/caption';
import { TokenCounter, estimatedTokenCounter, loadClipTokenizer } from '../../src/core/clipTokenizer';
import { DatasetLinter, lintDataset } from '../../src/core/lint';
import { firstCutTag, firstCutTagByLine, tokenSegments } from '../../src/core/lint/tokenRule';
import { scanTrainingFolder } from '../../src/core/dataset';
import { sharedFixture } from '../support/paths';

/**
 * The linter's fast paths (issue 22) against the straightforward ones on a varied dataset: token counts per tag
 * joined at commas against tokenizing the whole line, and the dataset pass against linting each file on its own.
 */
/** Captions with every shape the linter special-cases: weights, brackets, kaomoji, control characters, non-ASCII, odd separators, BOM, CRLF, several lines, empty. */
function variedCaptions(pool: readonly string[], count: number): string[] {
	let state = 12345;
	const next = (n: number): number => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return Math.floor((state / 2 ** 32) * n);
	};
	const odd = ['(smile:1.2)', 'smile:1.3', '[blush]', '((red dress))', 'open_mouth', 'closed eyes', 'open eyes', 'blue eyes', 'green eyes',
		'heterochromia', '1boy', '2girls', 'multiple people', 'long hair', 'short hair', 'very  long\thair', 'tag(unbalanced', 'a\\(b\\)',
		'İstanbul', 'ｆｕｌｌ ｗｉｄｔｈ', 'caf\u0065\u0301', 'smile\u0000', 'bell\u0007', '\u201Cquoted\u201D', "it's fine", 'x_x', ':3', '^_^',
		'16:9', 'a woman standing in a park with a dog', 'Smile', 'SMILE', 'smile', 'upper body', 'full body', 'zq7lora woman', 'tag_', '_tag',
		'9', 'a9', '9a', 'naïve', 'emoji 😀 tag', 'red dress', 'maid headdress'];
	const captions: string[] = [];
	for (let i = 0; i < count; i++) {
		const tags: string[] = [];
		const length = next(8) === 0 ? 60 + next(40) : 5 + next(35);
		if (next(5) !== 0) {
			tags.push('zq7lora');
		}
		while (tags.length < length) {
			tags.push(next(4) === 0 ? odd[next(odd.length)] : pool[next(pool.length)]);
		}
		if (next(6) === 0) {
			tags.splice(next(tags.length), 0, 'zq7lora');
		}
		const separator = [', ', ',', ' , ', ',  '][next(4)];
		let text = tags.join(separator);
		switch (next(14)) {
			case 0: text += ','; break;
			case 1: text = text.replace(separator, ',,'); break;
			case 2: text += '\nsecond line, more tags'; break;
			case 3: text = `\uFEFF${text}`; break;
			case 4: text = `${text}\r\n`; break;
			case 5: text = `  ${text}  `; break;
			case 6: text = ''; break;
			case 7: text = '\n'; break;
			default: text += '\n';
		}
		captions.push(text);
	}
	return captions;
}

function tagPool(): string[] {
	return readFileSync(sharedFixture('tags', 'danbooru.csv'), 'utf8').split('\n').slice(0, 3000)
		.map((line) => line.split(',')).filter((f) => f[1] === '0').map((f, i) => (i % 3 ? f[0].replace(/_/g, ' ') : f[0])).slice(0, 800);
}

const captions = variedCaptions(tagPool(), 3000);

async function counters(): Promise<Array<[string, TokenCounter]>> {
	return [['estimated', estimatedTokenCounter], ['CLIP', await loadClipTokenizer(sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz'))]];
}

test('token-overflow: counting per tag finds the same cut and total as tokenizing the whole line', async () => {
	let bySegments = 0;
	let joinedSegments = 0;
	for (const [name, counter] of await counters()) {
		for (const text of captions) {
			const parsed = parseCaption(text.replace(/^\uFEFF/, ''));
			const segments = tokenSegments(parsed, counter);
			bySegments += segments ? 1 : 0;
			joinedSegments += segments?.some((s) => s.first !== s.last) ? 1 : 0;
			for (const limit of [10, 75, 150]) {
				const fast = firstCutTag(parsed, counter, limit);
				const line = firstCutTagByLine(parsed, counter, limit);
				assert.equal(fast.total, line.total, `${name} token count of ${JSON.stringify(text)}`);
				if (line.total > limit) {
					assert.equal(fast.first, line.first, `${name} first tag cut at ${limit} in ${JSON.stringify(text)}`);
				}
			}
		}
	}
	assert.ok(bySegments > captions.length, `most captions counted per tag (${bySegments} of ${2 * captions.length})`);
	assert.ok(joinedSegments > 50, `tags joined by a comma next to punctuation are exercised (${joinedSegments})`);
});

test('lintAll over a folder reports what linting each caption file on its own reports, plus the dataset rules', async () => {
	const root = mkdtempSync(join(tmpdir(), 'lint-fast-'));
	try {
		const subset = join(root, 'images', '24_zq7lora woman');
		mkdirSync(subset, { recursive: true });
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000400000004008020000002512f0a3', 'hex');
		captions.slice(0, 1500).forEach((text, i) => {
			writeFileSync(join(subset, `img_${String(i).padStart(5, '0')}.png`), png);
			writeFileSync(join(subset, `img_${String(i).padStart(5, '0')}.txt`), text);
		});
		writeFileSync(join(root, 'lora-workbench.yaml'), 'trigger: zq7lora\nclass: woman\nlint:\n  costumeTags: [red dress]\n  costumeMaxShare: 0.001\n');
		const clipVocabulary = { path: sharedFixture('clip', 'bpe_simple_vocab_16e6.txt.gz') };
		const all = await lintDataset(root, { clipVocabulary });
		const linter = await DatasetLinter.create(await scanTrainingFolder(root, { readCaptions: false }), { clipVocabulary });
		await linter.lintAll(); // settles the dataset's prevailing tag style, as lintAll does before linting
		const one = linter.captionFiles().flatMap(({ path }) => linter.lintText(path, readFileSync(path, 'utf8')));
		const perCaption = all.issues.filter((i) => !['missing-caption', 'orphan-caption', 'shared-caption', 'costume-ratio'].includes(i.code));
		const key = (i: { file: string; line: number; column: number; code: string; message: string }): string => `${i.file}:${i.line}:${i.column}:${i.code}:${i.message}`;
		assert.deepEqual(perCaption.map(key).sort(), one.map(key).sort());
		assert.ok(perCaption.length > 1500, `a varied dataset has many problems (${perCaption.length})`);
		// Captions are linted before the dataset's style is known; those it changes are linted again with it.
		assert.ok(all.issues.some((i) => i.code === 'tag-style' && i.message.includes('the rest of the dataset uses spaces')), 'tag-style problems against the dataset\'s prevailing style');
		assert.ok(all.issues.some((i) => i.code === 'costume-ratio'), 'the costume tag counts survive keeping only costume keys');
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
});
