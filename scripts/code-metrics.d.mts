// Types of scripts/code-metrics.mjs for TypeScript callers (test/unit/zones.test.ts).
export interface CodeMetrics {
	files: number;
	imports: number;
	cycles: { count: number; largest: number; components: string[][] };
	upward: { total: number; byRule: Array<{ rule: string; count: number; imports: string[] }> };
	lines: { median: number; p90: number; max: number };
}

export function codeMetrics(root: string): CodeMetrics;
