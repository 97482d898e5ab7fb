import { DEFAULT_COVERAGE_OPTIONS } from './coverage/checks';
import { DEFAULT_COVERAGE_GROUPS } from './coverage/groups';
import { ImageCheckThresholds, defaultThresholds } from './images/options';
import { ImageProblemCode } from './images/types';
import { DEFAULT_COSTUME_MAX_SHARE } from './lint/lintSettings';
import { LINT_RULES } from './lint/rules';
import { DEFAULT_LIKENESS_THRESHOLDS } from './likeness/identity';

/**
 * JSON schema of the lora-workbench.yaml sections the features read besides trigger, class, training, subsets
 * and checks: `lint:` (src/core/lint/lintSettings.ts), `coverage:` (src/core/coverage/fromFolder.ts),
 * `checkpoints:` (src/trainer/chosenCheckpoint.ts) and `images:` (src/core/images/checkFolder.ts). Rule codes,
 * defaults and group names come from the readers' own tables; the typed records below make a new threshold or
 * image problem code fail the typecheck until it is described here. Every section is optional.
 */

type Schema = Record<string, unknown>;

/** What stringList() in lintSettings.ts accepts: one word or tag, or a list of them. */
function tagOrList(description: string): Schema {
	return {
		anyOf: [{ type: ['string', 'number'] }, { type: 'array', items: { type: ['string', 'number'] } }],
		description,
	};
}

function lintSchema(): Schema {
	const rules: Schema = {};
	for (const rule of LINT_RULES) {
		rules[rule.code] = {
			enum: ['error', 'warning', 'info', 'off', false],
			default: rule.severity,
			description: `${rule.summary[0].toUpperCase()}${rule.summary.slice(1)}. Default: ${rule.severity}.`,
		};
	}
	return {
		type: 'object',
		description: 'Caption lint (Problems, `lora-workbench lint`, the lora lint task): rule severities, the tag list for unknown-tag, and the traits, costumes and conflicts the rules check.',
		properties: {
			rules: {
				type: 'object',
				description: 'Severity per rule code: error, warning, info, or off (false also turns a rule off). A rule left out keeps its default.',
				properties: rules,
				additionalProperties: false,
			},
			vocabulary: tagOrList('Tag lists for unknown-tag and for caption completion and hover: WD14 selected_tags.csv or a1111 tag-autocomplete CSV files, absolute or relative to the training folder.'),
			bakedTraits: tagOrList('Traits that are part of the trigger word (e.g. blue eyes): captions should not tag them (baked-trait).'),
			costumeTags: tagOrList('Costume tags whose share of the images costume-ratio keeps at most costumeMaxShare.'),
			costumeMaxShare: {
				type: 'number',
				exclusiveMinimum: 0,
				maximum: 1,
				default: DEFAULT_COSTUME_MAX_SHARE,
				description: 'Share of the images a costume tag may appear in before costume-ratio warns (the guide: about 25%).',
			},
			conflicts: {
				type: 'array',
				items: { type: 'array', items: { type: ['string', 'number'] }, minItems: 2 },
				description: 'More groups of mutually exclusive tags for conflicting-tags, e.g. [[smile, frown]].',
			},
		},
		additionalProperties: false,
	};
}

/** What coverageOptionsFrom() reads for one declared costume. */
function costumesSchema(description: string): Schema {
	return {
		type: 'array',
		description,
		items: {
			anyOf: [
				{ type: 'string', description: 'A costume tag; its share is 0.25.' },
				{
					type: 'object',
					properties: {
						tag: { type: 'string', description: 'The costume tag.' },
						share: { type: 'number', minimum: 0, maximum: 1, default: 0.25, description: 'The share of images it should have at most.' },
					},
					required: ['tag'],
					additionalProperties: false,
				},
			],
		},
	};
}

