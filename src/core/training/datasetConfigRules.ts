/**
 * sd-scripts' own rules for a `--dataset_config` TOML (library/config_util.py ConfigSanitizer, reference §3),
 * as train_network builds it: DreamBooth + caption dropout, no masked loss. voluptuous rejects extra keys and
 * checks types with isinstance, so an int is not a float here. In our TOML model an integer is a bigint and a
 * float is a number (see tomlModel.ts), which keeps that distinction all the way to the file.
 */

type Rule = 'int' | 'float' | 'floatOrInt' | 'bool' | 'str' | 'table' | 'floatPair' | 'resolution';

const DATASET_ASCENDABLE: Record<string, Rule> = {
	batch_size: 'int',
	bucket_no_upscale: 'bool',
	bucket_reso_steps: 'int',
	enable_bucket: 'bool',
	max_bucket_reso: 'int',
	min_bucket_reso: 'int',
	validation_seed: 'int',
	validation_split: 'float',
	resolution: 'resolution',
	network_multiplier: 'float',
	resize_interpolation: 'str',
};

const SUBSET_ASCENDABLE: Record<string, Rule> = {
	color_aug: 'bool',
	face_crop_aug_range: 'floatPair',
	flip_aug: 'bool',
	num_repeats: 'int',
	random_crop: 'bool',
	shuffle_caption: 'bool',
	keep_tokens: 'int',
	keep_tokens_separator: 'str',
	secondary_separator: 'str',
	caption_separator: 'str',
	enable_wildcard: 'bool',
	token_warmup_min: 'int',
	token_warmup_step: 'floatOrInt',
	caption_prefix: 'str',
	caption_suffix: 'str',
	custom_attributes: 'table',
	resize_interpolation: 'str',
	caption_dropout_every_n_epochs: 'int',
	caption_dropout_rate: 'floatOrInt',
	caption_tag_dropout_rate: 'floatOrInt',
	caption_extension: 'str',
	class_tokens: 'str',
	cache_info: 'bool',
};

const DREAMBOOTH_SUBSET_ONLY: Record<string, Rule> = {
	image_dir: 'str',
	is_reg: 'bool',
	alpha_mask: 'bool',
};

const GENERAL_KEYS = { ...SUBSET_ASCENDABLE, ...DATASET_ASCENDABLE };
const DATASET_KEYS = { ...SUBSET_ASCENDABLE, ...DATASET_ASCENDABLE, subsets: 'table' as Rule };
const SUBSET_KEYS = { ...SUBSET_ASCENDABLE, ...DREAMBOOTH_SUBSET_ONLY };

function isInt(value: unknown): boolean {
	// voluptuous' int check is isinstance(x, int), which a Python bool passes.
	return typeof value === 'bigint' || typeof value === 'boolean';
}

function isFloat(value: unknown): boolean {
	return typeof value === 'number';
}

function matches(rule: Rule, value: unknown): boolean {
	switch (rule) {
		case 'int': return isInt(value);
		case 'float': return isFloat(value);
		case 'floatOrInt': return isFloat(value) || isInt(value);
		case 'bool': return typeof value === 'boolean';
		case 'str': return typeof value === 'string';
		case 'table': return value !== null && typeof value === 'object' && !Array.isArray(value);
		case 'floatPair': return Array.isArray(value) && value.length === 2 && value.every(isFloat);
		case 'resolution': return isInt(value) || Array.isArray(value) && value.length === 2 && value.every(isInt);
	}
}

const EXPECTED: Record<Rule, string> = {
	int: 'int',
	float: 'float',
	floatOrInt: 'float or int',
	bool: 'bool',
	str: 'str',
	table: 'dict',
	floatPair: 'a list of two floats',
	resolution: 'int or a list of two ints',
};

function where(path: (string | number)[]): string {
	return `data${path.map((p) => `[${typeof p === 'number' ? p : `'${p}'`}]`).join('')}`;
}

function checkTable(table: Record<string, unknown>, keys: Record<string, Rule>, path: (string | number)[], errors: string[]): void {
	for (const [key, value] of Object.entries(table)) {
		const rule = keys[key];
		if (!rule) {
			errors.push(`extra keys not allowed @ ${where([...path, key])}`);
		} else if (key !== 'subsets' && !matches(rule, value)) {
			errors.push(`expected ${EXPECTED[rule]} for dictionary value @ ${where([...path, key])}`);
		}
	}
}

function resolutionOf(value: unknown): [number, number] | undefined {
	if (typeof value === 'bigint') {
		return [Number(value), Number(value)];
	}
	if (Array.isArray(value) && value.length === 2) {
		return [Number(value[0]), Number(value[1])];
	}
	return undefined;
}

/**
 * Returns sd-scripts' complaints about a dataset config, in voluptuous' words, plus the assertions the dataset
 * classes make later (resolution present, bucket range). Empty means sd-scripts would accept it.
 */
export function checkDatasetConfig(config: Record<string, unknown>, bucketStep = 64): string[] {
	const errors: string[] = [];
	for (const key of Object.keys(config)) {
		if (key !== 'general' && key !== 'datasets') {
			errors.push(`extra keys not allowed @ ${where([key])}`);
		}
	}
	const general = (config.general ?? {}) as Record<string, unknown>;
	if (!matches('table', general)) {
		errors.push(`expected dict for dictionary value @ ${where(['general'])}`);
	} else {
		checkTable(general, GENERAL_KEYS, ['general'], errors);
	}
	const datasets = config.datasets;
	if (!Array.isArray(datasets) || datasets.length === 0) {
		errors.push(`expected a list of datasets @ ${where(['datasets'])}`);
		return errors;
	}
	datasets.forEach((dataset: Record<string, unknown>, d) => {
		checkTable(dataset, DATASET_KEYS, ['datasets', d], errors);
		const subsets = dataset.subsets;
		if (!Array.isArray(subsets) || subsets.length === 0) {
			errors.push(`expected a list of subsets @ ${where(['datasets', d, 'subsets'])}`);
			return;
		}
		subsets.forEach((subset: Record<string, unknown>, s) => {
			checkTable(subset, SUBSET_KEYS, ['datasets', d, 'subsets', s], errors);
			if (typeof subset.image_dir !== 'string') {
				errors.push(`required key not provided @ ${where(['datasets', d, 'subsets', s, 'image_dir'])}`);
			}
		});
		const value = (key: string): unknown => dataset[key] ?? general[key];
		const resolution = resolutionOf(value('resolution'));
		if (!resolution) {
			errors.push(`resolution is required for datasets[${d}] (AssertionError: resolution is required)`);
			return;
		}
		if (value('enable_bucket') === true && value('bucket_no_upscale') !== true) {
			const step = Number(value('bucket_reso_steps') ?? 64n);
			// verify_bucket_reso_steps: 64 for train_network.py, 32 for sdxl_ and flux_train_network.py.
			if (step % bucketStep !== 0) {
				errors.push(`bucket_reso_steps is ${step}. it must be divisible by ${bucketStep}.`);
			}
			const min = Math.floor(Number(value('min_bucket_reso') ?? 256n) / step) * step;
			const max = Math.ceil(Number(value('max_bucket_reso') ?? 1024n) / step) * step;
			if (Math.min(...resolution) < min) {
				errors.push(`min_bucket_reso must be equal or less than resolution for datasets[${d}] (${min} > ${Math.min(...resolution)})`);
			}
			if (Math.max(...resolution) > max) {
				errors.push(`max_bucket_reso must be equal or greater than resolution for datasets[${d}] (${max} < ${Math.max(...resolution)})`);
			}
		}
	});
	return errors;
}
