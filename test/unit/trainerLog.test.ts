import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/core/trainerLog/lineSplitter';
import { parseTrainerLog, TrainerLogParser } from '../../src/core/trainerLog/parser';
import type { ErrorEvent, StepEvent, SummaryEvent, TrainerEvent } from '../../src/core/trainerLog/events';
import { applyEvent, emptyProgress, formatDuration, formatLoss, progressParts } from '../../src/core/trainerLog/progress';
import { emptyTqdmReading, parseClock, parsePythonNumber, parseTqdmFrame, readTqdmFrame, TIMES_AND_RATE, TqdmReading } from '../../src/core/trainerLog/tqdm';
import { richRecord, runningTrainingBlock, successfulRun, tqdmFrame } from './fixtures/trainerTranscript';

function ofType<T extends TrainerEvent['type']>(events: TrainerEvent[], type: T): Extract<TrainerEvent, { type: T }>[] {
	return events.filter((e) => e.type === type) as Extract<TrainerEvent, { type: T }>[];
}

/** Feeds `text` in chunks of `size` bytes (so UTF-8 characters and lines are split anywhere). */
function parseInChunks(text: string, size: number): TrainerEvent[] {
	const bytes = Buffer.from(text, 'utf8');
	const parser = new TrainerLogParser();
	const events: TrainerEvent[] = [];
	for (let i = 0; i < bytes.length; i += size) {
		events.push(...parser.feed(bytes.subarray(i, i + size)));
	}
	events.push(...parser.end());
	return events;
}

test('line splitter: \\r and \\n both end lines, \\r\\n counts once even across chunks', () => {
	const splitter = new LineSplitter();
	const lines = [...splitter.feed('a\rb\r'), ...splitter.feed('\nc\r\nd\n\ne'), ...splitter.end()];
	assert.deepEqual(lines.map((l) => l.text), ['a', 'b', 'c', 'd', '', 'e']);
	assert.equal(lines[0].redraw, true);
	assert.equal(lines[3].redraw, false);
});

test('line splitter: a UTF-8 character split across chunks stays whole; broken bytes become U+FFFD', () => {
	const splitter = new LineSplitter();
	const bytes = Buffer.from('学習開始\n', 'utf8');
	const lines = [...splitter.feed(bytes.subarray(0, 4)), ...splitter.feed(bytes.subarray(4)), ...splitter.feed(new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a])), ...splitter.end()];
	assert.deepEqual(lines.map((l) => l.text), ['学習開始', 'a\uFFFD\uFFFDb']);
});

test('line splitter: an extremely long line is cut at the limit and flagged, the next line is intact', () => {
	const splitter = new LineSplitter(1000);
	const lines = [...splitter.feed('x'.repeat(600)), ...splitter.feed(`${'y'.repeat(5_000_000)}\nnext\n`), ...splitter.end()];
	assert.equal(lines.length, 2);
	assert.equal(lines[0].text.length, 1000);
	assert.equal(lines[0].truncated, true);
	assert.deepEqual(lines[1], { text: 'next', redraw: false, truncated: false });
});

test('line splitter: ANSI colour codes and cursor moves are removed', () => {
	const lines = new LineSplitter().feed('\x1b[2m2026\x1b[0m \x1b[34mINFO\x1b[0m\x1b[A\n');
	assert.equal(lines[0].text, '2026 INFO');
});

