/**
 * Checks for a new trigger word. The guide wants a made-up token (like `3mm4w4ts0n`) that the model does
 * not already know: a real English word carries its old meaning into the LoRA.
 */

/** Common English words, including the ones people tend to pick as triggers. */
const COMMON_WORDS = new Set(`
a about after again air all also always an and animal any are around art as at away baby back bad ball be beautiful
beauty because bed been before best big bird black blue boat body book both boy bright brother brown but by call came
can car cat change child city class close cold come cool could country cute dad dark day did different do does dog
done door down dream dress each early earth eat end even every eye eyes face fall family far father fast fire first
fish five flower fly food for form found four friend from fun game gave get girl give go gold good great green group
grow had hair hand happy hard has have he head heart help her here high him his home horse hot house how i if in
into is it just keep kind king know lady land large last late light like line little live long look love made make man
many may me men might mind model moon more most mother move much music must my name near need never new next nice
night no not now number of off old on one only open or other our out over own page paper part people person photo
picture place plant play point portrait pretty queen rain read real red right river road rock room rose run said same
saw say school sea see she show side sky small snow so some song sound spring star start still stone story style
summer sun sure take talk tell than that the their them then there these they thing think this three time to too
took tree try two under up us use very wall want warm was watch water way we well went were what when where which
white who why wind winter with woman women word work world would write year yellow yes you young your
`.trim().split(/\s+/));

export interface TriggerCheck {
	/** Reason the word cannot be used; undefined when it can. */
	error?: string;
	/** Advice the user may ignore. */
	warning?: string;
}

function editDistance(a: string, b: string): number {
	const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		let diagonal = previous[0];
		previous[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const above = previous[j];
			previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
			diagonal = above;
		}
	}
	return previous[b.length];
}

/** Undoes the usual leetspeak so `b34uty` is recognised as `beauty`. */
function unLeet(word: string): string {
	return word.replace(/0/g, 'o').replace(/1/g, 'i').replace(/3/g, 'e').replace(/4/g, 'a').replace(/5/g, 's').replace(/7/g, 't');
}

export function checkTriggerWord(raw: string): TriggerCheck {
	const word = raw;
	if (word.trim().length === 0) {
		return { error: 'Enter a trigger word.' };
	}
	if (/\s/.test(word)) {
		return { error: 'The trigger word must be one word without spaces (sd-scripts splits the folder name at spaces into class tokens).' };
	}
	if (/[\\/:*?"<>|,]/.test(word) || /[\u0000-\u001f]/.test(word) || word === '.' || word === '..') {
		return { error: 'The trigger word cannot contain / \\ : * ? " < > | or commas: it becomes part of folder names and captions.' };
	}
	const lower = word.toLowerCase();
	if (COMMON_WORDS.has(lower)) {
		return { warning: `"${word}" is a common English word; the model already has a meaning for it. A made-up token such as "${word.slice(0, 3)}x${word.length}q" trains cleaner.` };
	}
	const plain = unLeet(lower);
	if (plain.length >= 4) {
		for (const common of COMMON_WORDS) {
			if (common.length >= 4 && Math.abs(common.length - plain.length) <= 1 && editDistance(common, plain) <= 1) {
				return { warning: `"${word}" is close to the English word "${common}"; the model may mix in its meaning. Consider a more unusual token.` };
			}
		}
	}
	return {};
}

/** The class word goes into folder names and captions too. */
export function checkClassWord(raw: string): TriggerCheck {
	const word = raw.trim();
	if (word.length === 0) {
		return { error: 'Enter a class word such as woman, man or person.' };
	}
	if (/[\\/:*?"<>|,_]/.test(word) || /[\u0000-\u001f]/.test(word)) {
		return { error: 'The class word cannot contain / \\ : * ? " < > | , or _ (it becomes part of the folder names).' };
	}
	return {};
}
