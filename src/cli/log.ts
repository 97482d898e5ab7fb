import { createReadStream, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainerEvent } from '../core/trainerLog/events';
import { TrainerLogParser } from '../core/trainerLog/parser';
import { applyEvent, emptyProgress, fatalError, formatDuration, formatLoss, progressParts } from '../core/trainerLog/progress';
import { booleanFlag, CliCommand, UsageError } from './args';

const FOLLOW_POLL_MS = 250;

/** The JSON line for an event: the event itself, plus `loss` on steps (the loss the log shows: avr_loss unless the current one is printed). */
export function eventJson(event: TrainerEvent): string {
	const record: Record<string, unknown> = { ...event };
	if (event.type === 'step') {
		record.loss = event.loss ?? event.avrLoss;
	}
	return JSON.stringify(record, (_key, value) => typeof value === 'number' && !Number.isFinite(value) ? String(value) : value);
}

function describe(event: TrainerEvent): string | undefined {
	switch (event.type) {
		case 'summary':
			return `running training: ${event.trainImages ?? '?'} images x repeats, ${event.batchesPerEpoch ?? '?'} batches per epoch, ${event.epochs ?? '?'} epochs, ${event.total ?? '?'} steps`;
		case 'epoch':
			return `epoch ${event.epoch}/${event.epochs}`;
		case 'checkpoint':
			return `checkpoint ${event.path}`;
		case 'sample':
			return `sample at step ${event.step}: ${event.prompt}`;
		case 'validation':
			return `validation loss ${formatLoss(event.loss)} (${event.kind})`;
		case 'error':
			return `${event.severity}: ${event.message}${event.step !== undefined ? ` (step ${event.step})` : ''}\n  ${event.advice}`;
		case 'finished':
			return 'model saved';
		default:
			return undefined;
	}
}

export const logCommand: CliCommand = {
	name: 'log',
	summary: 'Read an sd-scripts console log: progress, checkpoints and errors (JSON lines with --json)',
	usage: [
		'Usage: lora-workbench log <file> [--json] [--follow]',
		'',
		'Reads a saved sd-scripts console log (stdout and stderr as printed, tqdm redraws included) and prints what',
		'happened: the running-training numbers, epochs, checkpoints, samples, validation loss, and errors with advice.',
		'',
		'  --json    one JSON object per line: {"type": "summary"|"epoch"|"step"|"checkpoint"|"sample"|"validation"|',
		'            "error"|"finished", ...} with step, total, epoch, epochs, loss where they apply',
		'  --follow  keep reading as the log grows (stops at "model saved.", a crash, or Ctrl-C)',
		'',
		'Exit code: 0 when the log shows no error, 1 when it shows one (also for "No data found", which exits 0).',
	].join('\n'),
	flags: { json: { type: 'boolean' }, follow: { type: 'boolean' } },
	async run(args, io) {
		if (args.positionals.length !== 1) {
			throw new UsageError('give exactly one log file');
		}
		const file = resolve(io.cwd, args.positionals[0]);
		let stat;
		try {
			stat = await fs.stat(file);
		} catch {
			io.err(`lora-workbench log: ${file} does not exist. Give the path of a saved training log.`);
			return 1;
		}
		if (!stat.isFile()) {
			io.err(`lora-workbench log: ${file} is not a file. Give the path of a saved training log.`);
			return 1;
		}
		const json = booleanFlag(args, 'json');
		const progress = emptyProgress();
		let lastStepLine = '';
		const emit = (events: TrainerEvent[]) => {
			for (const event of events) {
				applyEvent(progress, event);
				if (json) {
					io.out(eventJson(event));
					continue;
				}
				if (event.type === 'step') {
					lastStepLine = `step ${progressParts(progress).join(' · ')}`;
					continue;
				}
				const text = describe(event);
				if (text) {
					io.out(text);
				}
			}
		};
		const parser = new TrainerLogParser();
		const offset = await readFrom(file, 0, (chunk) => emit(parser.feed(chunk)));
		if (booleanFlag(args, 'follow')) {
			await follow(file, offset, parser, emit, () => progress.finished || progress.errors.some((e) => e.code === 'process-failed'));
		}
		emit(parser.end());
		if (!json) {
			if (lastStepLine) {
				io.out(`last ${lastStepLine}`);
			}
			io.out(finalLine(progress));
		}
		return fatalError(progress) ? 1 : 0;
	},
};

function finalLine(progress: ReturnType<typeof emptyProgress>): string {
	const fatal = fatalError(progress);
	if (fatal) {
		return `failed: ${fatal.message}`;
	}
	if (progress.finished) {
		return `finished${progress.step !== undefined ? ` at step ${progress.step}` : ''}${progress.avrLoss !== undefined ? `, avr_loss ${formatLoss(progress.avrLoss)}` : ''}`;
	}
	return progress.remaining !== undefined ? `still running (about ${formatDuration(progress.remaining)} left when the log ends)` : 'the log ends without "model saved."';
}

function readFrom(file: string, start: number, onChunk: (chunk: Buffer) => void): Promise<number> {
	return new Promise((resolvePromise, reject) => {
		let offset = start;
		const stream = createReadStream(file, { start, highWaterMark: 256 * 1024 });
		stream.on('data', (chunk) => {
			const buffer = chunk as Buffer;
			offset += buffer.length;
			onChunk(buffer);
		});
		stream.on('error', reject);
		stream.on('end', () => resolvePromise(offset));
	});
}

async function follow(file: string, start: number, parser: TrainerLogParser, emit: (events: TrainerEvent[]) => void, done: () => boolean): Promise<void> {
	let offset = start;
	let stopped = false;
	const stop = () => { stopped = true; };
	process.once('SIGINT', stop);
	try {
		let quietPolls = 0;
		while (!stopped && !done()) {
			await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
			let size: number;
			try {
				size = (await fs.stat(file)).size;
			} catch {
				continue; // being rotated or recreated
			}
			if (size < offset) {
				offset = 0; // truncated and rewritten: a new run in the same file
			}
			if (size > offset) {
				quietPolls = 0;
				offset = await readFrom(file, offset, (chunk) => emit(parser.feed(chunk)));
			} else if (++quietPolls === 8) {
				emit(parser.flushPending()); // a log record waiting for continuation rows that are not coming
			}
		}
	} finally {
		process.removeListener('SIGINT', stop);
	}
}
