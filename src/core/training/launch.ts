import { join } from 'node:path';
import { SD15_SCRIPT } from './sdScriptsScripts';
import { LaunchSettings } from './trainingSettings';

/** How to start accelerate: its own executable from the venv, or `python -m accelerate.commands.launch`. */
export type AccelerateLauncher =
	| { kind: 'executable'; path: string }
	| { kind: 'module'; python: string };

export interface LaunchInput {
	launcher: AccelerateLauncher;
	sdScriptsDir: string;
	/** The trainer script inside sdScriptsDir, from the plan's backend; SD1.5's train_network.py when left out. */
	script?: string;
	launch: LaunchSettings;
	/** Processes in total (one per GPU, all machines together). */
	gpus: number;
	mixedPrecision: 'bf16' | 'fp16' | 'no';
	configFile: string;
	datasetConfigFile: string;
}

export interface LaunchCommand {
	command: string;
	args: string[];
	/** Problems with the multi-GPU / multi-node settings. */
	errors: string[];
}

/**
 * The trainer's command line as an argument array (never a shell string, so paths with spaces, quotes, `$`
 * or non-ASCII stay one argument each): `accelerate launch [multi-GPU / multi-node flags] <script>
 * --config_file ... --dataset_config ...` (the script comes from the trainer backend, backend.ts).
 */
export function accelerateCommand(input: LaunchInput): LaunchCommand {
	const { launch } = input;
	const errors: string[] = [];
	const [command, prefix] = input.launcher.kind === 'executable'
		? [input.launcher.path, ['launch']]
		: [input.launcher.python, ['-m', 'accelerate.commands.launch']];
	const args = [...prefix];
	args.push('--num_cpu_threads_per_process', String(launch.numCpuThreadsPerProcess));
	args.push('--mixed_precision', input.mixedPrecision);
	args.push('--num_processes', String(input.gpus));
	args.push('--num_machines', String(launch.numMachines));
	if (input.gpus > 1) {
		args.push('--multi_gpu');
	}
	// As the kohya_ss GUI's class_accelerate_launch.py passes them; "no" is accelerate's own default, so left out.
	if (launch.dynamoBackend && launch.dynamoBackend !== 'no') {
		args.push('--dynamo_backend', launch.dynamoBackend);
		if (launch.dynamoMode && launch.dynamoMode !== 'default') {
			args.push('--dynamo_mode', launch.dynamoMode);
		}
		if (launch.dynamoUseFullgraph) {
			args.push('--dynamo_use_fullgraph');
		}
		if (launch.dynamoUseDynamic) {
			args.push('--dynamo_use_dynamic');
		}
	}
	const gpuIds = launch.gpuIds.trim();
	if (gpuIds) {
		const count = gpuIds === 'all' ? undefined : gpuIds.split(',').length;
		if (count !== undefined && launch.numMachines === 1 && count !== input.gpus) {
			errors.push(`launch.gpuIds lists ${count} GPU(s) but gpus is ${input.gpus}; use one process per GPU`);
		}
		args.push('--gpu_ids', gpuIds);
	}
	if (launch.numMachines > 1) {
		if (!launch.mainProcessIp.trim()) {
			errors.push('launch.numMachines is above 1 but launch.mainProcessIp is empty: set the address of the machine with rank 0');
		}
		if (launch.machineRank >= launch.numMachines) {
			errors.push(`launch.machineRank ${launch.machineRank} must be below launch.numMachines ${launch.numMachines}`);
		}
		if (input.gpus < launch.numMachines) {
			errors.push('gpus counts the GPUs on all machines together; it cannot be below launch.numMachines');
		}
		args.push('--machine_rank', String(launch.machineRank));
		args.push('--main_process_ip', launch.mainProcessIp.trim());
		args.push('--main_process_port', String(launch.mainProcessPort));
	}
	for (const arg of launch.extraArgs) {
		if (!arg.startsWith('-') && args.at(-1)?.startsWith('-') !== true) {
			errors.push(`launch.extraArgs: "${arg}" is not an accelerate option or the value of one; write options as "--name", values as their own items`);
		}
		args.push(arg);
	}
	args.push(join(input.sdScriptsDir, input.script ?? SD15_SCRIPT));
	args.push('--config_file', input.configFile);
	args.push('--dataset_config', input.datasetConfigFile);
	return { command, args, errors };
}

/** For display only (one argument per line, so paths with spaces stay readable); never run through a shell. */
export function formatCommandLines(command: string, args: readonly string[]): string {
	return [command, ...args].join('\n');
}
