// Structure figures of src/ (issue 17): import cycles, upward imports between top-level folders, file sizes.
//   node scripts/code-metrics.mjs [repository root] [--json]
// Imports are read from the real import statements (scripts/importGraph.mjs), type-only imports included: a type
// import ties two files together for the reader and the type checker as much as a runtime one.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importEdges, tsFiles, zoneOf } from './importGraph.mjs';

/** The upward imports: a lower layer importing a higher one (docs/architecture.md, "Zones"). */
const UPWARD = [
	{ name: 'core -> anything else in src/', test: (from, to) => from === 'core' && to !== 'core' },
	{ name: 'services -> providers/trainer/extension.ts', test: (from, to) => from === 'services' && ['providers', 'trainer', 'extension.ts'].includes(to) },
	{ name: 'providers|trainer -> extension.ts', test: (from, to) => (from === 'providers' || from === 'trainer') && to === 'extension.ts' },
	{ name: 'trainer -> providers', test: (from, to) => from === 'trainer' && to === 'providers' },
];

/** Strongly connected components (Tarjan), as arrays of nodes. */
function components(nodes, next) {
	let index = 0;
	const indexOf = new Map();
	const low = new Map();
	const stack = [];
	const onStack = new Set();
	const out = [];
	const visit = (v) => {
		indexOf.set(v, index);
		low.set(v, index);
		index++;
		stack.push(v);
		onStack.add(v);
		for (const w of next.get(v) ?? []) {
			if (!indexOf.has(w)) {
				visit(w);
				low.set(v, Math.min(low.get(v), low.get(w)));
			} else if (onStack.has(w)) {
				low.set(v, Math.min(low.get(v), indexOf.get(w)));
			}
		}
		if (low.get(v) === indexOf.get(v)) {
			const component = [];
			let w;
			do {
				w = stack.pop();
				onStack.delete(w);
				component.push(w);
			} while (w !== v);
			out.push(component.sort());
		}
	};
	for (const v of nodes) {
		if (!indexOf.has(v)) {
			visit(v);
		}
	}
	return out;
}

function percentile(sorted, p) {
	// Nearest rank: the smallest value with at least p% of the values at or below it.
	return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function codeMetrics(root) {
	const files = tsFiles(join(root, 'src'));
	const edges = importEdges(root, ['src']).filter((e) => e.to.startsWith('src/'));
	const next = new Map();
	for (const e of edges) {
		next.set(e.from, new Set([...(next.get(e.from) ?? []), e.to]));
	}
	const nodes = files.map((f) => f.slice(root.length + 1).split('\\').join('/'));
	const cycles = components(nodes, next).filter((c) => c.length > 1).sort((a, b) => b.length - a.length);
	const upward = UPWARD.map((rule) => {
		const found = edges.filter((e) => rule.test(zoneOf(e.from), zoneOf(e.to)));
		return { rule: rule.name, count: found.length, imports: found.map((e) => `${e.from}:${e.line} -> ${e.to}`) };
	});
	const lines = files.map((f) => readFileSync(f, 'utf8').split('\n').length - (readFileSync(f, 'utf8').endsWith('\n') ? 1 : 0)).sort((a, b) => a - b);
	return {
		files: files.length,
		imports: edges.length,
		cycles: { count: cycles.length, largest: cycles[0]?.length ?? 0, components: cycles },
		upward: { total: upward.reduce((n, u) => n + u.count, 0), byRule: upward },
		lines: { median: percentile(lines, 50), p90: percentile(lines, 90), max: lines.at(-1) ?? 0 },
	};
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
	const args = process.argv.slice(2);
	const root = resolve(args.find((a) => !a.startsWith('--')) ?? process.cwd());
	const m = codeMetrics(root);
	if (args.includes('--json')) {
		console.log(JSON.stringify(m, null, 2));
	} else {
		console.log(`src/: ${m.files} .ts files, ${m.imports} imports between them`);
		console.log(`import cycles (strongly connected components of more than one file): ${m.cycles.count}, largest ${m.cycles.largest} files`);
		for (const c of m.cycles.components) {
			console.log(`  ${c.length} files: ${c.join(', ')}`);
		}
		console.log(`upward imports between top-level folders: ${m.upward.total}`);
		for (const u of m.upward.byRule) {
			console.log(`  ${u.rule}: ${u.count}`);
			for (const i of u.imports) {
				console.log(`    ${i}`);
			}
		}
		console.log(`file size (lines of src/**/*.ts): median ${m.lines.median}, 90th percentile ${m.lines.p90}, largest ${m.lines.max}`);
	}
}
