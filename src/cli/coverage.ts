import { CliCommand, CliIo, ParsedArgs, UsageError, booleanFlag, intFlag, stringFlag } from './args';
import { notCountedProblems, scanTrainingFolder } from '../core/dataset';
import { balanceFolder, folderCoverage } from '../core/coverage/fromFolder';
import { companionRenames, planRenames } from '../core/coverage/renamePlan';
import { applyRenamesJournaled, finishInterruptedRenames } from '../core/coverage/renameJournal';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import { relative, resolve } from 'node:path';
import { countOf } from '../core/plural';

export const coverageCommand: CliCommand = {
	name: 'coverage',
	summary: 'view angles, framing, hair, glasses and outfits per subset, with the guide\'s variety checks',
	usage: [
		'Usage: lora-workbench coverage <folder> [--json]',
		'',
		'Counts the coverage groups\' tags (lora-workbench.yaml `coverage.groups` extends them) in every subset\'s captions',
		'and checks the guide: faces from more than one angle, standing full-body shots, declared hairstyles and costume shares.',
		'  --json   print {subsets, total, problems}',
		'Exit code 1 when a check found a problem.',
	].join('\n'),
	flags: { json: { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give one training folder');
		}
		const folder = await scanTrainingFolder(args.positionals[0]);
		const { report, problems } = folderCoverage(folder);
		// Captions (and folders) that could not be read are not counted: say which, never silently.
		for (const problem of notCountedProblems(folder)) { io.err(`Not counted: ${problem.message}`); }
		if (booleanFlag(args, 'json')) {
			io.out(JSON.stringify({ subsets: report.subsets, total: report.total, problems }, null, 2));
			return problems.length ? 1 : 0;
		}
		const lines: string[] = [];
		for (const subset of [...report.subsets, report.total]) {
			lines.push(`${subset.subset} (${subset.role}, ${countOf(subset.imageCount, 'image')})`);
			for (const group of subset.groups) {
				const tags = group.tags.map((t) => `${t.tag} ${t.count}`).join(', ');
				lines.push(`  ${group.group.padEnd(10)} ${tags || '-'}${group.untagged.length ? `  (${group.untagged.length} untagged)` : ''}`);
			}
		}
		for (const problem of problems) {
			lines.push(`${problem.severity}: ${problem.message} [${problem.code}]`);
		}
		io.out(lines.join('\n'));
		return problems.length ? 1 : 0;
	},
};

export const balanceCommand: CliCommand = {
	name: 'balance',
	summary: 'propose repeats per subset that land near a step budget (and apply them as folder renames)',
	usage: [
		'Usage: lora-workbench balance <folder> --steps N [--epochs N] [--ratio F] [--apply] [--json]',
		'       lora-workbench balance <folder> --repair',
		'',
		'Proposes repeats per subset so the total optimisation steps land near N (sd-scripts\' exact step math),',
		'keeping each subset\'s current share of samples, or a face:body ratio of samples with --ratio (e.g. 2 for 2:1).',
		'  --steps N    step budget (the guide: about 1500)',
		'  --epochs N   epochs (default: the training settings, 10)',
		'  --ratio F    wanted face:body ratio of samples per epoch',
		'  --apply      rename the subset folders (never over an existing folder) and their lora-workbench.yaml keys',
		'  --repair     only finish a rename an interrupted --apply left (--apply and scan do this first too)',
		'  --json       print the proposal as JSON',
		'',
		'--apply journals the renames in .lora-rename-journal.json until the folders and the settings keys are final,',
		'and holds the folder\'s .lora-workbench.lock meanwhile; a rerun after a kill finishes the job.',
	].join('\n'),
	flags: { steps: { type: 'string' }, epochs: { type: 'string' }, ratio: { type: 'string' }, apply: { type: 'boolean' }, repair: { type: 'boolean' }, json: { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give one training folder');
		}
		const budgetSteps = intFlag(args, 'steps');
		const repairOnly = booleanFlag(args, 'repair') && budgetSteps === undefined;
		if (budgetSteps === undefined && !repairOnly) {
			throw new UsageError('--steps is required');
		}
		const root = resolve(io.cwd, args.positionals[0]);
		if (repairOnly || booleanFlag(args, 'apply')) {
			try {
				return await withFolderLock(root, 'lora-workbench balance --apply', async () => {
					const repaired = await repair(root, io);
					// Left unfinished (a folder missing, a name taken): renaming more would only tangle it further.
					return repairOnly || repaired !== 0 ? repaired : balance(root, budgetSteps!, args, io);
				});
			} catch (err) {
				if (err instanceof FolderLockedError) {
					io.err(`Nothing was renamed: ${err.message}`);
					return 1;
				}
				throw err;
			}
		}
		return balance(root, budgetSteps!, args, io);
	},
};

/** Finishes what an interrupted --apply left; 1 when something needs the user. */
async function repair(root: string, io: CliIo): Promise<number> {
	const recovery = await finishInterruptedRenames(root);
	if (!recovery) {
		return 0;
	}
	for (const line of recovery.done) {
		io.err(`Finished an interrupted rename: ${line}`);
	}
	for (const problem of recovery.problems) {
		io.err(problem);
	}
	return recovery.problems.length > 0 ? 1 : 0;
}

async function balance(root: string, budgetSteps: number, args: ParsedArgs, io: CliIo): Promise<number> {
	const ratioText = stringFlag(args, 'ratio');
	const faceToBody = ratioText === undefined ? undefined : Number(ratioText);
	if (faceToBody !== undefined && !(faceToBody > 0)) {
		throw new UsageError(`--ratio must be a positive number (got "${ratioText}")`);
	}
	const folder = await scanTrainingFolder(root);
	const proposal = balanceFolder(folder, { budgetSteps, epochs: intFlag(args, 'epochs'), faceToBody });
	const dirs = Object.fromEntries(folder.subsets.map((s) => [s.name, s.dir]));
	const renames = planRenames(proposal, dirs);
	// originals/<subset> and excluded/<subset> follow their subset, in the same journaled transaction.
	const companions = companionRenames(folder.root, renames);
	if (booleanFlag(args, 'apply')) {
		await applyRenamesJournaled(folder.root, [...renames, ...companions]);
	}
	if (booleanFlag(args, 'json')) {
		io.out(JSON.stringify({ ...proposal, renames, companions, applied: booleanFlag(args, 'apply') }, null, 2));
		return 0;
	}
	const pct = (x: number) => `${Math.round(x * 100)}%`;
	const lines = [`Steps: ${proposal.totalStepsBefore} -> ${proposal.totalStepsAfter} (budget ${proposal.budgetSteps})`];
	for (const row of proposal.rows) {
		lines.push(`  ${row.name} (${row.role}, ${countOf(row.images, 'image')}): repeats ${row.repeatsBefore} -> ${row.repeatsAfter}, share ${pct(row.shareBefore)} -> ${pct(row.shareAfter)}`);
	}
	if (proposal.note) {
		lines.push(proposal.note);
	}
	for (const rename of [...renames, ...companions]) {
		lines.push(`${booleanFlag(args, 'apply') ? 'renamed' : 'would rename'} ${relative(io.cwd, rename.from)} -> ${relative(io.cwd, rename.to)}`);
	}
	if (!booleanFlag(args, 'apply') && renames.length) {
		lines.push('Run again with --apply to rename the folders.');
	}
	io.out(lines.join('\n'));
	return 0;
}
