import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkClassWord, checkTriggerWord } from '../../src/core/datasetTrigger';

describe('trigger word checks', () => {
	it('rejects empty, whitespace and path characters', () => {
		assert.ok(checkTriggerWord('').error);
		assert.ok(checkTriggerWord('   ').error);
		assert.ok(checkTriggerWord('two words').error);
		for (const bad of ['a/b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a"b', 'a<b', 'a|b', '..']) {
			assert.ok(checkTriggerWord(bad).error, bad);
		}
	});

	it('warns on common English words and near misses, leetspeak included', () => {
		assert.match(checkTriggerWord('beauty').warning ?? '', /common English word/);
		assert.match(checkTriggerWord('Woman').warning ?? '', /common English word/);
		assert.match(checkTriggerWord('b3auty').warning ?? '', /close to the English word "beauty"/);
		assert.match(checkTriggerWord('flowr').warning ?? '', /"flower"/);
	});

	it('accepts a made-up token without comment', () => {
		assert.deepEqual(checkTriggerWord('3mm4w4ts0n'), {});
		assert.deepEqual(checkTriggerWord('zxq9lora'), {});
	});

	it('class words: no underscores or path characters', () => {
		assert.deepEqual(checkClassWord('woman'), {});
		assert.ok(checkClassWord('young_woman').error);
		assert.ok(checkClassWord('').error);
	});
});
