import { basename, extname } from 'node:path';

/**
 * sd-scripts' checkpoint and sample file names (reference §7 and §10):
 * `{name}-{epoch:06d}.{ext}`, `{name}-step{step:08d}.{ext}`, final `{name}.{ext}`;
 * samples `{name}_{e000003|000500}_{index:02d}_{YYYYmmddHHMMSS}[_{seed}].png`.
 */

export const CHECKPOINT_EXTENSIONS = ['.safetensors', '.ckpt', '.pt'] as const;

export type CheckpointKind = 'epoch' | 'step' | 'final';

export interface CheckpointName {
	kind: CheckpointKind;
	outputName: string;
	epoch?: number;
	step?: number;
	extension: string;
}

export function parseCheckpointName(file: string): CheckpointName | undefined {
	const extension = extname(file).toLowerCase();
	if (!(CHECKPOINT_EXTENSIONS as readonly string[]).includes(extension)) {
		return undefined;
	}
	const stem = basename(file).slice(0, -extension.length);
	const epoch = /^(.*)-(\d{6})$/.exec(stem);
	if (epoch) {
		return { kind: 'epoch', outputName: epoch[1], epoch: Number(epoch[2]), extension };
	}
	const step = /^(.*)-step(\d{8})$/.exec(stem);
	if (step) {
		return { kind: 'step', outputName: step[1], step: Number(step[2]), extension };
	}
	return { kind: 'final', outputName: stem, extension };
}

export function epochFileName(outputName: string, epoch: number, extension = '.safetensors'): string {
	return `${outputName}-${String(epoch).padStart(6, '0')}${extension}`;
}

export function stepFileName(outputName: string, step: number, extension = '.safetensors'): string {
	return `${outputName}-step${String(step).padStart(8, '0')}${extension}`;
}

export interface SampleName {
	outputName?: string;
	/** Set for epoch-triggered samples (and `--sample_at_first`, epoch 0). */
	epoch?: number;
	/** Set for step-triggered samples. */
	step?: number;
	/** Index of the prompt in the prompt file. */
	promptIndex: number;
	timestamp: string;
	seed?: number;
}

const SAMPLE_PATTERN = /^(?:(.*)_)?(e\d{6}|\d{6})_(\d{2,})_(\d{14})(?:_(\d+))?\.png$/;

export function parseSampleName(file: string): SampleName | undefined {
	const match = SAMPLE_PATTERN.exec(basename(file));
	if (!match) {
		return undefined;
	}
	const [, outputName, num, index, timestamp, seed] = match;
	return {
		outputName: outputName || undefined,
		epoch: num.startsWith('e') ? Number(num.slice(1)) : undefined,
		step: num.startsWith('e') ? undefined : Number(num),
		promptIndex: Number(index),
		timestamp,
		seed: seed === undefined ? undefined : Number(seed),
	};
}

export function sampleFileName(outputName: string | undefined, sample: Omit<SampleName, 'outputName'>): string {
	const num = sample.epoch !== undefined ? `e${String(sample.epoch).padStart(6, '0')}` : String(sample.step ?? 0).padStart(6, '0');
	const seed = sample.seed !== undefined ? `_${sample.seed}` : '';
	return `${outputName ? `${outputName}_` : ''}${num}_${String(sample.promptIndex).padStart(2, '0')}_${sample.timestamp}${seed}.png`;
}