test('tqdm frames: it/s, s/it, unknown rate, hours, postfix with several keys', () => {
	const fast = parseTqdmFrame('steps:  12%|█▏        | 120/1000 [01:23<10:12,  1.44it/s, avr_loss=0.0912]')!;
	assert.equal(fast.n, 120);
	assert.equal(fast.total, 1000);
	assert.equal(fast.elapsed, 83);
	assert.equal(fast.remaining, 612);
	assert.equal(fast.itPerSecond, 1.44);
	assert.equal(fast.postfix.get('avr_loss'), '0.0912');
	const slow = parseTqdmFrame('steps:  54%|█████▍    | 540/1000 [1:02:03<52:51,  6.90s/it, Average key norm=0.5, Keys Scaled=3, avr_loss=0.102]')!;
	assert.equal(slow.elapsed, 3723);
	assert.ok(Math.abs(slow.itPerSecond! - 1 / 6.9) < 1e-9);
	assert.equal(slow.postfix.get('Keys Scaled'), '3');
	assert.equal(slow.postfix.get('avr_loss'), '0.102');
	const start = parseTqdmFrame('steps:   0%|          | 0/1000 [00:00<?, ?it/s]')!;
	assert.equal(start.remaining, undefined);
	assert.equal(start.itPerSecond, undefined);
	assert.equal(parseTqdmFrame('100%|██████████| 30/30 [00:02<00:00, 12.1it/s]'), undefined, 'the desc-less sampling bar is not the training bar');
	assert.equal(parseTqdmFrame('caching latents: 100%|██████████| 6/6 [00:01<00:00,  4.2it/s]'), undefined);
});

test('the running-training block becomes one summary event with every number', () => {
	const events = parseTrainerLog(runningTrainingBlock({ images: 128, batchesPerEpoch: 64, epochs: 10, total: 640, batchSizes: '2, 1' }));
	const summaries = ofType(events, 'summary');
	assert.equal(summaries.length, 1);
	const expected: SummaryEvent = { type: 'summary', trainImages: 128, validationImages: 0, regImages: 0, batchesPerEpoch: 64, epochs: 10, batchSizes: [2, 1], gradientAccumulationSteps: 1, total: 640 };
	assert.deepEqual(summaries[0], expected);
});

test('a whole run: summary, epochs, one step event per step despite redraws, checkpoints, finished', () => {
	const log = successfulRun({ batchesPerEpoch: 12, epochs: 5, redraws: 3, saveEveryEpochs: 2 });
	const events = parseTrainerLog(log);
	assert.equal(ofType(events, 'summary')[0].total, 60);
	assert.deepEqual(ofType(events, 'epoch').map((e) => `${e.epoch}/${e.epochs}`), ['1/5', '2/5', '3/5', '4/5', '5/5']);
	const steps = ofType(events, 'step');
	assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 61 }, (_, i) => i), 'step 0 and each step once');
	const s30 = steps[30];
	assert.equal(s30.epoch, 3);
	assert.equal(s30.epochs, 5);
	assert.equal(s30.total, 60);
	assert.ok(Math.abs(s30.itPerSecond! - 1.43) < 1e-9);
	assert.equal(typeof s30.avrLoss, 'number');
	assert.deepEqual(ofType(events, 'checkpoint').map((c) => c.path), [
		'/work/3mm4w4ts0n/output/3mm4w4ts0n-000002.safetensors',
		'/work/3mm4w4ts0n/output/3mm4w4ts0n-000004.safetensors',
		'/work/3mm4w4ts0n/output/3mm4w4ts0n.safetensors',
	]);
	assert.equal(ofType(events, 'checkpoint')[0].epoch, 2);
	assert.equal(ofType(events, 'checkpoint')[0].step, 24);
	assert.equal(ofType(events, 'finished').length, 1);
	assert.equal(ofType(events, 'error').length, 0);
});

test('the same run fed in odd-sized byte chunks gives the same events', () => {
	const log = successfulRun({ batchesPerEpoch: 7, epochs: 3, secondsPerStep: 2.5, saveEveryEpochs: 1 });
	const whole = parseTrainerLog(log);
	for (const size of [1, 3, 17, 4096]) {
		assert.deepEqual(parseInChunks(log, size), whole, `chunks of ${size} bytes`);
	}
	const slow = ofType(whole, 'step')[5];
	assert.ok(Math.abs(slow.itPerSecond! - 0.4) < 1e-9, 's/it converted to steps per second');
	assert.ok(slow.remaining! > 0);
});

