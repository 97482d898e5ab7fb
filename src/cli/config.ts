import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { relative, resolve } from 'node:path';
import { scanTrainingFolder } from '../core/dataset';
import { importKohyaConfig } from '../core/training/kohya';
import { kohyaImportBase } from '../core/training/kohyaFolder';
import { formatCommandLines } from '../core/training/launch';
import { planTraining } from '../core/training/plan';
import { captionErrorsFinding, preflightFindings } from '../core/training/preflight';
import { lintDataset } from '../core/lint';
import { defaultClipVocabulary } from '../core/clipTokenizer';
import { writeRunFiles } from '../core/training/runFiles';
import { findAccelerate, findPython, findSdScripts, sdScriptsVersion } from '../core/training/setup';
import { CliCommand, UsageError, stringFlag } from './args';


const USAGE = `Usage: lora-workbench config <folder> --out <dir> [--kohya <gui-config.json>] [--precision bf16|fp16]
                             [--sd-scripts <dir>] [--python <path>]

Writes the run files for one training of <folder> into <dir> without training: the training config
(config.toml, for --config_file), the dataset config (dataset.toml, for --dataset_config) and, when
sampling is on, sample-prompts.txt. Then prints the command it would run, one argument per line.
First it runs the checks "Train LoRA" runs before a training (caption errors, empty captions, no data,
the crop with buckets off, a missing base model or resume folder...): errors write nothing, warnings
and notes are printed to stderr.

  --out <dir>           where to write the run files (created when missing)
  --kohya <file>        take the training settings from a kohya_ss GUI LoRA config JSON instead of
                        lora-workbench.yaml; keys that cannot be mapped are listed
  --precision <p>       what "auto" precision means without a GPU check: bf16 (default; AdamW8bit) or
                        fp16 (AdamW), for GPUs older than RTX 30xx
  --sd-scripts <dir>    sd-scripts (or kohya_ss) folder for the printed command; default: the usual places
  --python <path>       Python of sd-scripts' environment, when it is not its venv

Exit codes: 0 written, 1 the files would not work (nothing written), 2 bad usage.`;

export const configCommand: CliCommand = {
	name: 'config',
	summary: 'write sd-scripts run files (training + dataset config) and print the training command',
	usage: USAGE,
	flags: {
		out: { type: 'string' },
		kohya: { type: 'string' },
		precision: { type: 'string' },
		'sd-scripts': { type: 'string' },
		python: { type: 'string' },
	},
	async run(args, io) {
		const [folderArg, ...rest] = args.positionals;
		if (!folderArg || rest.length) {
			throw new UsageError(folderArg ? `one folder only (got ${args.positionals.length})` : 'the training folder is missing');
		}
		const out = stringFlag(args, 'out');
		if (!out) {
			throw new UsageError('--out <dir> is required');
		}
		const precision = stringFlag(args, 'precision') ?? 'bf16';
		if (precision !== 'bf16' && precision !== 'fp16') {
			throw new UsageError(`--precision must be bf16 or fp16 (got "${precision}")`);
		}
		const root = resolve(io.cwd, folderArg);
		// Captions are read so that the checks are the ones the editor runs before a training (empty captions...).
		const folder = await scanTrainingFolder(root);
		const fatal = folder.warnings.filter((w) => w.severity === 'error');
		if (fatal.some((w) => w.code === 'folder-missing')) {
			io.err(fatal.map((w) => `error: ${w.message}`).join('\n'));
			return 1;
		}

		let settings;
		const kohyaPath = stringFlag(args, 'kohya');
		if (kohyaPath) {
			const path = resolve(io.cwd, kohyaPath);
			let json: unknown;
			try {
				json = JSON.parse(await fs.readFile(path, 'utf8'));
			} catch (err) {
				io.err(`error: ${path} could not be read as JSON (${err instanceof Error ? err.message : String(err)}). Save the config from the kohya_ss GUI's LoRA tab and pass that file.`);
				return 1;
			}
			let imported;
			try {
				imported = importKohyaConfig(json, kohyaImportBase(folder.settings.trainer.settings));
			} catch (err) {
				io.err(`error: ${path}: ${err instanceof Error ? err.message : String(err)}`);
				return 1;
			}
			settings = imported.settings;
			if (imported.migrated.length || imported.ignored.length || imported.kept.length || imported.warnings.length) {
				io.err(`kohya: notes on ${path}:`);
			}
			for (const line of imported.migrated) { io.err(`kohya: migrated ${line}`); }
			for (const item of imported.ignored) { io.err(`kohya: not used ${item.key}: ${item.reason}`); }
			if (imported.kept.length) { io.err(`kohya: kept without an sd-scripts meaning (given back on export): ${imported.kept.join(', ')}`); }
			for (const warning of imported.warnings) { io.err(`kohya: warning: ${warning}`); }
		}

		const setupInput = { sdScriptsPath: stringFlag(args, 'sd-scripts'), pythonPath: stringFlag(args, 'python'), home: homedir() };
		const sd = findSdScripts(setupInput);
		if (setupInput.sdScriptsPath && !sd.dir) {
			io.err(`error: ${sd.problem}`);
			return 1;
		}
		const py = sd.dir || setupInput.pythonPath ? findPython(setupInput, sd.dir) : {};
		const launcher = py.python ? findAccelerate(py.python) : { kind: 'executable' as const, path: 'accelerate' };
		const plan = planTraining(folder, {
			settings,
			gpu: { bf16: precision === 'bf16' },
			sdScriptsDir: sd.dir ?? 'sd-scripts',
			launcher,
			runFilesDir: resolve(io.cwd, out),
		});
		// The same checks as "Train LoRA" and the train task run before a training (src/core/training/preflight.ts).
		// No GPU probe here, but the sd-scripts folder says whether it has the family's script (issue 18).
		const environment = sd.dir ? { sdScriptsDir: sd.dir, sdScriptsVersion: await sdScriptsVersion(sd.dir) } : {};
		const findings = await preflightFindings(folder, plan, { environment });
		// The caption errors the editor shows in Problems, from the same lint rules (offline: no vocabulary download).
		const lint = await lintDataset(folder, { clipVocabulary: defaultClipVocabulary(true) });
		const captionErrors = captionErrorsFinding(lint.issues.filter((i) => i.severity === 'error')
			.map((i) => ({ path: relative(root, i.file), line: i.line, message: i.message.replace(/\s*\n\s*/g, ' ') })), 'in the captions (lora-workbench lint lists them)');
		if (captionErrors && !findings.errors.includes(captionErrors)) {
			findings.errors.unshift(captionErrors);
		}
		for (const note of findings.notes) { io.err(`note: ${note}`); }
		for (const warning of findings.warnings) { io.err(`warning: ${warning}`); }
		if (findings.errors.length) {
			io.err(findings.errors.map((e) => `error: ${e}`).join('\n'));
			io.err('Nothing was written.');
			return 1;
		}
		for (const note of plan.files.notes) { io.err(`note: ${note}`); }
		const written = await writeRunFiles(plan.files);
		io.out(`Wrote ${written.length} run files:`);
		for (const path of written) { io.out(`  ${path}`); }
		io.out('');
		io.out('Command (one argument per line):');
		io.out(formatCommandLines(plan.command.command, plan.command.args));
		return 0;
	},
};