function coverageSchema(): Schema {
	return {
		type: 'object',
		description: 'Coverage view and its guide checks (one-angle, no-angle-tags, few-full-body, one-hairstyle, costume-share).',
		properties: {
			groups: {
				type: 'object',
				description: `Tag groups the Coverage view counts; a group named here replaces the default group of that name (${Object.keys(DEFAULT_COVERAGE_GROUPS).join(', ')}), other names add groups.`,
				additionalProperties: { type: 'array', items: { type: 'string' } },
			},
			oneAngleShare: {
				type: 'number',
				minimum: 0,
				maximum: 1,
				default: DEFAULT_COVERAGE_OPTIONS.oneAngleShare,
				description: 'A face subset counts as "one angle" when this share of its images shows the same angle.',
			},
			minFullBodyShots: {
				type: 'integer',
				minimum: 0,
				default: DEFAULT_COVERAGE_OPTIONS.minFullBodyShots,
				description: 'Standing full-body shots (tagged "full body" and "standing") a body subset should have at least.',
			},
			hairstyles: { type: 'array', items: { type: 'string' }, description: 'The hairstyles the person wears; with two or more, one-hairstyle warns when the captions show only one.' },
			costumes: costumesSchema('Declared costumes and the share of images each should have at most (costume-share).'),
		},
		additionalProperties: false,
	};
}

const THRESHOLDS: Record<keyof ImageCheckThresholds, { description: string; minimum?: number; maximum?: number; integer?: boolean }> = {
	sourceMinSide: { description: 'Pixels: the smallest side an import source should have.', minimum: 1 },
	blurVariance: { description: 'Laplacian variance of the contrast-stretched luma at training scale (short side 512) below which an image is blurry.', minimum: 0 },
	darkMeanLuma: { description: 'Mean luma (0-255) below which an image is dark.', minimum: 0, maximum: 255 },
	darkClippedShare: { description: 'Share of pixels at luma <= 16 above which an image is dark.', minimum: 0, maximum: 1 },
	overexposedMeanLuma: { description: 'Mean luma (0-255) above which an image is overexposed.', minimum: 0, maximum: 255 },
	overexposedClippedShare: { description: 'Share of pixels at luma >= 250 in the middle of the picture (where the person is) above which an image is overexposed.', minimum: 0, maximum: 1 },
	colorCast: { description: 'Distance of the mid-tones\' colour from neutral (CbCr units, 0-128) above which the light is coloured.', minimum: 0, maximum: 128 },
	grayscaleChroma: { description: 'Mean chroma (0-255) below which an image counts as grayscale.', minimum: 0, maximum: 255 },
	nearDuplicateDistance: { description: 'Hamming distance (of 64 bits) of the perceptual hashes at or below which two images are near-duplicates.', minimum: 0, maximum: 64, integer: true },
	sameShootDistance: { description: 'Hamming distance (of 64 bits) at or below which two images look like the same shoot.', minimum: 0, maximum: 64, integer: true },
	faceScore: { description: 'Face detector score (0-1) a detection needs to count as a face.', minimum: 0, maximum: 1 },
	edgeFaceScore: { description: 'Lower detector score (0-1) for another person\'s face cut by the picture\'s edge (other-people).', minimum: 0, maximum: 1 },
	faceMinShare: { description: 'In a face subset, the face height as a share of the image height below which it is too small.', minimum: 0, maximum: 1 },
	faceBorderMargin: { description: 'Pixels: a face box closer than this to the border counts as cut off.', minimum: 0 },
	maxPixels: { description: 'Images with more pixels than this are refused before decoding (decompression bombs).', minimum: 1 },
};

/** The likeness codes are tuned with `likeness: thresholds:`, not switched off with the image checks' list. */
const IMAGE_CODES: Record<Exclude<ImageProblemCode, 'wrong-person' | 'identity-unsure'>, string> = {
	'unreadable': 'truncated or corrupt files',
	'too-many-pixels': 'possible decompression bombs',
	'heic-unsupported': 'HEIC files',
	'animated': 'animated images',
	'cmyk': 'CMYK images',
	'16-bit': '16-bit images',
	'low-resolution': 'below the subset\'s target size',
	'wrong-size': 'not the target size',
	'blurry': 'blurry images',
	'dark': 'dark images',
	'overexposed': 'overexposed images',
	'colored-light': 'coloured light',
	'grayscale': 'black and white images in a colour set',
	'near-duplicate': 'near-duplicates',
	'same-shoot': 'pictures of the same shoot',
	'no-face': 'no face in a face subset',
	'other-people': 'other people in the picture',
	'face-cut-off': 'face cut off',
	'face-too-small': 'face too small for a close-up',
};

