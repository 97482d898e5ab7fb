import { spawn } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FAMILY_NEEDS, SD15_SCRIPT, familyLabel } from './sdScriptsScripts';
import { missingFamilyFiles } from './familyChecks';
import { MODEL_FAMILIES } from './trainingSettings';
import { AccelerateLauncher } from './launch';

/**
 * Finds the trainer: sd-scripts (or the copy inside a kohya_ss install), its Python, accelerate, and what the
 * GPU can do (one short Python probe). Every missing piece comes with what to do about it.
 */

export interface SetupInput {
	/** `loraWorkbench.sdScriptsPath`: an sd-scripts folder or a kohya_ss folder. */
	sdScriptsPath?: string;
	/** `loraWorkbench.pythonPath`. */
	pythonPath?: string;
	home: string;
	platform?: NodeJS.Platform;
	/** Seconds the probe may take (importing torch can be slow on a cold disk). */
	probeTimeoutSeconds?: number;
}

export interface GpuInfo {
	name: string;
	memoryMiB: number;
}

export interface ProbeResult {
	python?: string;
	torch?: string;
	torchError?: string;
	cuda?: boolean;
	cudaVersion?: string | null;
	gpus?: GpuInfo[];
	bf16?: boolean;
	accelerate?: string;
	accelerateError?: string;
	/** Optional packages some settings need: version, or null when not installed (looked up, not imported). */
	packages?: Record<string, string | null>;
}

