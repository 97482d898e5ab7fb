import { promises as fs } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { sweepStaleTempFiles, sweepStaleTempNames } from '../core/atomicWrite';
import { finishInterruptedRenames } from '../core/coverage/renameJournal';
import { withFolderLock } from '../core/folderLock';
import { TrainingFolder, scanTrainingFolder } from '../core/dataset';
import { TrainingSettings } from '../core/settings';
import { CliCommand, CliIo, ParsedArgs, UsageError, booleanFlag, intFlag } from './args';
import { countOf } from '../core/plural';

const usage = `Usage: lora-workbench scan <folder> [--json] [--batch-size N] [--epochs N] [--grad-accum N] [--gpus N] [--buckets]

Reads a training folder (<folder>/images/<repeats>_<class tokens>/, optional reg/) exactly as sd-scripts
does and prints its subsets and the numbers of sd-scripts' "running training" block.
Flags override the training settings in <folder>/lora-workbench.yaml (defaults: batch 1, 10 epochs,
gradient accumulation 1, 1 GPU, buckets off).

  --json          machine-readable output
  --batch-size N  train_batch_size
  --epochs N      max_train_epochs
  --grad-accum N  gradient_accumulation_steps
  --gpus N        number of GPUs (accelerate --num_processes)
  --buckets       enable_bucket (reads every image's size)

Exit codes: 0 readable folder, 1 errors found (sd-scripts would fail or train nothing), 2 bad usage.`;

function overrides(args: ParsedArgs): Partial<TrainingSettings> {
	const result: Partial<TrainingSettings> = {};
	const batch = intFlag(args, 'batch-size');
	const epochs = intFlag(args, 'epochs');
	const accumulation = intFlag(args, 'grad-accum');
	const gpus = intFlag(args, 'gpus');
	if (batch !== undefined) { result.batchSize = batch; }
	if (epochs !== undefined) { result.epochs = epochs; }
	if (accumulation !== undefined) { result.gradientAccumulationSteps = accumulation; }
	if (gpus !== undefined) { result.gpus = gpus; }
	if (booleanFlag(args, 'buckets')) { result.enableBucket = true; }
	return result;
}

/** The JSON shape of `scan --json` (documented in README). */
export function scanReport(folder: TrainingFolder): Record<string, unknown> {
	return {
		root: folder.root,
		trigger: folder.trigger ?? null,
		class: folder.classWord ?? null,
		settingsFile: folder.settingsFileExists,
		training: {
			batchSize: folder.training.batchSize, epochs: folder.training.epochs,
			gradientAccumulationSteps: folder.training.gradientAccumulationSteps, gpus: folder.training.gpus,
			enableBucket: folder.training.enableBucket, resolution: folder.training.resolution,
			captionExtension: folder.training.captionExtension,
		},
		subsets: folder.subsets.map((s) => ({
			dir: s.dir, name: s.name, repeats: s.repeats, classTokens: s.classTokens, isReg: s.isReg,
			images: s.images.length, captioned: s.images.filter((i) => i.hasCaption).length, role: s.role,
		})),
		trainImagesTimesRepeats: folder.steps?.trainImagesTimesRepeats ?? null,
		regImagesTimesRepeats: folder.steps?.regImagesTimesRepeats ?? null,
		batchesPerEpoch: folder.steps?.batchesPerEpoch ?? null,
		stepsPerEpoch: folder.steps?.stepsPerEpoch ?? null,
		epochs: folder.steps?.epochs ?? null,
		totalSteps: folder.steps?.totalSteps ?? null,
		buckets: folder.steps?.buckets ?? null,
		checks: folder.checks,
		warnings: folder.warnings,
	};
}

