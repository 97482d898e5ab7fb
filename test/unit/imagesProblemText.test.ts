import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROBLEM_KINDS, PROBLEM_ORDER, problemMeasure } from '../../src/core/images/problemText';
import { ImageProblem, ImageProblemCode } from '../../src/core/images/types';

const problem = (code: ImageProblemCode, details: Record<string, unknown>): ImageProblem => ({ file: '/f/a.jpg', code, severity: 'warning', message: 'm', details });

describe('images: Dataset Health section texts and thumbnail measures', () => {
	it('every problem code has a title and advice, and the person comes before picture size', () => {
		for (const code of PROBLEM_ORDER) {
			assert.ok(PROBLEM_KINDS[code].title.length > 0 && PROBLEM_KINDS[code].advice.length > 0, code);
		}
		assert.ok(PROBLEM_ORDER.indexOf('other-people') < PROBLEM_ORDER.indexOf('blurry'));
		assert.ok(PROBLEM_ORDER.indexOf('blurry') < PROBLEM_ORDER.indexOf('wrong-size'));
	});
	it('turns the details the checks record into short captions', () => {
		assert.equal(problemMeasure(problem('blurry', { sharpness: 3, threshold: 50 })), 'sharpness 3 < 50');
		assert.equal(problemMeasure(problem('dark', { meanLuma: 38.8, darkShare: 0.27, threshold: 45 })), 'brightness 39/255');
		assert.equal(problemMeasure(problem('wrong-size', { width: 1126, height: 661, target: '512x512' })), '1126x661');
		assert.equal(problemMeasure(problem('other-people', { faces: [{}, {}] })), '2 faces');
		assert.equal(problemMeasure(problem('face-cut-off', { edges: ['top', 'left'] })), 'touches top, left');
		assert.equal(problemMeasure(problem('face-too-small', { share: 0.183 })), 'face 18% of height');
		assert.equal(problemMeasure(problem('near-duplicate', { group: 'g', partners: [{ file: '/f/b.jpg', distance: 2 }, { file: '/f/c.jpg', distance: 5 }] })), 'hash distance 2');
	});
	it('says nothing rather than "undefined" when a detail is missing', () => {
		assert.equal(problemMeasure(problem('blurry', {})), undefined);
		assert.equal(problemMeasure(problem('near-duplicate', { partners: [] })), undefined);
		assert.equal(problemMeasure(problem('cmyk', { space: 'cmyk' })), undefined, 'the title says it all');
	});
	it('says why an unreadable file has no thumbnail', () => {
		assert.equal(problemMeasure(problem('unreadable', { reason: 'truncated' })), 'cannot be read');
	});
});