function imagesSchema(): Schema {
	const thresholds: Schema = {};
	for (const [key, spec] of Object.entries(THRESHOLDS) as [keyof ImageCheckThresholds, (typeof THRESHOLDS)[keyof ImageCheckThresholds]][]) {
		thresholds[key] = {
			type: spec.integer ? 'integer' : 'number',
			...(spec.minimum !== undefined ? { minimum: spec.minimum } : {}),
			...(spec.maximum !== undefined ? { maximum: spec.maximum } : {}),
			default: defaultThresholds[key],
			description: spec.description,
		};
	}
	return {
		type: 'object',
		description: 'Image checks (LoRA: Check Images, Dataset Health) for this folder; wins over the loraWorkbench.images.* settings.',
		properties: {
			thresholds: { type: 'object', description: 'Overrides of the image check thresholds.', properties: thresholds, additionalProperties: false },
			disabled: {
				type: 'array',
				description: `Image problem codes to skip: ${Object.entries(IMAGE_CODES).map(([code, what]) => `${code} (${what})`).join(', ')}.`,
				items: { enum: Object.keys(IMAGE_CODES) },
				uniqueItems: true,
			},
		},
		additionalProperties: false,
	};
}

function checkpointsSchema(): Schema {
	return {
		type: 'object',
		description: 'Checkpoints view and Compare Epochs.',
		properties: {
			chosen: { type: 'string', description: 'File name of the epoch picked as the best (written by "Choose"), e.g. 3mm4w4ts0n-000007.safetensors.' },
		},
		additionalProperties: false,
	};
}

/** The likeness report's section (src/core/likeness/likeness.ts, likenessSettingsFromYaml). */
function likenessSchema(): Schema {
	const threshold = (description: string, fallback: number, integer = false): Schema => ({ type: integer ? 'integer' : 'number', minimum: 0, default: fallback, description });
	return {
		type: 'object',
		description: 'Likeness (lora-workbench likeness, Check Images, Compare Epochs): who is in each picture and which epoch looks most like them.',
		properties: {
			reference: {
				description: 'Pictures of the person to compare every face with (paths relative to this folder), instead of the dataset\'s own faces. Each should show the person alone, face clearly visible.',
				anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, uniqueItems: true }],
			},
			thresholds: {
				type: 'object',
				description: 'Face distances (Euclidean, face-api descriptors).',
				properties: {
					unsure: threshold('From this distance a face is identity-unsure.', DEFAULT_LIKENESS_THRESHOLDS.unsure),
					wrong: threshold('From this distance a face is another person (wrong-person).', DEFAULT_LIKENESS_THRESHOLDS.wrong),
					copyFace: threshold('A sample face this close to a training face (and a picture this close by hash) copies that picture.', DEFAULT_LIKENESS_THRESHOLDS.copyFace),
					copyHash: threshold('Hamming distance (of 64 bits) of the perceptual hashes at or below which a sample copies a training picture.', DEFAULT_LIKENESS_THRESHOLDS.copyHash, true),
				},
				additionalProperties: false,
			},
		},
		additionalProperties: false,
	};
}

/** The optional feature sections, keyed by their top-level name in lora-workbench.yaml. */
export function featureSettingsSchemas(): Record<string, Schema> {
	return {
		lint: lintSchema(),
		coverage: coverageSchema(),
		costumes: costumesSchema('Same as coverage.costumes; read when coverage.costumes is absent.'),
		checkpoints: checkpointsSchema(),
		images: imagesSchema(),
		likeness: likenessSchema(),
	};
}