function humanReport(folder: TrainingFolder): string {
	const lines = [`Training folder ${folder.root}`];
	if (folder.trigger) {
		lines.push(`  trigger ${folder.trigger}${folder.classWord ? `, class ${folder.classWord}` : ''}${folder.triggerSource === 'subsets' ? ' (from the subset names)' : ''}`);
	}
	for (const s of folder.subsets) {
		const captioned = s.images.filter((i) => i.hasCaption).length;
		lines.push(`  ${s.isReg ? 'reg/' : ''}${s.name} · ${s.role} · ${countOf(s.images.length, 'image')} × ${s.repeats} = ${s.images.length * s.repeats} · ${captioned} captioned`);
	}
	const st = folder.steps;
	if (st) {
		lines.push('running training (as sd-scripts will print it)');
		lines.push(`  num train images * repeats: ${st.trainImagesTimesRepeats}`);
		lines.push(`  num reg images: ${st.regImagesTimesRepeats}`);
		lines.push(`  num batches per epoch: ${st.batchesPerEpoch}`);
		lines.push(`  num epochs: ${st.epochs}`);
		lines.push(`  batch size per device: ${folder.training.batchSize}`);
		lines.push(`  gradient accumulation steps = ${folder.training.gradientAccumulationSteps}`);
		lines.push(`  total optimization steps: ${st.totalSteps}`);
		for (const [i, b] of (st.buckets ?? []).entries()) {
			lines.push(`  bucket ${i}: resolution (${b.width}, ${b.height}), count: ${b.count}`);
		}
	}
	for (const check of folder.checks) {
		lines.push(`${check.ok ? 'ok     ' : 'warning'} ${check.message}`);
	}
	for (const problem of folder.warnings) {
		lines.push(`${problem.severity.padEnd(7)} ${problem.message}`);
	}
	return lines.join('\n');
}

/**
 * What a killed writer left, repaired before reading: a journaled subset rename is finished (under the
 * folder's lock, so never while a writer runs) and our stale temp files are removed. What cannot be repaired
 * is then reported by the scan itself (hidden subsets without a journal, stale settings keys). The subset folders'
 * temp files are swept after the scan, from its listing (`sweepFolders`): listing 20,000-image folders twice showed in
 * a scan, and the scan passes over temp files anyway.
 */
async function repairLeftovers(root: string, io: CliIo): Promise<string[]> {
	const folders: string[] = [];
	await underLock(root, 'lora-workbench scan (repair)', io, async () => {
		const recovery = await finishInterruptedRenames(root);
		for (const line of recovery?.done ?? []) {
			io.err(`Finished an interrupted rename: ${line}`);
		}
		for (const problem of recovery?.problems ?? []) {
			io.err(problem);
		}
		const dirs = [root];
		for (const base of ['images', 'reg']) {
			const names = await fs.readdir(join(root, base)).catch(() => [] as string[]);
			dirs.push(join(root, base));
			folders.push(...names.map((n) => join(root, base, n)));
		}
		return sweepStaleTempFiles(dirs);
	});
	return folders;
}

/** The folders in images/ and reg/: from the scan's listing where it has one, else listed here. */
async function sweepFolders(root: string, folders: readonly string[], listed: ReadonlyMap<string, readonly string[]>, io: CliIo): Promise<void> {
	await underLock(root, 'lora-workbench scan (repair)', io, async () => {
		const swept: string[] = [];
		for (const dir of folders) {
			const names = listed.get(dir);
			swept.push(...(await (names ? sweepStaleTempNames(dir, names) : sweepStaleTempFiles([dir]))));
		}
		return swept;
	});
}

/** Runs `repair` under the folder's lock and says what temp files it removed. */
async function underLock(root: string, what: string, io: CliIo, repair: () => Promise<string[]>): Promise<void> {
	try {
		const swept = await withFolderLock(root, what, repair);
		if (swept.length > 0) {
			io.err(`Removed ${countOf(swept.length, 'temp file')} left by interrupted writes (${swept.slice(0, 3).map((p) => relative(root, p)).join(', ')}${swept.length > 3 ? ', ...' : ''}).`);
		}
	} catch {
		// Locked by a running writer, or a folder that cannot be written or does not exist: scan only reads then.
	}
}

export const scanCommand: CliCommand = {
	name: 'scan',
	summary: 'Read a training folder as sd-scripts does: subsets, captions, steps, guide checks',
	usage,
	flags: {
		json: { type: 'boolean' },
		'batch-size': { type: 'string' },
		epochs: { type: 'string' },
		'grad-accum': { type: 'string' },
		gpus: { type: 'string' },
		buckets: { type: 'boolean' },
	},
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError(args.positionals.length === 0 ? 'give the training folder to scan' : 'give exactly one training folder');
		}
		const training = overrides(args);
		const root = resolve(io.cwd, args.positionals[0]);
		const folders = await repairLeftovers(root, io);
		const listed = new Map<string, readonly string[]>();
		const folder = await scanTrainingFolder(root, { training, onListed: (dir, names) => listed.set(dir, names) });
		if (folders.length > 0) {
			await sweepFolders(root, folders, listed, io);
		}
		io.out(booleanFlag(args, 'json') ? JSON.stringify(scanReport(folder), null, 2) : humanReport(folder));
		return folder.warnings.some((w) => w.severity === 'error') ? 1 : 0;
	},
};
