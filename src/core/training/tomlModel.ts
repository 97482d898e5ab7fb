import { parse, stringify } from 'smol-toml';

/**
 * Python reads a TOML `1` as int and `1.0` as float, and sd-scripts' dataset schema tells them apart. JavaScript
 * numbers cannot, so in our TOML documents an integer is a bigint and a float is a number; smol-toml writes
 * bigints as integers and, with numbersAsFloat, every number as a float.
 */
export type TomlScalar = string | boolean | bigint | number;
export type TomlValue = TomlScalar | TomlValue[] | TomlTable;
export interface TomlTable { [key: string]: TomlValue }

export function int(value: number): bigint {
	if (!Number.isInteger(value)) {
		throw new RangeError(`${value} is not a whole number`);
	}
	return BigInt(value);
}

export function toToml(document: TomlTable, header?: string): string {
	const body = stringify(document, { numbersAsFloat: true });
	return header ? `${header.split('\n').map((line) => `# ${line}`.trimEnd()).join('\n')}\n\n${body}` : body;
}

/** Reads TOML into the same model: integers as bigints, floats as numbers (as Python would type them). */
export function fromToml(text: string): TomlTable {
	return parse(text, { integersAsBigInt: true }) as TomlTable;
}
