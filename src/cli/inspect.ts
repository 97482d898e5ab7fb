import { CliCommand, UsageError, booleanFlag } from './args';
import { readSafetensorsHeader } from '../core/checkpoints/safetensors';
import { parseCheckpointName } from '../core/checkpoints/checkpointNames';
import { summarizeMetadata } from '../core/checkpoints/metadata';

export const inspectCommand: CliCommand = {
	name: 'inspect',
	summary: 'show a checkpoint\'s sd-scripts metadata and tensor count (reads only the header)',
	usage: [
		'Usage: lora-workbench inspect <file.safetensors> [--json]',
		'',
		'Reads only the safetensors header (never the tensors) and prints sd-scripts\' ss_* metadata in plain terms.',
		'  --json   print {file, tensorCount, headerBytes, fileBytes, metadata, summary} as JSON',
		'.ckpt and .pt files are pickled state dicts: they hold no readable metadata, and the command says so.',
	].join('\n'),
	flags: { json: { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give exactly one checkpoint file');
		}
		const file = args.positionals[0];
		const kind = parseCheckpointName(file);
		if (kind && kind.extension !== '.safetensors') {
			io.err(`${file}: ${kind.extension} files are pickled PyTorch state dicts with no metadata; only .safetensors checkpoints carry sd-scripts' metadata.`);
			return 1;
		}
		const header = await readSafetensorsHeader(file);
		const summary = summarizeMetadata(header.metadata);
		if (booleanFlag(args, 'json')) {
			io.out(JSON.stringify({ file, tensorCount: header.tensors.length, headerBytes: header.headerBytes, fileBytes: header.fileBytes, metadata: header.metadata, summary }, null, 2));
			return 0;
		}
		const lines = [`${file}`, `  tensors: ${header.tensors.length}, header ${header.headerBytes} bytes, file ${header.fileBytes} bytes`];
		if (!summary.hasTrainingMetadata) {
			lines.push('  no sd-scripts training metadata (ss_*) in this file (trained with --no_metadata, or by another tool)');
		}
		const width = Math.max(0, ...summary.fields.map((f) => f.label.length));
		for (const field of summary.fields) {
			lines.push(`  ${field.label.padEnd(width)}  ${field.value}`);
		}
		for (const folder of summary.tagFrequency) {
			lines.push(`  Tags in ${folder.folder}: ${folder.tags.slice(0, 15).map((t) => `${t.tag} (${t.count})`).join(', ')}${folder.tags.length > 15 ? `, ... ${folder.tags.length - 15} more` : ''}`);
		}
		io.out(lines.join('\n'));
		return 0;
	},
};
