// Types of scripts/importGraph.mjs for TypeScript callers (test/unit/zones.test.ts).
export interface ImportEdge {
	/** The importing file, relative to the root, with '/'. */
	from: string;
	/** The imported .ts file (relative, '/') or, for a package, the specifier itself. */
	to: string;
	specifier: string;
	line: number;
}

export function tsFiles(dir: string): string[];
export function importsOf(file: string, text?: string): Array<{ specifier: string; line: number }>;
export function resolveImport(fromFile: string, specifier: string): string | undefined;
export function importEdges(root: string, dirs?: string[]): ImportEdge[];
export function zoneOf(path: string): string;
