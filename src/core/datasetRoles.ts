/**
 * A subset's role when `lora-workbench.yaml` does not record one: from words in the folder name first,
 * then from the images' shape (the guide crops faces square, 512x512, and bodies tall, 512x768).
 */
import type { Subset } from './datasetModel';
import type { SubsetRole } from './settings';

const NAME_HINTS: Array<[RegExp, SubsetRole]> = [
	[/\b(face|faces|head|headshot|close-?up|portrait)\b/i, 'face'],
	[/\b(body|bodies|full[ -]?body|figure)\b/i, 'body'],
	[/\b(costume|costumes|outfit|outfits|clothes)\b/i, 'costume'],
];

/** Height / width above this reads as a portrait (body) crop; 512x768 is 1.5. */
const TALL_RATIO = 1.2;
/** Within this of square reads as a face crop. */
const SQUARE_TOLERANCE = 0.1;

export function guessRole(subset: Pick<Subset, 'isReg' | 'classTokens' | 'images'>): SubsetRole {
	if (subset.isReg) {
		return 'reg';
	}
	for (const [pattern, role] of NAME_HINTS) {
		if (pattern.test(subset.classTokens.replace(/_/g, ' '))) {
			return role;
		}
	}
	const ratios = subset.images.flatMap((i) => (i.size ? [i.size[1] / i.size[0]] : [])).sort((a, b) => a - b);
	if (ratios.length === 0) {
		return 'unknown';
	}
	const median = ratios[Math.floor(ratios.length / 2)];
	if (median >= TALL_RATIO) {
		return 'body';
	}
	if (Math.abs(median - 1) <= SQUARE_TOLERANCE) {
		return 'face';
	}
	return 'unknown';
}