test('two parsers fed in turns (two runs watched at once) each give what they give alone', () => {
	const first = successfulRun({ batchesPerEpoch: 7, epochs: 3, secondsPerStep: 2.5, saveEveryEpochs: 1 });
	const second = successfulRun({ batchesPerEpoch: 5, epochs: 2, secondsPerStep: 0.5, saveEveryEpochs: 1 });
	const a = new TrainerLogParser();
	const b = new TrainerLogParser();
	const fromA: TrainerEvent[] = [];
	const fromB: TrainerEvent[] = [];
	// Chunks that end inside frames, so that each feed also reads the other parser's half-written frame in between.
	for (let i = 0; i < Math.max(first.length, second.length); i += 61) {
		fromA.push(...a.feed(first.slice(i, i + 61)));
		fromB.push(...b.feed(second.slice(i, i + 61)));
	}
	fromA.push(...a.end());
	fromB.push(...b.end());
	assert.deepStrictEqual(fromA, parseInChunks(first, 61));
	assert.deepStrictEqual(fromB, parseInChunks(second, 61));
	assert.ok(ofType(fromA, 'step').length > 20 && ofType(fromB, 'step').length > 9);
});

test('rich records wrapped at 80 columns are joined: No data found (exit 0) is a failure with advice', () => {
	const message = 'No data found. Please verify arguments (train_data_dir must be the parent of folders with images) / 画像がありません。引数指定を確認してください（train_data_dirには画像があるフォルダではなく、画像があるフォルダの親フォルダを指定する必要があります）';
	const wrapped = richRecord(message, { level: 'ERROR' });
	assert.ok(wrapped.split('\n').length > 3, 'the fixture really wraps');
	const events = parseTrainerLog(richRecord('Loading dataset config from /work/x/dataset.toml', { source: 'train_network.py:455' }) + wrapped);
	const errors = ofType(events, 'error');
	assert.equal(errors.length, 1);
	assert.equal(errors[0].code, 'no-data');
	assert.equal(errors[0].severity, 'error');
	assert.equal(errors[0].message, 'No data found. Please verify arguments (train_data_dir must be the parent of folders with images)');
	assert.match(errors[0].advice, /parent of the image folders/);
});

test('a rich record whose time column is blank (same second) is still a record', () => {
	const events = parseTrainerLog(richRecord('use 8-bit AdamW optimizer | {}', { source: 'train_util.py:4000' }) + richRecord('NaN found in latents, replacing with zeros', { level: 'WARNING', time: null, source: 'train_util.py:2700' }));
	const errors = ofType(events, 'error');
	assert.equal(errors.length, 1);
	assert.equal(errors[0].code, 'nan-latents');
	assert.equal(errors[0].severity, 'warning');
	assert.match(errors[0].advice, /--no_half_vae/);
});

test('NaN avr_loss is reported once, suggesting --no_half_vae', () => {
	let log = '\nepoch 1/1\n';
	for (let n = 1; n <= 5; n++) {
		log += `\r${tqdmFrame(n, 5, 0.5, n > 2 ? NaN : 0.1)}`;
	}
	const events = parseTrainerLog(log);
	const errors = ofType(events, 'error');
	assert.equal(errors.length, 1);
	assert.equal(errors[0].code, 'nan-loss');
	assert.equal(errors[0].step, 3);
	assert.match(errors[0].advice, /--no_half_vae/);
	assert.ok(Number.isNaN(ofType(events, 'step')[3].avrLoss));
});

const OOM_TRACEBACK = [
	'Traceback (most recent call last):',
	'  File "/work/sd-scripts/train_network.py", line 1881, in <module>',
	'    trainer.train(args)',
	'  File "/work/sd-scripts/train_network.py", line 1543, in train',
	'    accelerator.backward(loss)',
	'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 512.00 MiB. GPU 0 has a total capacity of 7.79 GiB of which 201.31 MiB is free. Including non-PyTorch memory, this process has 7.57 GiB memory in use.',
	'',
].join('\n');

