import { relative, resolve } from 'node:path';
import { BulkOperation, describeOperation, describeTagDiff, planBulkEdit, tagDiff, validateOperation } from '../core/bulkEdit';
import { applyPlanToDisk, readCaptionForEdit } from '../core/bulkEditFiles';
import { normalizeTag, captionTags } from '../core/caption';
import { coverageOptionsFrom } from '../core/coverage/fromFolder';
import { notCountedProblems, scanTrainingFolder, TrainingFolder } from '../core/dataset';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import { compileFilter, matchesFilter } from '../core/filterExpression';
import { buildTagTable, filterRows, sortRows, tagStatsSubsets, TagTable } from '../core/tagStats';
import { summarizeTags } from '../core/tagStatsSummary';
import { CliCommand, CliIo, ParsedArgs, UsageError, booleanFlag, intFlag, stringFlag } from './args';
import { countOf, wordFor } from '../core/plural';

const usage = `Usage: lora-workbench tags <folder> [--sort count|name] [--search TEXT] [--top N] [--filter EXPR] [--json]
       lora-workbench tags <folder> <edit> [--filter EXPR] [--apply]

Prints the tag table of a training folder: each tag with the images that carry it, in total and per subset,
and marks tags in every image (EVERY) and in only one image (ONE), then the guide's statistics.

  --sort count|name   order of the table (default count)
  --search TEXT       only tags containing TEXT
  --top N             only the first N rows (default all)
  --filter EXPR       list the images matching a filter expression, e.g. "blonde hair AND NOT smile";
                      with an edit, edit only those images
  --json              machine-readable output

Edits (one at a time; shows a preview, writes only with --apply):
  --add TAG [--position start|end|after-trigger]   add a tag (default after the trigger)
  --remove TAG [--exact]             remove a tag in every spelling (long hair, long_hair),
                                     or with --exact only the spelling given
  --rename TAG --to NEW              rename a whole tag
  --replace TEXT --with NEW [--regex] [--ignore-case]   replace inside tags
  --move-to-front TAG                move a tag to the front (after a leading trigger)
  --dedupe                           remove duplicate tags
  --normalize spaces|underscores     underscores to spaces (tags over 3 characters) or back
  --sort-tags                        sort tags by dataset frequency, trigger first

Exit codes: 0 done, 1 a filter or edit found nothing to do or files were skipped, 2 bad usage.`;

function operationFrom(args: ParsedArgs): BulkOperation | undefined {
	const ops: BulkOperation[] = [];
	const add = stringFlag(args, 'add');
	if (add !== undefined) {
		const position = stringFlag(args, 'position') ?? 'after-trigger';
		if (!['start', 'end', 'after-trigger'].includes(position)) {
			throw new UsageError(`--position must be start, end or after-trigger (got "${position}")`);
		}
		ops.push({ kind: 'add', tag: add, position: position === 'after-trigger' ? 'afterTrigger' : position as 'start' | 'end' });
	}
	const remove = stringFlag(args, 'remove');
	if (remove !== undefined) { ops.push({ kind: 'remove', tag: remove, exact: booleanFlag(args, 'exact') }); }
	const rename = stringFlag(args, 'rename');
	if (rename !== undefined) {
		const to = stringFlag(args, 'to');
		if (to === undefined) { throw new UsageError('--rename needs --to NEW'); }
		ops.push({ kind: 'rename', from: rename, to });
	}
	const replace = stringFlag(args, 'replace');
	if (replace !== undefined) {
		ops.push({ kind: 'replace', find: replace, replacement: stringFlag(args, 'with') ?? '', regex: booleanFlag(args, 'regex'), ignoreCase: booleanFlag(args, 'ignore-case') });
	}
	const front = stringFlag(args, 'move-to-front');
	if (front !== undefined) { ops.push({ kind: 'moveToFront', tag: front }); }
	if (booleanFlag(args, 'dedupe')) { ops.push({ kind: 'dedupe' }); }
	const normalize = stringFlag(args, 'normalize');
	if (normalize !== undefined) {
		if (normalize !== 'spaces' && normalize !== 'underscores') { throw new UsageError(`--normalize must be spaces or underscores (got "${normalize}")`); }
		ops.push({ kind: 'normalize', to: normalize });
	}
	if (booleanFlag(args, 'sort-tags')) { ops.push({ kind: 'sortByFrequency' }); }
	if (ops.length > 1) { throw new UsageError('give one edit at a time'); }
	return ops[0];
}

