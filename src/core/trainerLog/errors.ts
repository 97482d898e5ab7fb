import type { ErrorCode } from './events';

/** What to change for each known failure, in the words of the settings users edit. */
export const ADVICE: Record<ErrorCode, string> = {
	'cuda-oom': 'The GPU ran out of memory. Lower train_batch_size (1 is fine for a person LoRA), turn on gradient_checkpointing and cache_latents, use mixed_precision fp16 (or bf16) with an 8-bit optimizer (AdamW8bit), and lower resolution or network_dim if it still does not fit. Close other programs that use the GPU.',
	'no-data': 'sd-scripts found no images and stopped (it still exits with code 0). train_data_dir must be the parent of the image folders (e.g. images/), and each image folder must be named <repeats>_<class tokens>, like 24_3mm4w4ts0n woman.',
	'nan-loss': 'The loss became NaN, so the LoRA will be black or broken. Add --no_half_vae (the fp16 VAE overflows on SD 1.5), and lower the learning rate if it stays NaN.',
	'nan-latents': 'The VAE produced NaN latents (fp16 overflow), which were replaced with zeros: those images train as black. Add --no_half_vae.',
	'fp16-needs-gpu': 'mixed_precision fp16 needs a CUDA GPU. Install a CUDA build of PyTorch, or run "accelerate config" again and set the GPU ids to 0.',
	'empty-caption': 'A caption file is empty (zero bytes) and sd-scripts aborts on it. Write a caption into it or delete it.',
	'process-failed': 'The training process crashed; the error shown is the one the trainer printed before accelerate reported the failure.',
	'exception': 'The trainer stopped with this Python error. The lines above it in the training log show where it happened.',
};

const OOM = /CUDA out of memory|OutOfMemoryError/;
const FP16_NEEDS_GPU = /fp16 mixed precision requires a GPU/;
const EMPTY_CAPTION = /caption file is empty/;

/** The code of a Python exception line (`torch.OutOfMemoryError: CUDA out of memory. ...`). */
export function classifyException(line: string): ErrorCode {
	if (OOM.test(line)) {
		return 'cuda-oom';
	}
	if (FP16_NEEDS_GPU.test(line)) {
		return 'fp16-needs-gpu';
	}
	if (EMPTY_CAPTION.test(line)) {
		return 'empty-caption';
	}
	return 'exception';
}

/** A plain (non-traceback) line that is a failure on its own. */
export function classifyPlainLine(line: string): ErrorCode | undefined {
	if (line.includes('No data found')) {
		return 'no-data';
	}
	if (line.includes('NaN found in latents')) {
		return 'nan-latents';
	}
	if (OOM.test(line)) {
		return 'cuda-oom';
	}
	return undefined;
}

// `subprocess.CalledProcessError: Command '[...]' returned non-zero exit status 1.`
const CALLED_PROCESS = /CalledProcessError: Command .* returned non-zero exit status (-?\d+)/;

export function calledProcessStatus(line: string): number | undefined {
	const match = CALLED_PROCESS.exec(line);
	return match ? Number(match[1]) : undefined;
}

/** sd-scripts messages are `English / 日本語`; keep the English part for the user. */
export function englishPart(message: string): string {
	const cut = message.search(/ \/ [^\x00-\x7f]/);
	return (cut === -1 ? message : message.slice(0, cut)).trim();
}

/** Windows native crash codes accelerate reports as exit status. */
export function describeExitStatus(status: number): string | undefined {
	if (status === 3221225477) {
		return 'exit status 3221225477 (0xC0000005) is a native crash on Windows, often a broken CUDA/xformers/bitsandbytes install or too little memory';
	}
	if (status === -9 || status === 137) {
		return 'the process was killed (out of system memory?)';
	}
	return undefined;
}