const ACCELERATE_TRACEBACK = [
	'Traceback (most recent call last):',
	'  File "/venv/bin/accelerate", line 8, in <module>',
	'    sys.exit(main())',
	'  File "/venv/lib/python3.10/site-packages/accelerate/commands/launch.py", line 1178, in launch_command',
	'    simple_launcher(args)',
	'    raise subprocess.CalledProcessError(returncode=process.returncode, cmd=cmd)',
	"subprocess.CalledProcessError: Command '['/venv/bin/python', 'train_network.py', '--config_file', '/work/x/config.toml']' returned non-zero exit status 1.",
	'',
].join('\n');

test('CUDA out of memory mid-run: an error at the step it happened, with what to lower', () => {
	const log = `\nepoch 1/2\n\r${tqdmFrame(1, 20, 1.2, 0.1)}\r${tqdmFrame(2, 20, 1.2, 0.11)}\n${OOM_TRACEBACK}`;
	const errors = ofType(parseTrainerLog(log), 'error');
	assert.equal(errors.length, 1);
	assert.equal(errors[0].code, 'cuda-oom');
	assert.equal(errors[0].step, 2);
	assert.match(errors[0].message, /^torch\.OutOfMemoryError: CUDA out of memory/);
	assert.match(errors[0].advice, /train_batch_size/);
	assert.match(errors[0].advice, /gradient_checkpointing/);
	assert.deepEqual(errors[0].details?.slice(-1), ['    accelerator.backward(loss)']);
});

test('older torch OOM (RuntimeError) is recognised too', () => {
	const errors = ofType(parseTrainerLog('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nRuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 4.00 GiB total capacity; 3.1 GiB already allocated)\n'), 'error');
	assert.equal(errors[0].code, 'cuda-oom');
});

test("accelerate's CalledProcessError surfaces the real error printed above it", () => {
	const keyError = 'Traceback (most recent call last):\n  File "/work/sd-scripts/train_network.py", line 600, in train\n    x = cfg["resolution"]\nKeyError: \'resolution\'\n';
	const events = parseTrainerLog(`${keyError}${ACCELERATE_TRACEBACK}`);
	const failed = ofType(events, 'error').find((e) => e.code === 'process-failed')!;
	assert.ok(failed, 'process-failed is reported');
	assert.equal(failed.message, "KeyError: 'resolution'");
	assert.equal(failed.exitStatus, 1);
	assert.deepEqual(failed.details, ['  File "/work/sd-scripts/train_network.py", line 600, in train', '    x = cfg["resolution"]']);
});

test('CalledProcessError after an OOM carries the OOM advice; a native crash with no Python error is explained', () => {
	const afterOom = ofType(parseTrainerLog(OOM_TRACEBACK + ACCELERATE_TRACEBACK), 'error');
	assert.deepEqual(afterOom.map((e) => e.code), ['cuda-oom', 'process-failed']);
	assert.match(afterOom[1].message, /CUDA out of memory/);
	assert.match(afterOom[1].advice, /train_batch_size/);
	const native = ofType(parseTrainerLog(ACCELERATE_TRACEBACK.replace('exit status 1.', 'exit status 3221225477.')), 'error');
	assert.equal(native.length, 1);
	assert.equal(native[0].exitStatus, 3221225477);
	assert.match(native[0].advice, /0xC0000005/);
});

test('fp16 without a GPU and an empty caption file are named', () => {
	const fp16 = ofType(parseTrainerLog('Traceback (most recent call last):\n  File "a.py", line 2, in <module>\nValueError: fp16 mixed precision requires a GPU (not \'cpu\').\n'), 'error');
	assert.equal(fp16[0].code, 'fp16-needs-gpu');
	const caption = ofType(parseTrainerLog('Traceback (most recent call last):\n  File "a.py", line 2, in <module>\nAssertionError: caption file is empty / キャプションファイルが空です: /work/x/images/24_a/img_001.txt\n'), 'error');
	assert.equal(caption[0].code, 'empty-caption');
});

