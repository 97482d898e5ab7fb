import { featureSettingsSchemas } from '../featureSettingsSchema';
import { FieldSpec, TRAINING_FIELDS } from './trainingFields';
import { guidePreset } from './settingsTable';

/**
 * JSON schema (draft-07, what VS Code's YAML/JSON validation reads) for the `training:` section, generated
 * from the same field table the reader uses. schemas/lora-workbench.schema.json embeds it; a unit test
 * keeps the file equal to this output (regenerate with `UPDATE_SCHEMA=1 npx tsx --test test/unit/trainingConfig.test.ts`).
 */
export function fieldSchema(spec: FieldSpec, defaultValue: unknown): Record<string, unknown> {
	const base: Record<string, unknown> = { description: spec.description };
	if (defaultValue !== undefined && spec.kind !== 'object' && spec.kind !== 'map') {
		base.default = defaultValue;
	}
	switch (spec.kind) {
		case 'string':
			return { type: 'string', ...(spec.enum ? { enum: spec.enum } : {}), ...(spec.pattern ? { pattern: spec.pattern } : {}), ...base };
		case 'int':
		case 'number':
			return {
				type: spec.nullable ? [spec.kind === 'int' ? 'integer' : 'number', 'null'] : spec.kind === 'int' ? 'integer' : 'number',
				...(spec.min !== undefined ? { minimum: spec.min } : {}),
				...(spec.max !== undefined ? { maximum: spec.max } : {}),
				...(spec.kind === 'int' && spec.enum ? { enum: [...spec.enum, ...(spec.nullable ? [null] : [])] } : {}),
				...base,
			};
		case 'bool':
			return { type: 'boolean', ...base };
		case 'stringList':
			return { type: 'array', items: { type: 'string' }, ...base };
		case 'resolution':
			return {
				oneOf: [
					{ type: 'string', pattern: '^\\d+(,\\d+)?$' },
					{ type: 'integer', minimum: 64 },
					{ type: 'array', items: { type: 'integer', minimum: 64 }, minItems: 1, maxItems: 2 },
				],
				...base,
			};
		case 'map':
			return { type: 'object', ...base };
		case 'object':
			return objectSchema(spec.fields, (defaultValue ?? {}) as Record<string, unknown>, spec.description);
	}
}

function objectSchema(fields: Readonly<Record<string, FieldSpec>>, defaults: Record<string, unknown>, description: string): Record<string, unknown> {
	const properties: Record<string, unknown> = {};
	for (const [key, spec] of Object.entries(fields)) {
		properties[key] = fieldSchema(spec, defaults[key]);
	}
	return { type: 'object', description, properties, additionalProperties: false };
}

export function trainingSectionSchema(): Record<string, unknown> {
	return objectSchema(TRAINING_FIELDS, guidePreset() as unknown as Record<string, unknown>,
		'Training settings for sd-scripts\' train_network.py. Anything left out takes the "Guide: SD1.5 person" preset value.');
}

/**
 * The whole lora-workbench.yaml schema: the training section in full, the feature sections (lint, coverage,
 * checkpoints, images) from src/core/featureSettingsSchema.ts; any other top-level key is allowed.
 */
export function workbenchSettingsSchema(): Record<string, unknown> {
	return {
		$schema: 'http://json-schema.org/draft-07/schema#',
		$id: 'https://lora-workbench.dev/schemas/lora-workbench.schema.json',
		title: 'LoRA Workbench training folder settings (lora-workbench.yaml)',
		type: 'object',
		properties: {
			trigger: { type: 'string', pattern: '^\\S+$', description: 'The trigger word: a rare token that names the person (e.g. 3mm4w4ts0n).' },
			class: { type: 'string', description: 'The class word: woman, man, person, ...' },
			training: trainingSectionSchema(),
			subsets: {
				type: 'object',
				description: 'Per subset folder (images/<repeats>_<class tokens> or reg/...): its role.',
				additionalProperties: {
					type: 'object',
					properties: { role: { type: 'string', enum: ['face', 'body', 'costume', 'reg', 'unknown'], description: 'What the subset holds; guessed when left out.' } },
				},
			},
			checks: {
				type: 'object',
				description: 'Thresholds of the guide checks in the Dataset view; ranges are [min, max].',
				properties: {
					maxTotalSteps: { type: 'integer', minimum: 1, default: 1500, description: 'Warn above this many total optimisation steps.' },
					faceBodyRatio: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, default: [1.5, 2], description: 'Face:body image ratio range.' },
					faceImages: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2, default: [25, 30], description: 'Face image count range.' },
					bodyImages: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2, default: [15, 20], description: 'Body image count range.' },
				},
			},
			...featureSettingsSchemas(),
		},
		additionalProperties: true,
	};
}
