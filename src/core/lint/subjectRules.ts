import { ParsedCaption } from '../caption';
import { tagKey } from './tagKey';
import { CaptionContext } from './context';
import { removeTagEdit } from './edits';
import { TagFacts, captionTagFacts } from './tagFacts';
import { TextIssue } from './types';

/**
 * `class-conflict` and `multiple-people`: the guide trains one person, alone. Tags that say the subject is
 * of the other sex contradict the class; tags that count several people contradict "alone" for any class.
 */
type Sex = 'female' | 'male';

const CLASS_WORDS: Record<string, Sex> = {
	woman: 'female', women: 'female', girl: 'female', female: 'female', lady: 'female',
	man: 'male', men: 'male', boy: 'male', male: 'male', guy: 'male',
};

const SEX_TAGS: Record<Sex, readonly string[]> = {
	female: ['1girl', 'female focus', 'multiple girls', '2girls', '3girls', '4girls', '5girls', '6+girls', 'female', 'woman', 'girl'],
	male: ['1boy', 'male focus', 'multiple boys', '2boys', '3boys', '4boys', '5boys', '6+boys', 'male', 'man', 'boy'],
};

const MULTIPLE_PEOPLE = new Set(['multiple girls', 'multiple boys', 'multiple others', 'multiple people', 'group', 'crowd',
	'2girls', '3girls', '4girls', '5girls', '6+girls', '2boys', '3boys', '4boys', '5boys', '6+boys', '2others', '3others', '4others', '5others', '6+others']);

/** The sex a class word names, from its last word (`young woman`, `3mm4w4ts0n woman`); undefined for `person`. */
export function sexOfClass(classWord: string | undefined): Sex | undefined {
	const word = classWord ?? '';
	// Asked for every caption of a subset: worked out once per class word.
	if (!classSexes.has(word)) {
		const last = tagKey(word).split(' ').pop() ?? '';
		classSexes.set(word, Object.hasOwn(CLASS_WORDS, last) ? CLASS_WORDS[last] : undefined);
	}
	return classSexes.get(word);
}

const classSexes = new Map<string, Sex | undefined>();

/** What a tag says of the subject, as bits: a female tag, a male tag, several people. */
const FEMALE_TAG = 1;
const MALE_TAG = 2;
const SEVERAL_PEOPLE = 4;
const FEMALE_TAGS = new Set(SEX_TAGS.female);
const MALE_TAGS = new Set(SEX_TAGS.male);
/** The tag bits that contradict a class of each sex. */
const OPPOSITE: Record<Sex | 'none', number> = { female: MALE_TAG, male: FEMALE_TAG, none: 0 };

function subjectBits(fact: TagFacts): number {
	if (fact.subject < 0) {
		const { key } = fact;
		fact.subject = (FEMALE_TAGS.has(key) ? FEMALE_TAG : 0) | (MALE_TAGS.has(key) ? MALE_TAG : 0) | (MULTIPLE_PEOPLE.has(key) ? SEVERAL_PEOPLE : 0);
	}
	return fact.subject;
}

export function subjectRules(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	if (ctx.isReg) {
		return [];
	}
	const opposite = OPPOSITE[sexOfClass(ctx.classWord) ?? 'none'];
	const issues: TextIssue[] = [];
	const { tags } = parsed;
	for (let index = 0; index < tags.length; index++) {
		const bits = subjectBits(facts[index]);
		if (!(bits & (opposite | SEVERAL_PEOPLE))) {
			continue;
		}
		const tag = tags[index];
		const fix = { title: `Remove "${tag.text}"`, edits: [removeTagEdit(tags, index)] };
		if (bits & opposite) {
			issues.push({ code: 'class-conflict', start: tag.start, end: tag.end, fix, message: `"${tag.text}" contradicts the class "${ctx.classWord}"; the LoRA would learn the wrong sex for the person.` });
		} else {
			issues.push({ code: 'multiple-people', start: tag.start, end: tag.end, fix, message: `"${tag.text}" says there is more than one person; the guide wants the person alone in every image (crop the others out, or drop the image).` });
		}
	}
	return issues;
}