test('interleaved multi-process output: rank prefixes, a frame glued to another line, duplicate worker lines', () => {
	const log = [
		'[rank1]: epoch is incremented. current_epoch: 0, epoch: 1',
		'epoch 1/2',
		`${tqdmFrame(3, 10, 0.5, 0.2)}epoch is incremented. current_epoch: 0, epoch: 1`,
		`[rank0]: ${tqdmFrame(4, 10, 0.5, 0.19)}`,
		'[rank0]: Traceback (most recent call last):',
		'[rank1]: Traceback (most recent call last):',
		'[rank0]:   File "train_network.py", line 1, in <module>',
		'[rank0]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.',
		'',
	].join('\n');
	const events = parseTrainerLog(log);
	assert.deepEqual(ofType(events, 'step').map((s) => s.step), [3, 4]);
	assert.equal(ofType(events, 'step')[0].epoch, 1);
	assert.equal(ofType(events, 'error')[0].code, 'cuda-oom');
});

test('a log that stops mid-line still yields its last frame; validation and sample lines', () => {
	const sample = richRecord('generating sample images at step / サンプル画像生成 ステップ: 20', { source: 'train_util.py:6400' })
		+ richRecord('prompt: 3mm4w4ts0n woman, portrait, smiling, looking at viewer, soft light, detailed face', { time: null, source: 'train_util.py:6500' })
		+ richRecord('negative_prompt: blurry', { time: null, source: 'train_util.py:6501' })
		+ richRecord('prompt: 3mm4w4ts0n woman, full body', { time: null, source: 'train_util.py:6500' });
	const validation = `\r${tqdmFrame(1, 4, 0.1, undefined, 'validation steps', ', val_avg_loss=0.2, timestep=500')}\r${tqdmFrame(4, 4, 0.1, undefined, 'validation steps', ', val_avg_loss=0.123, timestep=500')}\n`;
	const log = `epoch 1/3\n\r${tqdmFrame(20, 60, 0.5, 0.11)}\n${sample}${validation}\r${tqdmFrame(21, 60, 0.5, 0.108)}`;
	const events = parseTrainerLog(log);
	const samples = ofType(events, 'sample');
	assert.deepEqual(samples.map((s) => [s.step, s.index, s.prompt]), [
		[20, 0, '3mm4w4ts0n woman, portrait, smiling, looking at viewer, soft light, detailed face'],
		[20, 1, '3mm4w4ts0n woman, full body'],
	]);
	assert.deepEqual(ofType(events, 'validation'), [{ type: 'validation', kind: 'step', loss: 0.123, step: 20, epoch: 1 }]);
	const last = ofType(events, 'step').at(-1) as StepEvent;
	assert.equal(last.step, 21);
	assert.equal(last.avrLoss, 0.108);
});

test('progress folds events into the status bar parts and formats like the issue', () => {
	const progress = emptyProgress();
	for (const event of parseTrainerLog(`epoch 3/10\n\r${tqdmFrame(540, 1500, 0.325, 0.102)}`)) {
		applyEvent(progress, event);
	}
	assert.deepEqual(progressParts(progress), ['epoch 3/10', '540/1500', 'loss 0.102', '5:12 left']);
	assert.equal(formatDuration(3725), '1:02:05');
	assert.equal(formatLoss(0.09123), '0.0912');
	assert.equal(formatLoss(NaN), 'nan');
});

test('errors are not repeated when several processes print the same line', () => {
	const line = richRecord('NaN found in latents, replacing with zeros', { level: 'WARNING' });
	const errors = ofType(parseTrainerLog(line + line + line), 'error') as ErrorEvent[];
	assert.equal(errors.length, 1);
});