function imagesMatching(folder: TrainingFolder, expression: string | undefined): string[] {
	const images = folder.subsets.flatMap((s) => s.images);
	if (expression === undefined) {
		return images.map((i) => i.path);
	}
	const compiled = compileFilter(expression);
	if (!compiled.ok) {
		throw new UsageError(`--filter "${expression}": ${compiled.error.message}`);
	}
	return images.filter((i) => i.caption !== undefined && matchesFilter(compiled.node, new Set(captionTags(i.caption).map(normalizeTag)))).map((i) => i.path);
}

function printTable(table: TagTable, args: ParsedArgs, io: CliIo): void {
	const sort = stringFlag(args, 'sort') ?? 'count';
	if (sort !== 'count' && sort !== 'name') { throw new UsageError(`--sort must be count or name (got "${sort}")`); }
	let rows = sortRows(filterRows(table.rows, stringFlag(args, 'search') ?? ''), sort);
	const top = intFlag(args, 'top');
	if (top !== undefined) { rows = rows.slice(0, top); }
	const width = Math.min(40, Math.max(3, ...rows.map((r) => r.label.length)));
	io.out(`${'tag'.padEnd(width)}  images  share  ${table.subsets.map((_, i) => `[${i + 1}]`).join(' ')}`);
	for (const row of rows) {
		const marks = [row.inEveryImage ? 'EVERY' : '', row.singleImage ? 'ONE' : ''].filter(Boolean).join(' ');
		io.out(`${row.label.padEnd(width)}  ${String(row.count).padStart(6)}  ${`${Math.round(row.share * 100)}%`.padStart(5)}  ${row.perSubset.map((n, i) => String(n).padStart(String(i + 1).length + 2)).join(' ')}  ${marks}`);
	}
	io.out(table.subsets.map((s, i) => `[${i + 1}] ${s.name} (${s.role}, ${countOf(s.images, 'image')})`).join('\n'));
}

async function runEdit(folder: TrainingFolder, op: BulkOperation, table: TagTable, args: ParsedArgs, io: CliIo): Promise<number> {
	const problem = validateOperation(op);
	if (problem) { throw new UsageError(problem); }
	const scope = new Set(imagesMatching(folder, stringFlag(args, 'filter')));
	if (!booleanFlag(args, 'apply')) {
		return previewOrApply(folder, op, table, scope, false, io);
	}
	// The lock is held from reading the captions to the last write, so a second bulk writer neither reads
	// captions this edit is about to change nor writes between its reads and its writes.
	try {
		return await withFolderLock(folder.root, `lora-workbench tags (${describeOperation(op)})`, () => previewOrApply(folder, op, table, scope, true, io));
	} catch (err) {
		if (err instanceof FolderLockedError) {
			io.err(`Nothing was written: ${err.message}`);
			return 1;
		}
		throw err;
	}
}

async function previewOrApply(folder: TrainingFolder, op: BulkOperation, table: TagTable, scope: ReadonlySet<string>, apply: boolean, io: CliIo): Promise<number> {
	const images = folder.subsets.flatMap((s) => s.images).filter((i) => scope.has(i.path));
	const inputs = await Promise.all(images.map((i) => (i.hasCaption ? readCaptionForEdit(i.captionPath) : Promise.resolve({ path: i.captionPath, text: undefined }))));
	const frequency = new Map(table.rows.map((r) => [r.key, r.count]));
	const plan = planBulkEdit(inputs, op, { trigger: folder.trigger, frequency });
	io.out(`${describeOperation(op)}: ${plan.summary}.`);
	for (const skipped of plan.skipped) {
		io.err(`Skipped ${skipped.path}: ${skipped.reason}.`);
	}
	for (const change of plan.changes) {
		const [before, after] = [change.before, change.after].map((text) => text.replace(/^\uFEFF/, '').split(/\r?\n/)[0]);
		io.out(`  ${relative(folder.root, change.path)}: ${describeTagDiff(tagDiff(before, after), after)}\n    - ${before}\n    + ${after}`);
	}
	if (!apply) {
		io.out(plan.changes.length > 0 ? 'Preview only: add --apply to write these captions.' : 'Nothing to write.');
		return plan.changes.length > 0 ? 0 : 1;
	}
	const applied = await applyPlanToDisk(plan);
	if (applied.sweptTemps.length > 0) {
		io.err(`Removed ${countOf(applied.sweptTemps.length, 'temp file')} left by an interrupted write.`);
	}
	io.out(`Wrote ${countOf(applied.written.length, 'caption')}.`);
	for (const skipped of applied.skipped) {
		io.err(`Skipped ${skipped.path}: ${skipped.reason}. Run the edit again to include it.`);
	}
	return applied.skipped.length + plan.skipped.length > 0 ? 1 : 0;
}

