import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateTagRule } from '../../src/core/lint/captionFileRules';
import { tagFacts } from '../../src/core/lint/tagFacts';
import { parseCaption } from '../../src/core/caption';

// Its own file, so its own process: the tag facts tables start empty here.
test('duplicate-tag: a caption that takes the tag facts past their limit still finds its duplicate', () => {
	for (let i = 0; i < 199_990; i++) {
		tagFacts(`filler tag ${i}`);
	}
	// "Smile" is looked up below the limit, "smile" after 20 new texts have taken the tables past it.
	const caption = parseCaption(['Smile', ...Array.from({ length: 20 }, (_, i) => `new tag ${i}`), 'smile'].join(', '));
	assert.deepEqual(duplicateTagRule(caption).map((issue) => issue.message), ['"smile" is the same tag as "Smile" earlier in the caption.']);
});