test('a tqdm frame counts as soon as it is complete, not when the next redraw starts', () => {
	const parser = new TrainerLogParser();
	const first = parser.feed(`\r${tqdmFrame(7, 10, 0.5, 0.3)}`);
	assert.deepEqual(ofType(first, 'step').map((s) => s.step), [7]);
	const half = parser.feed(`\r${tqdmFrame(8, 10, 0.5, 0.29)}`.slice(0, 20));
	assert.equal(ofType(half, 'step').length, 0, 'half a frame is not parsed');
	const rest = parser.feed(`\r${tqdmFrame(8, 10, 0.5, 0.29)}`.slice(20) + '\n');
	assert.deepEqual(ofType(rest, 'step').map((s) => s.step), [8], 'and the frame is not counted twice');
	assert.equal(ofType(parser.end(), 'step').length, 0);
});

test('a resume with initial_step: the bar counts the remaining steps, events carry the absolute step', () => {
	// sd-scripts prints max_train_steps in the block and runs tqdm over max_train_steps - initial_step (reference §5.8, §6).
	const log = `${runningTrainingBlock({ images: 96, batchesPerEpoch: 48, epochs: 10, total: 480 })}\nepoch 6/10\n`
		+ `\r${tqdmFrame(0, 240, 0.5)}\r${tqdmFrame(1, 240, 0.5, 0.09)}\r${tqdmFrame(2, 240, 0.5, 0.088)}`;
	const steps = ofType(parseTrainerLog(log), 'step');
	assert.deepEqual(steps.map((s) => [s.step, s.total, s.initialStep]), [[240, 480, 240], [241, 480, 240], [242, 480, 240]]);
	const progress = emptyProgress();
	parseTrainerLog(log).forEach((e) => applyEvent(progress, e));
	assert.deepEqual(progressParts(progress).slice(0, 2), ['epoch 6/10', '242/480']);
	// Without the block (a log cut at the start) the offset cannot be known: the bar's own numbers are kept.
	assert.deepEqual(ofType(parseTrainerLog(`\r${tqdmFrame(2, 240, 0.5, 0.088)}`), 'step').map((s) => [s.step, s.total, s.initialStep]), [[2, 240, undefined]]);
});

/** The patterns parseTqdmFrame was first written with: the definition the hand-written reader must match. */
function tqdmFrameByPattern(line: string): { desc: string; n: number; total: number; elapsed?: number; remaining?: number; itPerSecond?: number; postfix: [string, string][] } | undefined {
	const pattern = /(epoch validation steps|validation steps|steps):\s*\d+%\|[^|\n]*\|\s*(\d+)\/(\d+)\s*\[([^\]]*)\]/g;
	let last: RegExpExecArray | undefined;
	for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
		last = match;
	}
	if (!last) {
		return undefined;
	}
	const frame: NonNullable<ReturnType<typeof tqdmFrameByPattern>> = { desc: last[1], n: Number(last[2]), total: Number(last[3]), postfix: [] };
	const timing = TIMES_AND_RATE.exec(last[4]);
	let rest = last[4];
	if (timing) {
		frame.elapsed = parseClock(timing[1]);
		frame.remaining = timing[2] === undefined || timing[2] === '?' ? undefined : parseClock(timing[2]);
		if (timing[3] !== '?') {
			const rate = Number(timing[3]);
			frame.itPerSecond = timing[4] === 'it/s' ? rate : rate > 0 ? 1 / rate : undefined;
		}
		rest = rest.slice(timing[0].length);
	}
	const postfix = new Map<string, string>();
	for (const piece of rest.split(',')) {
		const eq = piece.indexOf('=');
		if (eq > 0) {
			postfix.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
		}
	}
	frame.postfix = [...postfix];
	return frame;
}

