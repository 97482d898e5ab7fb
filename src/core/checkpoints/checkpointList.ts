import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CheckpointName, parseCheckpointName } from './checkpointNames';

export interface CheckpointFile extends CheckpointName {
	path: string;
	fileName: string;
	bytes: number;
	modified: Date;
	/** ckpt/pt files are pickled state dicts: no metadata to read. */
	hasMetadata: boolean;
}

/** Checkpoints in a model folder, newest first (by modification time, then epoch/step). */
export async function listCheckpoints(modelDir: string): Promise<CheckpointFile[]> {
	let names: string[];
	try {
		names = await fs.readdir(modelDir);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
			return [];
		}
		throw err;
	}
	const files: CheckpointFile[] = [];
	for (const fileName of names) {
		const parsed = parseCheckpointName(fileName);
		if (!parsed) {
			continue;
		}
		const path = join(modelDir, fileName);
		let stat;
		try {
			stat = await fs.stat(path);
		} catch {
			continue; // removed between readdir and stat (sd-scripts prunes old epochs)
		}
		if (!stat.isFile()) {
			continue;
		}
		files.push({ ...parsed, path, fileName, bytes: stat.size, modified: stat.mtime, hasMetadata: parsed.extension === '.safetensors' });
	}
	return files.sort((a, b) => b.modified.getTime() - a.modified.getTime() || order(b) - order(a));
}

function order(file: CheckpointName): number {
	return file.kind === 'final' ? Number.MAX_SAFE_INTEGER : file.epoch ?? file.step ?? 0;
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024 * 1024) {
		return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
	}
	if (bytes >= 1024 * 1024) {
		return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	}
	return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;
}

/** The prompt to paste into a WebUI for a chosen checkpoint: `<lora:NAME:0.75>` plus the trigger word. */
export function usageSnippet(fileName: string, trigger: string, strength = 0.75): string {
	const name = fileName.replace(/\.(safetensors|ckpt|pt)$/i, '');
	return `<lora:${name}:${strength}> ${trigger}`.trim();
}
