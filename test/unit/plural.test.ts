import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { countOf, wordFor } from '../../src/core/plural';

test('countOf: one is singular, zero and many are plural', () => {
	assert.equal(countOf(1, 'image'), '1 image');
	assert.equal(countOf(0, 'image'), '0 images');
	assert.equal(countOf(2, 'image'), '2 images');
	assert.equal(countOf(45, 'subset'), '45 subsets');
	assert.equal(countOf(1, 'tag'), '1 tag');
	assert.equal(countOf(-1, 'problem'), '-1 problems');
});

test('countOf: an irregular plural is given', () => {
	assert.equal(countOf(1, 'image has', 'images have'), '1 image has');
	assert.equal(countOf(3, 'image has', 'images have'), '3 images have');
	assert.equal(countOf(1, 'entry', 'entries'), '1 entry');
	assert.equal(countOf(2, 'entry', 'entries'), '2 entries');
});

test('wordFor: the word without the number', () => {
	assert.equal(wordFor(1, 'caption'), 'caption');
	assert.equal(wordFor(7, 'caption'), 'captions');
	assert.equal(wordFor(1, 'was', 'were'), 'was');
});