test('tqdm frames: the fast reader gives exactly what the patterns give, on real frames and mangled ones', () => {
	let seed = 7;
	const random = (): number => {
		seed = (seed * 1664525 + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
	const pieces = ['steps', 'validation steps', 'epoch validation steps', 'epoch ', ':', ': ', ' ', '\t', '\u00a0', '\u3000', '%|', '|', '█', '12', '0', '/', '[', ']', '<', ',', '?', 'it/s', 's/it', 'e', 'e-', '+', '.', '1.5', '00:01', '1:02:03', '::', 'avr_loss', 'loss', 'current_loss', 'val_avg_loss', '=', ' =', '= ', 'nan', 'NaN', 'inf', '-inf', 'Infinity', '-0', '0.0912', '1e-3', '0x1f', '-', '\n', 'x', '1234567890123456789'];
	const mangle = (text: string): string => {
		const chars = [...text];
		for (let k = Math.floor(random() * 4); k > 0; k--) {
			const at = Math.floor(random() * (chars.length + 1));
			if (random() < 0.5) { chars.splice(at, 1); } else { chars.splice(at, 0, pick(pieces)); }
		}
		return chars.join('');
	};
	let frames = 0;
	for (let i = 0; i < 40_000; i++) {
		const real = tqdmFrame(Math.floor(random() * 100), 1 + Math.floor(random() * 100), random() * 3, random() < 0.8 ? random() : undefined,
			pick(['steps', 'validation steps', 'epoch validation steps']), random() < 0.3 ? `, loss=${random()}, val_avg_loss=${pick(['nan', '0.3', ' 1e-2 ', ''])}` : '');
		const base = random() < 0.5 ? real : Array.from({ length: 1 + Math.floor(random() * 30) }, () => pick(pieces)).join('');
		const line = random() < 0.7 ? mangle(base) : random() < 0.5 ? base + mangle(base) : `${pick(['', 'x', '[rank1]: '])}${base}`;
		const expected = tqdmFrameByPattern(line);
		const actual = parseTqdmFrame(line);
		assert.deepStrictEqual(actual && { ...actual, postfix: [...actual.postfix] }, expected, JSON.stringify(line));
		const reading: TqdmReading = emptyTqdmReading();
		assert.equal(readTqdmFrame(line, reading), expected !== undefined);
		if (expected) {
			frames++;
			const value = (key: string): number | undefined => parsePythonNumber(expected.postfix.filter(([k]) => k === key).at(-1)?.[1]);
			assert.deepStrictEqual([reading.n, reading.total, reading.elapsed, reading.remaining, reading.itPerSecond], [expected.n, expected.total, expected.elapsed, expected.remaining, expected.itPerSecond]);
			if (expected.desc === 'steps') {
				const hasLoss = expected.postfix.some(([k]) => k === 'loss');
				assert.deepStrictEqual([reading.avrLoss, reading.loss], [value('avr_loss'), hasLoss ? value('loss') : value('current_loss')], JSON.stringify(line));
			} else {
				assert.deepStrictEqual(reading.validationLoss, value(expected.desc === 'validation steps' ? 'val_avg_loss' : 'val_epoch_avg_loss'), JSON.stringify(line));
			}
		}
	}
	assert.ok(frames > 10_000, `${frames} frames among the lines`);
});

test('a redraw identical to the frame before is skipped only when nothing came in between', () => {
	const frame = tqdmFrame(5, 5, 0.1, undefined, 'validation steps', ', val_avg_loss=0.2');
	// the same validation frame after an epoch line is a new validation point; right after itself it is not
	const events = parseTrainerLog(`epoch 1/2\n\r${frame}\r${frame}\nepoch 2/2\n\r${frame}\r${frame}\n`);
	assert.deepEqual(ofType(events, 'validation').map((v) => v.epoch), [1, 2]);
	// a rich record between two identical frames is still emitted, in order
	const record = richRecord('NaN found in latents, replacing with zeros', { level: 'WARNING' }).replace(/\n$/, '');
	const step = tqdmFrame(3, 10, 0.5, 0.2);
	const mixed = parseTrainerLog(`\r${step}\r${record}\r${step}\r${step}\n`);
	assert.deepEqual(mixed.map((e) => e.type), ['step', 'error']);
});
