/**
 * Loading the tag list of `lint.vocabulary` the linter and caption completion share: the 140,782-line a1111
 * danbooru.csv (names, counts, aliases). The lint case builds the nearest-tag index (one unknown tag), the
 * completion case the prefix index (one prefix search); each index is built on first use.
 */
import { join, resolve } from 'node:path';
import { loadVocabulary } from '../src/core/vocabulary';
import { BenchCase } from './harness';

const DANBOORU = join(resolve(__dirname, '..', '..', 'shared', 'fixtures', 'tags'), 'danbooru.csv');

export const cases: BenchCase[] = [
	{
		name: 'load danbooru.csv vocabulary (lint)',
		run: async () => {
			const vocabulary = await loadVocabulary([DANBOORU]);
			vocabulary.lookup('lomg hair');
			return { work: vocabulary.size, unit: 'tags' };
		},
	},
	{
		name: 'load danbooru.csv vocabulary (completion)',
		run: async () => {
			const vocabulary = await loadVocabulary([DANBOORU]);
			vocabulary.complete('long');
			return { work: vocabulary.size, unit: 'tags' };
		},
	},
];
