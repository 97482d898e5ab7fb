import { OptionSpec, optionOf } from './sdScriptsOptions';
import { SD_SCRIPTS_SCRIPTS } from './sdScriptsScripts';
import type { ModelFamily } from './trainingSettings';
import { TomlTable, TomlValue } from './tomlModel';

/** Keys that must never be inside a --config_file (sd-scripts reads them before or instead of the file). */
const NOT_IN_CONFIG_FILE = new Set(['config_file', 'output_config']);

function typeMatches(spec: OptionSpec, value: TomlValue): boolean {
	switch (spec.type) {
		case 'flag': return typeof value === 'boolean';
		// resolution and face_crop_aug_range are split on "," later, so they must be strings here.
		case 'str': return typeof value === 'string';
		case 'int': return typeof value === 'bigint';
		case 'float': return typeof value === 'number' || typeof value === 'bigint';
		case 'intOrFloat': return typeof value === 'bigint' || typeof value === 'number';
		case 'strList': return Array.isArray(value) && value.every((v) => typeof v === 'string');
		case 'floatList': return typeof value === 'number' || Array.isArray(value) && value.every((v) => typeof v === 'number');
	}
}

/**
 * Checks a training config TOML document the way sd-scripts would not: every key must be an option of the
 * family's script (train_network.py, sdxl_train_network.py, flux_train_network.py; unknown keys are silently kept
 * by sd-scripts), with the type argparse would have produced, inside a choice list where there is one, and no key
 * may appear in two sections (the later one would win).
 */
export function checkTrainingConfig(document: TomlTable, family: ModelFamily = 'sd15'): string[] {
	const script = SD_SCRIPTS_SCRIPTS[family];
	const errors: string[] = [];
	const seen = new Map<string, string>();
	const visit = (key: string, value: TomlValue, section: string): void => {
		const spec = optionOf(family, key);
		const at = section ? `[${section}] ${key}` : key;
		if (!spec) {
			errors.push(`${at}: not an option of ${script}`);
			return;
		}
		if (NOT_IN_CONFIG_FILE.has(key)) {
			errors.push(`${at}: must be given on the command line, not inside the config file`);
		}
		if (seen.has(key)) {
			errors.push(`${at}: also set in [${seen.get(key)}]; sd-scripts would keep only the later one`);
		}
		seen.set(key, section);
		if (!typeMatches(spec, value)) {
			errors.push(`${at}: expected ${spec.type}, got ${Array.isArray(value) ? 'a list' : typeof value === 'bigint' ? 'int' : typeof value === 'number' ? 'float' : typeof value}`);
		} else if (spec.choices && !spec.choices.includes(typeof value === 'bigint' ? Number(value) : value as string)) {
			errors.push(`${at}: ${String(value)} is not one of ${spec.choices.join(', ')}`);
		}
	};
	for (const [key, value] of Object.entries(document)) {
		if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
			for (const [inner, innerValue] of Object.entries(value)) {
				visit(inner, innerValue, key);
			}
		} else {
			visit(key, value, '');
		}
	}
	return errors;
}