/** Packages that only some settings need: the LyCORIS network modules and the 8-bit optimizers. */
export const OPTIONAL_PACKAGES = {
	lycoris: { module: 'lycoris', distribution: 'lycoris_lora', install: 'pip install lycoris_lora', neededFor: 'network modules lycoris.kohya (LoCon, LoHa, LoKr...)' },
	bitsandbytes: { module: 'bitsandbytes', distribution: 'bitsandbytes', install: 'pip install bitsandbytes', neededFor: '8-bit optimizers (AdamW8bit, the guide\'s choice on bf16 GPUs; Lion8bit, PagedAdamW8bit...)' },
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

export type SetupItemId = 'sd-scripts' | 'python' | 'torch' | 'gpu' | 'accelerate' | 'version' | 'families' | OptionalPackage;

export interface SetupItem {
	id: SetupItemId;
	ok: boolean;
	/** What was found, e.g. "NVIDIA GeForce RTX 4090, 24564 MiB". */
	detail: string;
	/** How to fix it; present when not ok. */
	fix?: string;
	/** Missing pieces that block training (a missing version is only informational). */
	blocking: boolean;
}

export interface SetupReport {
	sdScriptsDir?: string;
	python?: string;
	launcher?: AccelerateLauncher;
	probe?: ProbeResult;
	version?: string;
	items: SetupItem[];
	/** Everything needed to start a training is there. */
	ready: boolean;
	/** Whether the GPU does bf16 (decides "auto" precision and optimizer). */
	bf16: boolean;
}

const PROBE = [
	'import json, sys',
	'r = {"python": sys.version.split()[0]}',
	'try:',
	'    import torch',
	'    r["torch"] = torch.__version__',
	'    r["cuda"] = bool(torch.cuda.is_available())',
	'    r["cudaVersion"] = torch.version.cuda',
	'    r["gpus"] = []',
	'    if r["cuda"]:',
	'        for i in range(torch.cuda.device_count()):',
	'            p = torch.cuda.get_device_properties(i)',
	'            r["gpus"].append({"name": p.name, "memoryMiB": int(p.total_memory // 1048576)})',
	'        r["bf16"] = bool(torch.cuda.is_bf16_supported())',
	'except Exception as e:',
	'    r["torchError"] = type(e).__name__ + ": " + str(e)',
	'try:',
	'    import accelerate',
	'    r["accelerate"] = accelerate.__version__',
	'except Exception as e:',
	'    r["accelerateError"] = type(e).__name__ + ": " + str(e)',
	// find_spec looks the package up without importing it (bitsandbytes loads CUDA libraries on import).
	'import importlib.util',
	'r["packages"] = {}',
	...Object.values(OPTIONAL_PACKAGES).flatMap((p) => [
		'try:',
		`    found = importlib.util.find_spec("${p.module}") is not None`,
		'except Exception:',
		'    found = False',
		'v = None',
		'if found:',
		'    try:',
		'        import importlib.metadata',
		`        v = importlib.metadata.version("${p.distribution}")`,
		'    except Exception:',
		'        v = "installed"',
		`r["packages"]["${p.module}"] = v`,
	]),
	'print("LORA_WORKBENCH_PROBE " + json.dumps(r))',
].join('\n');

const PROBE_MARKER = 'LORA_WORKBENCH_PROBE ';

function isFile(path: string): boolean {
	try {
		return statSync(path).isFile();
	} catch {
		return false;
	}
}

function binDir(venv: string, platform: NodeJS.Platform): string {
	return platform === 'win32' ? join(venv, 'Scripts') : join(venv, 'bin');
}

function exe(name: string, platform: NodeJS.Platform): string {
	return platform === 'win32' ? `${name}.exe` : name;
}

/** The sd-scripts folder: the setting (itself, or `sd-scripts/` inside a kohya_ss install), else the usual places. */
export function findSdScripts(input: SetupInput, script: string = SD15_SCRIPT): { dir?: string; problem?: string } {
	const configured = input.sdScriptsPath?.trim();
	if (configured) {
		const path = resolve(configured);
		if (!existsSync(path)) {
			return { problem: `loraWorkbench.sdScriptsPath is "${configured}", which does not exist. Point it at your sd-scripts folder (or your kohya_ss folder).` };
		}
		if (isFile(join(path, script))) {
			return { dir: path };
		}
		if (isFile(join(path, 'sd-scripts', script))) {
			return { dir: join(path, 'sd-scripts') };
		}
		return { problem: `${path} has no ${script} (nor sd-scripts/${script} as in a kohya_ss install). Point loraWorkbench.sdScriptsPath at a kohya-ss/sd-scripts checkout, or install one with the guided install.` };
	}
	const candidates = [join(input.home, 'kohya_ss', 'sd-scripts'), join(input.home, 'sd-scripts'), join(input.home, 'kohya_ss')];
	for (const candidate of candidates) {
		if (isFile(join(candidate, script))) {
			return { dir: candidate };
		}
	}
	return { problem: `sd-scripts was not found (looked in ${candidates.join(', ')}). Set loraWorkbench.sdScriptsPath to your sd-scripts or kohya_ss folder, or use the guided install.` };
}

/** Its Python: the setting, else a venv inside sd-scripts, else the kohya_ss venv beside it. */
export function findPython(input: SetupInput, sdScriptsDir: string | undefined): { python?: string; problem?: string } {
	const platform = input.platform ?? process.platform;
	const configured = input.pythonPath?.trim();
	if (configured) {
		return isFile(configured) ? { python: configured } : { problem: `loraWorkbench.pythonPath is "${configured}", which is not a file. Point it at the python of the environment sd-scripts was installed into.` };
	}
	if (!sdScriptsDir) {
		return { problem: 'no Python to look for without sd-scripts; set loraWorkbench.pythonPath if it lives elsewhere.' };
	}
	const venvs = ['venv', '.venv'].flatMap((name) => [join(sdScriptsDir, name), join(dirname(sdScriptsDir), name)]);
	for (const venv of venvs) {
		const python = join(binDir(venv, platform), exe('python', platform));
		if (isFile(python)) {
			return { python };
		}
	}
	return {
		problem: `no Python environment found (looked for ${venvs.map((v) => join(binDir(v, platform), exe('python', platform))).join(', ')}). `
			+ 'Create one inside sd-scripts (python -m venv venv, then pip install torch and -r requirements.txt; the guided install shows every command), or set loraWorkbench.pythonPath.',
	};
}

/** accelerate's own launcher beside the Python, else `python -m accelerate.commands.launch`. */
export function findAccelerate(python: string, platform: NodeJS.Platform = process.platform): AccelerateLauncher {
	const launcher = join(dirname(python), exe('accelerate', platform));
	return isFile(launcher) ? { kind: 'executable', path: launcher } : { kind: 'module', python };
}

/** Runs the probe with an argument array; resolves with what Python printed, or an error text. */
export function runProbe(python: string, timeoutSeconds = 90): Promise<{ result?: ProbeResult; error?: string }> {
	return new Promise((resolvePromise) => {
		let out = '';
		let err = '';
		let settled = false;
		const finish = (value: { result?: ProbeResult; error?: string }): void => {
			if (!settled) {
				settled = true;
				clearTimeout(timer);
				resolvePromise(value);
			}
		};
		let child;
		try {
			child = spawn(python, ['-c', PROBE], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
		} catch (e) {
			finish({ error: `${python} could not be started: ${e instanceof Error ? e.message : String(e)}` });
			return;
		}
		const timer = setTimeout(() => {
			child.kill();
			finish({ error: `${python} did not answer within ${timeoutSeconds} s (importing torch hung)` });
		}, timeoutSeconds * 1000);
		child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
		child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
		child.on('error', (e) => finish({ error: `${python} could not be started: ${e.message}` }));
		child.on('close', (code) => {
			const line = out.split(/\r?\n/).find((l) => l.startsWith(PROBE_MARKER));
			if (!line) {
				finish({ error: `${python} exited with code ${code} without answering${err.trim() ? `: ${err.trim().split('\n').slice(-1)[0]}` : ''}` });
				return;
			}
			try {
				finish({ result: JSON.parse(line.slice(PROBE_MARKER.length)) as ProbeResult });
			} catch {
				finish({ error: `${python} printed an unreadable probe answer` });
			}
		});
	});
}

/** sd-scripts' version: its git commit when it is a checkout, and the version its README or setup.py states. */
export async function sdScriptsVersion(dir: string): Promise<string | undefined> {
	const parts: string[] = [];
	for (const file of ['setup.py', 'pyproject.toml', 'README.md']) {
		try {
			const text = await fs.readFile(join(dir, file), 'utf8');
			const match = /version\s*=\s*["']([\d.]+[^"']*)["']/i.exec(text) ?? /\bversion\s+v?(\d+\.\d+\.\d+)/i.exec(text);
			if (match) {
				parts.push(match[1]);
				break;
			}
		} catch {
			// not there: try the next file
		}
	}
	try {
		const head = (await fs.readFile(join(dir, '.git', 'HEAD'), 'utf8')).trim();
		let commit = head;
		if (head.startsWith('ref: ')) {
			const ref = head.slice(5);
			commit = await fs.readFile(join(dir, '.git', ref), 'utf8').then((t) => t.trim()).catch(async () => {
				const packed = await fs.readFile(join(dir, '.git', 'packed-refs'), 'utf8').catch(() => '');
				return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? '';
			});
		}
		if (/^[0-9a-f]{40}$/.test(commit)) {
			parts.push(`commit ${commit.slice(0, 8)}`);
		}
	} catch {
		// not a git checkout (e.g. a downloaded zip)
	}
	return parts.length ? parts.join(', ') : undefined;
}

export const TORCH_FIX = 'Install PyTorch with CUDA into that environment, e.g. pip install torch==2.6.0 torchvision==0.21.0 --index-url https://download.pytorch.org/whl/cu124 (RTX 50xx: torch 2.8 with cu128).';

/** Which model families this sd-scripts trains (its scripts and network modules), and what the others need. */
export function familiesItem(sdScriptsDir: string): SetupItem {
	const trains = MODEL_FAMILIES.filter((f) => missingFamilyFiles(sdScriptsDir, f).length === 0);
	const lacking = MODEL_FAMILIES.filter((f) => !trains.includes(f));
	const detail = `trains ${trains.map((f) => `${familyLabel(f)} (${FAMILY_NEEDS[f].script})`).join(', ') || 'none of SD1.5, SDXL, Flux.1'}`;
	return lacking.length === 0
		? { id: 'families', ok: true, detail, blocking: false }
		: {
			id: 'families', ok: false, blocking: false,
			detail: `${detail}; not ${lacking.map((f) => `${familyLabel(f)} (no ${missingFamilyFiles(sdScriptsDir, f).join(', ')})`).join(', ')}`,
			fix: `${lacking.map((f) => `${familyLabel(f)} needs sd-scripts ${FAMILY_NEEDS[f].since ?? ''} or later`).join('; ')}: update sd-scripts (git pull, then pip install -r requirements.txt) to train ${lacking.length === 1 ? 'it' : 'them'}. Only needed for a training folder with that training.model.`,
		};
}

export async function checkSetup(input: SetupInput): Promise<SetupReport> {
	const platform = input.platform ?? process.platform;
	const items: SetupItem[] = [];
	const sd = findSdScripts(input);
	items.push(sd.dir
		? { id: 'sd-scripts', ok: true, detail: sd.dir, blocking: true }
		: { id: 'sd-scripts', ok: false, detail: 'not found', fix: sd.problem, blocking: true });
	const py = findPython(input, sd.dir);
	let probe: ProbeResult | undefined;
	let launcher: AccelerateLauncher | undefined;
	if (!py.python) {
		items.push({ id: 'python', ok: false, detail: 'not found', fix: py.problem, blocking: true });
	} else {
		const answer = await runProbe(py.python, input.probeTimeoutSeconds);
		probe = answer.result;
		if (!probe) {
			items.push({ id: 'python', ok: false, detail: py.python, fix: `${answer.error}. Check that this is the Python of sd-scripts' environment, or set loraWorkbench.pythonPath.`, blocking: true });
		} else {
			items.push({ id: 'python', ok: true, detail: `${py.python} (Python ${probe.python ?? '?'})`, blocking: true });
			if (!probe.torch) {
				items.push({ id: 'torch', ok: false, detail: probe.torchError ?? 'torch is not installed', fix: TORCH_FIX, blocking: true });
			} else if (!probe.cuda) {
				items.push({ id: 'torch', ok: false, detail: `torch ${probe.torch} without CUDA`, fix: `This torch build cannot use an NVIDIA GPU. ${TORCH_FIX}`, blocking: true });
			} else {
				items.push({ id: 'torch', ok: true, detail: `torch ${probe.torch}, CUDA ${probe.cudaVersion ?? '?'}`, blocking: true });
			}
			const gpus = probe.gpus ?? [];
			items.push(gpus.length
				? { id: 'gpu', ok: true, detail: gpus.map((g) => `${g.name}, ${g.memoryMiB} MiB`).join('; '), blocking: true }
				: { id: 'gpu', ok: false, detail: 'no CUDA GPU visible', fix: 'Training needs an NVIDIA GPU. Check the driver (nvidia-smi), CUDA_VISIBLE_DEVICES, and that torch has CUDA. Working remotely? Open this folder on the GPU machine through Remote - SSH / WSL / Dev Containers.', blocking: true });
			launcher = findAccelerate(py.python, platform);
			if (probe.accelerate) {
				items.push({ id: 'accelerate', ok: true, detail: `accelerate ${probe.accelerate}${launcher.kind === 'executable' ? ` (${launcher.path})` : ' (python -m accelerate.commands.launch)'}`, blocking: true });
			} else {
				launcher = undefined;
				items.push({ id: 'accelerate', ok: false, detail: probe.accelerateError ?? 'not installed', fix: 'Install sd-scripts\' requirements into that environment: pip install -r requirements.txt (it pins accelerate 1.6.0), then run accelerate config once.', blocking: true });
			}
		}
	}
	if (probe) {
		// Informational: only some settings need them, and the preflight checks those settings against this list.
		for (const [id, info] of Object.entries(OPTIONAL_PACKAGES) as [OptionalPackage, (typeof OPTIONAL_PACKAGES)[OptionalPackage]][]) {
			const version = probe.packages?.[info.module];
			items.push(typeof version === 'string'
				? { id, ok: true, detail: `${info.distribution} ${version}`, blocking: false }
				: { id, ok: false, detail: `${info.distribution} is not installed (needed for ${info.neededFor})`, fix: `In sd-scripts' environment: ${info.install}`, blocking: false });
		}
	}
	let version: string | undefined;
	if (sd.dir) {
		version = await sdScriptsVersion(sd.dir);
		items.push({ id: 'version', ok: version !== undefined, detail: version ?? 'unknown', fix: version ? undefined : 'Not a git checkout and no version file; the workbench follows sd-scripts 0.10.x (commit 48d368fa).', blocking: false });
		items.push(familiesItem(sd.dir));
	}
	return {
		sdScriptsDir: sd.dir,
		python: py.python,
		launcher,
		probe,
		version,
		items,
		ready: items.every((item) => item.ok || !item.blocking),
		bf16: probe?.bf16 === true,
	};
}

/** The guided install: the steps, for a terminal opened in the folder that should hold sd-scripts. */
export function installCommands(platform: NodeJS.Platform = process.platform): string[] {
	// The venv's own Python and accelerate, by path: no activation, so each step is one plain command.
	const bin = platform === 'win32' ? 'venv\\Scripts\\' : 'venv/bin/';
	return [
		'git clone https://github.com/kohya-ss/sd-scripts.git',
		'cd sd-scripts',
		`${platform === 'win32' ? 'python' : 'python3'} -m venv venv`,
		`${bin}python -m pip install torch==2.6.0 torchvision==0.21.0 --index-url https://download.pytorch.org/whl/cu124`,
		`${bin}python -m pip install --upgrade -r requirements.txt`,
		`${bin}accelerate config default`,
	];
}

/**
 * The steps as one command line that stops at the first one that fails (`&&`): when the clone fails, nothing is
 * installed into the folder the terminal was opened in. For cmd.exe on Windows and sh elsewhere, which both
 * read `&&` so (the guided install opens its terminal with that shell).
 */
export function installCommandLine(platform: NodeJS.Platform = process.platform): string {
	return installCommands(platform).join(' && ');
}

/** The shell the install terminal uses, so that `&&` means "only when the step before succeeded". */
export function installShell(platform: NodeJS.Platform = process.platform): string {
	return platform === 'win32' ? 'cmd.exe' : '/bin/sh';
}
