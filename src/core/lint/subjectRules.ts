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

const OPPOSITE: Record<Sex | 'none', ReadonlySet<string>> = { female: new Set(SEX_TAGS.male), male: new Set(SEX_TAGS.female), none: new Set() };

export function subjectRules(parsed: ParsedCaption, ctx: CaptionContext, facts: readonly TagFacts[] = captionTagFacts(parsed.tags)): TextIssue[] {
	if (ctx.isReg) {
		return [];
	}
	const opposite = OPPOSITE[sexOfClass(ctx.classWord) ?? 'none'];
	const issues: TextIssue[] = [];
	parsed.tags.forEach((tag, index) => {
		const key = facts[index].key;
		if (!opposite.has(key) && !MULTIPLE_PEOPLE.has(key)) {
			return;
		}
		const fix = { title: `Remove "${tag.text}"`, edits: [removeTagEdit(parsed.tags, index)] };
		if (opposite.has(key)) {
			issues.push({ code: 'class-conflict', start: tag.start, end: tag.end, fix, message: `"${tag.text}" contradicts the class "${ctx.classWord}"; the LoRA would learn the wrong sex for the person.` });
		} else if (MULTIPLE_PEOPLE.has(key)) {
			issues.push({ code: 'multiple-people', start: tag.start, end: tag.end, fix, message: `"${tag.text}" says there is more than one person; the guide wants the person alone in every image (crop the others out, or drop the image).` });
		}
	});
	return issues;
}
