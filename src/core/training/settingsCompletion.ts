import { FieldSpec, TRAINING_FIELDS } from './trainingFields';

/**
 * Completion inside the `training:` section of lora-workbench.yaml from the same field table the reader uses,
 * so it works without a YAML extension. Works on the text alone: the path comes from the indentation above.
 */
export interface SettingsCompletion {
	label: string;
	/** The setting's help (its sd-scripts option is named there). */
	documentation: string;
	insertText: string;
	kind: 'key' | 'value';
}

function fieldsAt(path: string[]): Readonly<Record<string, FieldSpec>> | undefined {
	if (path[0] !== 'training') {
		return undefined;
	}
	let fields: Readonly<Record<string, FieldSpec>> = TRAINING_FIELDS;
	for (const segment of path.slice(1)) {
		const spec = fields[segment];
		if (!spec || spec.kind !== 'object') {
			return undefined;
		}
		fields = spec.fields;
	}
	return fields;
}

/** The keys that enclose a line with this indentation: `training`, `sample`... from the lines above it. */
function parentPath(lines: string[], lineIndex: number, indent: number): string[] {
	const path: string[] = [];
	let limit = indent;
	for (let i = lineIndex - 1; i >= 0 && limit > 0; i--) {
		const match = /^(\s*)([A-Za-z_][\w-]*):\s*(#.*)?$/.exec(lines[i]);
		if (!match) {
			continue;
		}
		const own = match[1].length;
		if (own < limit) {
			path.unshift(match[2]);
			limit = own;
		}
	}
	return limit === 0 ? path : [];
}

function valuesOf(spec: FieldSpec): string[] {
	if (spec.kind === 'bool') {
		return ['true', 'false'];
	}
	if (spec.kind === 'string' && spec.enum) {
		return [...spec.enum];
	}
	if (spec.kind === 'int' && spec.enum) {
		return spec.enum.map(String);
	}
	return [];
}

/** Completions at `offset`; empty outside the `training:` section. */
export function settingsCompletions(text: string, offset: number): SettingsCompletion[] {
	const before = text.slice(0, offset);
	const lines = before.split(/\r?\n/);
	const lineIndex = lines.length - 1;
	const prefix = lines[lineIndex];
	const allLines = text.split(/\r?\n/);
	const keyMatch = /^(\s*)([A-Za-z_]*)$/.exec(prefix);
	if (keyMatch) {
		const fields = fieldsAt(parentPath(allLines, lineIndex, keyMatch[1].length));
		if (!fields) {
			return [];
		}
		const siblings = new Set(allLines.filter((l, i) => i !== lineIndex && l.startsWith(keyMatch[1]) && !/^\s/.test(l.slice(keyMatch[1].length))).map((l) => /^\s*([\w-]+):/.exec(l)?.[1]));
		return Object.entries(fields).filter(([key]) => !siblings.has(key)).map(([key, spec]) => ({
			label: key, documentation: spec.description, kind: 'key' as const,
			insertText: spec.kind === 'object' || spec.kind === 'map' ? `${key}:\n${keyMatch[1]}  ` : `${key}: `,
		}));
	}
	const valueMatch = /^(\s*)([A-Za-z_][\w-]*):\s*([\w.-]*)$/.exec(prefix);
	if (valueMatch) {
		const spec = fieldsAt(parentPath(allLines, lineIndex, valueMatch[1].length))?.[valueMatch[2]];
		return spec ? valuesOf(spec).map((value) => ({ label: value, documentation: spec.description, insertText: value, kind: 'value' as const })) : [];
	}
	return [];
}