export const tagsCommand: CliCommand = {
	name: 'tags',
	summary: 'Tag table, filter expressions and bulk tag edits of a training folder',
	usage,
	flags: {
		json: { type: 'boolean' }, sort: { type: 'string' }, search: { type: 'string' }, top: { type: 'string' }, filter: { type: 'string' },
		add: { type: 'string' }, position: { type: 'string' }, remove: { type: 'string' }, exact: { type: 'boolean' }, rename: { type: 'string' }, to: { type: 'string' },
		replace: { type: 'string' }, with: { type: 'string' }, regex: { type: 'boolean' }, 'ignore-case': { type: 'boolean' },
		'move-to-front': { type: 'string' }, dedupe: { type: 'boolean' }, normalize: { type: 'string' }, 'sort-tags': { type: 'boolean' }, apply: { type: 'boolean' },
	},
	async run(args, io) {
		if (args.positionals.length !== 1) { throw new UsageError('give exactly one training folder'); }
		// The tag table reads captions, not images: no bucket preview (it would read every image's header).
		const folder = await scanTrainingFolder(resolve(io.cwd, args.positionals[0]), { bucketPreview: false });
		const fatal = folder.folderProblems.find((p) => p.severity === 'error');
		if (fatal) { io.err(fatal.message); return 1; }
		const subsets = tagStatsSubsets(folder);
		const table = buildTagTable(subsets);
		const op = operationFrom(args);
		if (op) { return runEdit(folder, op, table, args, io); }
		// Captions (and folders) the table could not read are left out of its counts: say which, never silently.
		for (const problem of notCountedProblems(folder)) { io.err(`Not counted: ${problem.message}`); }
		// The table is printed as one write, not one per row (a 20,000-caption folder has thousands of tags).
		const lines: string[] = [];
		const code = report(folder, table, subsets, args, { ...io, out: (text) => { lines.push(text.endsWith('\n') ? text.slice(0, -1) : text); } });
		if (lines.length > 0) {
			io.out(lines.join('\n'));
		}
		return code;
	},
};

/** The table (or the filter's matches, or the JSON) and the guide's statistics; the exit code. */
function report(folder: TrainingFolder, table: TagTable, subsets: ReturnType<typeof tagStatsSubsets>, args: ParsedArgs, io: CliIo): number {
	const filter = stringFlag(args, 'filter');
	const matching = filter === undefined ? undefined : imagesMatching(folder, filter);
	const summary = summarizeTags(table, subsets, { trigger: folder.trigger, costumeTags: coverageOptionsFrom(folder.settings.raw).options.costumes.map((c) => c.tag) });
	if (booleanFlag(args, 'json')) {
		io.out(JSON.stringify({ root: folder.root, totalImages: table.totalImages, captionedImages: table.captionedImages, subsets: table.subsets, rows: table.rows, summary, matching }, null, '\t'));
		return matching !== undefined && matching.length === 0 ? 1 : 0;
	}
	if (matching !== undefined) {
		io.out(`${countOf(matching.length, 'image')} ${wordFor(matching.length, 'matches', 'match')} ${filter}:`);
		matching.forEach((p) => io.out(`  ${relative(folder.root, p)}`));
		return matching.length === 0 ? 1 : 0;
	}
	printTable(table, args, io);
	io.out(`\nFace:body ${summary.faceBodyRatio === undefined ? 'n/a' : `${summary.faceBodyRatio.toFixed(2)}:1`} (${summary.faceImages} face, ${summary.bodyImages} body images)`);
	for (const costume of summary.costumes) {
		io.out(`Costume "${costume.tag}" (${countOf(costume.images, 'image')}) comes with: ${costume.coTags.map((t) => `${t.label} ${Math.round(t.share * 100)}%`).join(', ') || 'nothing else'}`);
	}
	return 0;
}
