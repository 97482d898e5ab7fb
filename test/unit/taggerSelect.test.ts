import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsvLine, parseLabels, parseTagReplacements, processLabels, TaggerLabels, checkLabelsMatchModel } from '../../src/core/tagger/labels';
import { DEFAULT_SELECTION, selectTags, splitTagList } from '../../src/core/tagger/selectTags';
import { mergeCaption } from '../../src/core/tagger/captionMerge';
import { selectedTagsCsv } from '../support/onnxBuilder';
import { sharedFixture } from '../support/paths';

const labels: TaggerLabels = {
	ratingTags: ['general', 'sensitive', 'questionable', 'explicit'],
	generalTags: ['1girl', 'long_hair', 'o_o', 'smile', 'red_eyes'],
	characterTags: ['hatsune_miku', 'yor_briar_(spy_x_family)'],
};
const plain = { removeUnderscores: false, expandCharacterTags: false, replacements: [], captionSeparator: ', ' };
//                   ratings               1girl long_hair o_o  smile red_eyes miku yor
const scores = [0.2, 0.7, 0.05, 0.05, 0.99, 0.35, 0.9, 0.3499, 0.6, 0.8, 0.36];

test('tagger selection: general and character tags at >= threshold, in CSV order, not by score', () => {
	assert.deepEqual(selectTags(scores, labels, DEFAULT_SELECTION), ['1girl', 'long_hair', 'o_o', 'red_eyes', 'hatsune_miku', 'yor_briar_(spy_x_family)']);
	assert.deepEqual(selectTags(scores, labels, { ...DEFAULT_SELECTION, generalThreshold: 0.5, characterThreshold: 0.5 }), ['1girl', 'o_o', 'red_eyes', 'hatsune_miku']);
});

test('tagger selection: character tags first are inserted one by one at the front (reverse order), as sd-scripts does', () => {
	assert.deepEqual(selectTags(scores, labels, { ...DEFAULT_SELECTION, characterTagsFirst: true }).slice(0, 3), ['yor_briar_(spy_x_family)', 'hatsune_miku', '1girl']);
});

test('tagger selection: rating is the argmax of the first four, first or last; undesired tags are dropped', () => {
	assert.equal(selectTags(scores, labels, { ...DEFAULT_SELECTION, ratingTags: 'first' })[0], 'sensitive');
	assert.equal(selectTags(scores, labels, { ...DEFAULT_SELECTION, ratingTags: 'last' }).at(-1), 'sensitive');
	assert.deepEqual(selectTags(scores, labels, { ...DEFAULT_SELECTION, ratingTags: 'first', undesiredTags: ['sensitive', 'o_o', 'hatsune_miku'] }), ['1girl', 'long_hair', 'red_eyes', 'yor_briar_(spy_x_family)']);
});

test('tagger selection: always-first tags move to the front in list order, so the last listed ends up first', () => {
	const tags = selectTags(scores, labels, { ...DEFAULT_SELECTION, alwaysFirstTags: ['red_eyes', 'o_o', 'not_present'] });
	assert.deepEqual(tags.slice(0, 3), ['o_o', 'red_eyes', '1girl']);
});

test('tagger labels: underscores become spaces only in tags longer than 3 characters; replacements apply to the processed name', () => {
	const processed = processLabels(labels, { ...plain, removeUnderscores: true, replacements: [['long hair', 'very long hair'], ['o_o', 'surprised']] });
	assert.deepEqual(processed.generalTags, ['1girl', 'very long hair', 'surprised', 'smile', 'red eyes']);
	assert.deepEqual(processLabels({ ...labels, generalTags: ['^_^', '>_<', '(o)_(o)'] }, { ...plain, removeUnderscores: true }).generalTags, ['^_^', '>_<', '(o) (o)']);
});

