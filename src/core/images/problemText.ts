import { ImageProblem, ImageProblemCode } from './types';

interface ProblemKind {
	title: string;
	/** What the problem does to the LoRA and what to do, true for every image of the section. */
	advice: string;
}

/**
 * The Dataset Health sections, in the order they are shown (after errors first): what is wrong with the
 * person in the picture, then picture quality, then duplicates, then size (which has its own crop action).
 */
export const PROBLEM_KINDS: Record<ImageProblemCode, ProblemKind> = {
	'unreadable': { title: 'Unreadable files', advice: 'sd-scripts stops on these. Re-export them as JPEG or PNG, or remove them.' },
	'too-many-pixels': { title: 'Too many pixels (possible decompression bombs)', advice: 'Not decoded, for safety. Downscale them in an image editor.' },
	'heic-unsupported': { title: 'HEIC files', advice: 'sd-scripts cannot read HEIC. Convert them to JPEG or PNG.' },
	'wrong-person': { title: 'Someone else: far from the person (farthest first)', advice: 'The face is another person\'s (a look-alike, a co-star from a search). Exclude the picture if it is not the person.' },
	'identity-unsure': { title: 'Maybe not the person (farthest first)', advice: 'The face is between "same person" and "someone else". Have a look; exclude it if it is not the person.' },
	'no-face': { title: 'No face in a close-up', advice: 'A face subset needs the face clearly visible. Replace these or move them to a body subset.' },
	'other-people': { title: 'Other people in the picture', advice: 'Only the person you train should be in the picture. Crop the others out or drop it.' },
	'face-cut-off': { title: 'Face cut off', advice: 'The face touches the edge: chin or hair is missing. Use pictures with the whole head.' },
	'face-too-small': { title: 'Face too small for a close-up', advice: 'Crop closer: in a close-up the face fills a large part of the picture.' },
	'low-resolution': { title: 'Low resolution', advice: 'Smaller than the target: the trainer upscales them and the LoRA learns the blur. Use larger pictures.' },
	'blurry': { title: 'Blurry', advice: 'The LoRA learns the softness. Use sharper pictures.' },
	'dark': { title: 'Dark', advice: 'Features get lost in shadow. Brighten them or pick others.' },
	'overexposed': { title: 'Overexposed', advice: 'Skin and hair detail is blown out. Use better exposed pictures.' },
	'colored-light': { title: 'Coloured light', advice: 'The LoRA may learn the light as skin colour. Colour-correct them or caption the light.' },
	'cmyk': { title: 'CMYK images', advice: 'Colours shift when the trainer reads them. Convert them to sRGB.' },
	'16-bit': { title: '16-bit images', advice: 'The trainer reads 8 bits. Convert them to 8-bit sRGB.' },
	'animated': { title: 'Animated images', advice: 'Only the first frame is trained. Export the frame you want as a still.' },
	'near-duplicate': { title: 'Near-duplicates: keep the best of each group', advice: 'The same picture twice teaches the LoRA that one image. Keep one of each group.' },
	'wrong-size': { title: 'Wrong size', advice: 'Not the subset\'s target size. "Crop wrong-size images" crops them and keeps the originals.' },
	'grayscale': { title: 'Black and white', advice: 'The LoRA may drift to gray. Caption them "monochrome, greyscale" or drop them.' },
	'same-shoot': { title: 'Same shoot: keep a few of each group', advice: 'Many pictures with the same light, place and clothes bind those to the person. Keep a few and add variety.' },
};

export const PROBLEM_ORDER = Object.keys(PROBLEM_KINDS) as ImageProblemCode[];

/** The measured value behind one image's problem, short enough for a thumbnail caption ('sharpness 3 < 50'). */
export function problemMeasure(problem: ImageProblem): string | undefined {
	const d = problem.details;
	const num = (key: string) => (typeof d[key] === 'number' ? d[key] as number : undefined);
	switch (problem.code) {
		case 'blurry':
			return num('sharpness') !== undefined ? `sharpness ${num('sharpness')} < ${num('threshold')}` : undefined;
		case 'dark':
		case 'overexposed':
			return num('meanLuma') !== undefined ? `brightness ${Math.round(num('meanLuma')!)}/255` : undefined;
		case 'colored-light':
			return num('cast') !== undefined ? `cast ${num('cast')} > ${num('threshold')}` : undefined;
		case 'grayscale':
			return num('chroma') !== undefined ? `chroma ${num('chroma')}` : undefined;
		case 'low-resolution':
		case 'wrong-size':
			return num('width') !== undefined ? `${num('width')}x${num('height')}` : undefined;
		case 'other-people': {
			// With the likeness report each face has its distance: say how close the nearest (the person) is.
			const person = Array.isArray(d.faces) ? (d.faces as { person?: boolean; distance?: number }[]).find((f) => f.person) : undefined;
			return Array.isArray(d.faces) ? `${d.faces.length} faces${typeof person?.distance === 'number' ? `, nearest ${person.distance.toFixed(2)}` : ''}` : undefined;
		}
		case 'wrong-person':
		case 'identity-unsure':
			return num('distance') !== undefined ? `distance ${num('distance')!.toFixed(2)}` : undefined;
		case 'face-cut-off':
			return Array.isArray(d.edges) ? `touches ${d.edges.join(', ')}` : undefined;
		case 'face-too-small':
			return num('share') !== undefined ? `face ${Math.round(num('share')! * 100)}% of height` : undefined;
		case 'near-duplicate':
		case 'same-shoot': {
			// The group is shown together, so the distance to the closest partner says enough.
			const closest = Array.isArray(d.partners) ? d.partners[0] as { distance?: unknown; scene?: unknown } | undefined : undefined;
			if (closest?.scene === true) {
				return 'same person, background, light'; // found by the likeness data: the hash distance would say "far"
			}
			return typeof closest?.distance === 'number' ? `hash distance ${closest.distance}` : undefined;
		}
		case 'unreadable':
			// The reason (truncated, not an image...) is in the tooltip; the card only says why it is blank.
			return 'cannot be read';
		case 'too-many-pixels':
			return 'not decoded';
		case 'animated':
			return num('frames') !== undefined ? `${num('frames')} frames` : undefined;
		default:
			return undefined;
	}
}