test('tagger labels: character tag expand splits at the last "(" and joins with the caption separator', () => {
	const processed = processLabels({ ...labels, characterTags: ['yor_briar_(spy_x_family)', 'chara_(costume)_(series)', 'plain'] }, { ...plain, expandCharacterTags: true });
	assert.deepEqual(processed.characterTags, ['yor_briar, spy_x_family', 'chara_(costume), series', 'plain']);
	const spaced = processLabels({ ...labels, characterTags: ['yor_briar_(spy_x_family)'] }, { ...plain, expandCharacterTags: true, removeUnderscores: true });
	assert.deepEqual(spaced.characterTags, ['yor briar, spy x family']);
});

test('tagger labels: --tag_replacement syntax with \\, and \\; escapes; a malformed pair is named', () => {
	assert.deepEqual(parseTagReplacements('a,b;c\\,d,e\\;f; '), [['a', 'b'], ['c,d', 'e;f']]);
	assert.throws(() => parseTagReplacements('a,b,c'), /"a,b,c" must be "source,target"/);
});

test('tagger labels: the real selected_tags.csv (CRLF, a quote inside an unquoted name) parses by position', () => {
	const parsed = parseLabels(readFileSync(sharedFixture('tags', 'selected_tags.csv'), 'utf8'));
	assert.deepEqual(parsed.ratingTags, ['general', 'sensitive', 'questionable', 'explicit']);
	assert.equal(parsed.generalTags.length, 6909);
	assert.equal(parsed.generalTags[0], '1girl');
	assert.ok(parsed.generalTags.includes('don\'t_say_"lazy"'));
	assert.equal(parsed.characterTags.length, 0);
	assert.deepEqual(parseCsvLine('1,"a,b",0'), ['1', 'a,b', '0']);
});

test('tagger labels: a wrong header, a row count that does not match the model, and missing ratings are named', () => {
	assert.throws(() => parseLabels('id,tag\n1,a\n', 'x/selected_tags.csv'), /x\/selected_tags\.csv does not start with the header/);
	const parsed = parseLabels(selectedTagsCsv(['a', 'b'], ['c']));
	assert.doesNotThrow(() => checkLabelsMatchModel(parsed, 7, 'm/selected_tags.csv', 'm/model.onnx'));
	assert.throws(() => checkLabelsMatchModel(parsed, 9, 'm/selected_tags.csv', 'm/model.onnx'), /m\/selected_tags\.csv lists 7 tags but m\/model\.onnx outputs 9 scores/);
	assert.throws(() => checkLabelsMatchModel({ ...parsed, ratingTags: [] }, 3, 'm/selected_tags.csv', 'm/model.onnx'), /0 rating rows/);
});

test('tagger selection: undesired and always-first lists split on the separator without its spaces', () => {
	assert.deepEqual(splitTagList(' a b , c,,d '), ['a b', 'c', 'd']);
	assert.deepEqual(splitTagList('a; b', '; '), ['a', 'b']);
});

test('tagger captions: trigger then class word first; overwrite, skip and append (no duplicates, existing order kept)', () => {
	const prefix = { trigger: '3mm4w4ts0n', classWord: 'woman' };
	assert.equal(mergeCaption(['1girl', 'long hair', 'woman'], prefix, undefined, 'skip', ', '), '3mm4w4ts0n, woman, 1girl, long hair\n');
	assert.equal(mergeCaption(['1girl'], prefix, 'old, tags\n', 'overwrite', ', '), '3mm4w4ts0n, woman, 1girl\n');
	assert.equal(mergeCaption(['1girl'], prefix, 'old, tags\n', 'skip', ', '), undefined);
	assert.equal(mergeCaption(['1girl', 'long hair', 'smile'], prefix, '3mm4w4ts0n, long_hair, portrait\r\nsecond line', 'append', ', '), '3mm4w4ts0n, woman, long_hair, portrait, 1girl, smile\r\nsecond line');
	assert.equal(mergeCaption(['smile'], prefix, 'portrait, 3mm4w4ts0n\n', 'append', ', '), '3mm4w4ts0n, woman, portrait, smile\n', 'the trigger moves to the front');
	assert.equal(mergeCaption(['smile'], {}, '\uFEFFa', 'append', ', '), '\uFEFFa, smile\n');
	assert.equal(mergeCaption(['smile'], { trigger: 'tok' }, undefined, 'overwrite', ' | '), 'tok | smile\n');
});
