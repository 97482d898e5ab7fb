import { ADVICE, calledProcessStatus, classifyException, classifyPlainLine, describeExitStatus, englishPart } from './errors';
import type { CheckpointEvent, ErrorCode, ErrorEvent, FinishedEvent, StepEvent, SummaryEvent, TrainerEvent } from './events';
import { ConsoleLine, LineSplitter } from './lineSplitter';
import { LogicalLine, RichRecordJoiner } from './richLog';
import { emptyTqdmReading, readTqdmFrame, TqdmReading } from './tqdm';

const RUNNING_TRAINING = /^running training\b/;
const SUMMARY_FIELDS: [RegExp, keyof Omit<SummaryEvent, 'type'>][] = [
	[/^num train images \* repeats\b/, 'trainImages'],
	[/^num validation images \* repeats\b/, 'validationImages'],
	[/^num reg images\b/, 'regImages'],
	[/^num batches per epoch\b/, 'batchesPerEpoch'],
	[/^num epochs\b/, 'epochs'],
	[/^batch size per device\b/, 'batchSizes'],
	[/^gradient accumulation steps\b/, 'gradientAccumulationSteps'],
	[/^total optimization steps\b/, 'total'],
];
const EPOCH = /^epoch (\d+)\/(\d+)$/;
const CHECKPOINT = /^saving checkpoint: (.+)$/;
const SAMPLE_ROUND = /^generating sample images at step\b[^:]*:\s*(\d+)/;
const PROMPT = /^prompt: (.*)$/;
const MODEL_SAVED = /^model saved\.?$/;
const TRACEBACK = /^Traceback \(most recent call last\):/;
// `[rank0]: ` (torch elastic) and `[default0]:` (accelerate --tee) prefixes on multi-process output.
const PROCESS_PREFIX = /^\[(?:rank|default)\d+\]:\s?/;
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)\b(?::|$)/;
const TRACEBACK_TAIL = 8;
/**
 * Every frame of every parser is read into this one object, as the parsers take turns on one thread and read a
 * frame to the end before the next: one object keeps one shape, where each parser's own would first be seen by
 * the optimised code with another one and send it back to the interpreter once more.
 */
const frame: TqdmReading = emptyTqdmReading();

interface OpenTraceback {
	lines: string[];
}

/**
 * Streaming parser of sd-scripts console output (stdout and stderr, in any mix). Feed chunks as they arrive;
 * each call returns the events those chunks completed. Call `end()` when the process exits.
 */
export class TrainerLogParser {
	private readonly splitter: LineSplitter;
	private readonly rich = new RichRecordJoiner();
	private summary: SummaryEvent | undefined;
	/** "total optimization steps" of the running-training block: max_train_steps, which the bar's total is short of on a resume. */
	private plannedTotal: number | undefined;
	private epoch: number | undefined;
	private epochs: number | undefined;
	private step: number | undefined;
	private lastStep: StepEvent | undefined;
	private sampleStep: number | undefined;
	private sampleIndex = 0;
	private traceback: OpenTraceback | undefined;
	/** Exceptions that ended a traceback, newest last: accelerate's wrapper points back at the one before its own. */
	private readonly exceptions: { line: string; details: string[] }[] = [];
	private readonly reported = new Set<string>();
	private nanLossReported = false;
	private linesSeen = 0;
	/**
	 * The text of the frame handled last, while nothing else has been handled since. The same text again (tqdm
	 * redraws an unchanged bar) cannot change anything: handling a frame twice in a row is the same as once.
	 */
	private lastFrameText: string | undefined;

	constructor(maxLineLength?: number) {
		this.splitter = new LineSplitter(maxLineLength);
	}

	get lineCount(): number {
		return this.linesSeen;
	}

	feed(chunk: Uint8Array | string): TrainerEvent[] {
		const events = this.consume(this.splitter.feed(chunk));
		// tqdm ends a frame with nothing: it only becomes a line when the next redraw's `\r` arrives. A complete
		// frame is handled now, so progress does not lag one redraw (and a run stuck on a step shows that step).
		let partial = this.splitter.peek();
		if (partial.endsWith(']')) {
			partial = withoutProcessPrefix(partial);
			if (readTqdmFrame(partial, frame) && frame.desc === 'steps') {
				this.handleFrame(frame, events);
				this.lastFrameText = partial;
			}
		}
		return events;
	}

	/** The stream ended: the last partial line and any open log record are parsed too. */
	end(): TrainerEvent[] {
		const events = this.consume(this.splitter.end());
		for (const logical of this.rich.flush()) {
			this.handleLogical(logical, events);
		}
		this.closeSummary(events);
		return events;
	}

	/**
	 * Emits a rich record still waiting for possible continuation rows. For a live view that went quiet; the
	 * joined text may then miss a continuation that arrives later (it is parsed as its own line).
	 */
	flushPending(): TrainerEvent[] {
		const events: TrainerEvent[] = [];
		for (const logical of this.rich.flush()) {
			this.handleLogical(logical, events);
		}
		return events;
	}

	private consume(lines: ConsoleLine[]): TrainerEvent[] {
		const events: TrainerEvent[] = [];
		for (const line of lines) {
			this.linesSeen++;
			const text = withoutProcessPrefix(line.text);
			if (text === this.lastFrameText && !this.rich.hasPending) {
				continue; // a redraw of the same frame, with nothing in between
			}
			// tqdm frames never wrap and never belong to a log record: handle them first, cheaply.
			if (readTqdmFrame(text, frame)) {
				if (this.rich.hasPending) {
					for (const logical of this.rich.flush()) {
						this.handleLogical(logical, events);
					}
				}
				this.handleFrame(frame, events);
				this.lastFrameText = text;
				continue;
			}
			for (const logical of this.rich.push(text)) {
				this.handleLogical(logical, events);
			}
		}
		return events;
	}

	private handleFrame(frame: TqdmReading, events: TrainerEvent[]): void {
		this.closeSummary(events);
		if (frame.desc !== 'steps') {
			const loss = frame.validationLoss;
			if (frame.n === frame.total && frame.total > 0 && loss !== undefined) {
				const kind = frame.desc === 'validation steps' ? 'step' : 'epoch';
				const signature = `validation:${kind}:${this.step}:${this.epoch}`;
				if (!this.reported.has(signature)) {
					this.reported.add(signature);
					events.push({ type: 'validation', kind, loss, step: this.step, epoch: this.epoch });
				}
			}
			return;
		}
		const { avrLoss, loss } = frame;
		// The bar runs over `max_train_steps - initial_step` (reference §5.8), the block printed max_train_steps.
		const initialStep = this.plannedTotal !== undefined && frame.total < this.plannedTotal ? this.plannedTotal - frame.total : 0;
		const step = frame.n + initialStep;
		const total = frame.total + initialStep;
		const previous = this.lastStep;
		if (previous && previous.step === step && previous.total === total && sameNumber(previous.avrLoss, avrLoss)) {
			return; // a redraw of the same step (tqdm's refresh or close)
		}
		const event: StepEvent = { type: 'step', step, total };
		if (initialStep > 0) { event.initialStep = initialStep; }
		if (this.epoch !== undefined) {
			event.epoch = this.epoch;
			event.epochs = this.epochs;
		}
		if (frame.elapsed !== undefined) { event.elapsed = frame.elapsed; }
		if (frame.remaining !== undefined) { event.remaining = frame.remaining; }
		if (frame.itPerSecond !== undefined) { event.itPerSecond = frame.itPerSecond; }
		if (avrLoss !== undefined) { event.avrLoss = avrLoss; }
		if (loss !== undefined) { event.loss = loss; }
		this.step = step;
		this.lastStep = event;
		events.push(event);
		if (!this.nanLossReported && (Number.isNaN(avrLoss) || Number.isNaN(loss))) {
			this.nanLossReported = true;
			events.push(this.error('nan-loss', `avr_loss is nan at step ${step}/${total}`));
		}
	}

	private handleLogical(logical: LogicalLine, events: TrainerEvent[]): void {
		this.lastFrameText = undefined;
		const raw = logical.text;
		if (this.traceback) {
			if (this.continueTraceback(raw, events)) {
				return;
			}
		}
		const text = raw.trim();
		if (text.length === 0) {
			return;
		}
		if (TRACEBACK.test(text)) {
			this.closeSummary(events);
			this.traceback = { lines: [] };
			return;
		}
		if (RUNNING_TRAINING.test(text)) {
			this.summary = { type: 'summary' };
			return;
		}
		if (this.summary && this.readSummaryField(text, events)) {
			return;
		}
		this.closeSummary(events);
		let match = EPOCH.exec(text);
		if (match) {
			this.epoch = Number(match[1]);
			this.epochs = Number(match[2]);
			events.push({ type: 'epoch', epoch: this.epoch, epochs: this.epochs });
			return;
		}
		if ((match = CHECKPOINT.exec(text))) {
			events.push(withPosition<CheckpointEvent>({ type: 'checkpoint', path: match[1].trim() }, this.step, this.epoch));
			return;
		}
		if ((match = SAMPLE_ROUND.exec(text))) {
			this.sampleStep = Number(match[1]);
			this.sampleIndex = 0;
			return;
		}
		if (this.sampleStep !== undefined && (match = PROMPT.exec(text))) {
			const event: TrainerEvent = { type: 'sample', step: this.sampleStep, index: this.sampleIndex++, prompt: match[1].trim() };
			if (this.epoch !== undefined) { event.epoch = this.epoch; }
			events.push(event);
			return;
		}
		if (MODEL_SAVED.test(text)) {
			events.push(withPosition<FinishedEvent>({ type: 'finished' }, this.step, this.epoch));
			return;
		}
		if (EXCEPTION_LINE.test(text) && calledProcessStatus(text) !== undefined) {
			// accelerate's wrapper printed without its traceback (or the traceback was cut off)
			this.reportException(text, [], events);
			return;
		}
		const code = classifyPlainLine(text);
		if (code) {
			const message = code === 'no-data' ? englishPart(text) : text;
			const once = code === 'nan-latents' ? code : `${code}:${message}`;
			if (!this.reported.has(once)) {
				this.reported.add(once);
				events.push(this.error(code, message));
			}
		}
	}

	/** Inside a traceback: collects frames until the exception line. Returns false when the line is not part of it. */
	private continueTraceback(raw: string, events: TrainerEvent[]): boolean {
		const traceback = this.traceback!;
		const text = raw.trimEnd();
		if (text.length === 0 || /^\s/.test(text) || text.startsWith('During handling') || text.startsWith('The above exception')) {
			traceback.lines.push(text);
			return true;
		}
		if (TRACEBACK.test(text)) {
			traceback.lines = [];
			return true;
		}
		this.traceback = undefined;
		if (EXCEPTION_LINE.test(text) || /^\w[\w.]*: /.test(text)) {
			this.reportException(text, traceback.lines.filter((l) => l.trim().length > 0).slice(-TRACEBACK_TAIL), events);
			return true;
		}
		return false;
	}

	private reportException(line: string, details: string[], events: TrainerEvent[]): void {
		const status = calledProcessStatus(line);
		if (status === undefined) {
			this.exceptions.push({ line, details });
			const code = classifyException(line);
			events.push(this.error(code, line, details));
			return;
		}
		const real = this.exceptions[this.exceptions.length - 1];
		const explained = describeExitStatus(status);
		let advice = ADVICE['process-failed'];
		if (real) {
			const realCode = classifyException(real.line);
			if (realCode !== 'exception') {
				advice = ADVICE[realCode];
			}
		} else {
			advice = `accelerate reported the failure but no Python error was printed before it${explained ? ` (${explained})` : ''}. Look at the start of the training log.`;
		}
		const event = this.error('process-failed', real ? real.line : line, real ? real.details : details);
		event.advice = advice;
		event.exitStatus = status;
		events.push(event);
	}

	private readSummaryField(text: string, events: TrainerEvent[]): boolean {
		const summary = this.summary!;
		for (const [pattern, key] of SUMMARY_FIELDS) {
			if (!pattern.test(text)) {
				continue;
			}
			const value = /[:=]\s*([^:=]*)$/.exec(text)?.[1].trim() ?? '';
			if (key === 'batchSizes') {
				summary.batchSizes = value.split(',').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v));
			} else if (/^\d+$/.test(value)) {
				summary[key] = Number(value);
			}
			if (key === 'total') {
				this.closeSummary(events);
			}
			return true;
		}
		return false;
	}

	private closeSummary(events: TrainerEvent[]): void {
		const summary = this.summary;
		if (!summary) {
			return;
		}
		this.summary = undefined;
		if (summary.total !== undefined) {
			this.plannedTotal = summary.total;
		}
		if (summary.epochs !== undefined && this.epochs === undefined) {
			this.epochs = summary.epochs;
		}
		events.push(summary);
	}

	private error(code: ErrorCode, message: string, details?: string[]): ErrorEvent {
		const severity = code === 'nan-latents' ? 'warning' : 'error';
		const event: ErrorEvent = { type: 'error', code, severity, message, advice: ADVICE[code] };
		if (this.step !== undefined) { event.step = this.step; }
		if (this.epoch !== undefined) { event.epoch = this.epoch; }
		if (details && details.length > 0) { event.details = details; }
		return event;
	}
}

/** The line without a `[rank0]: ` / `[default0]:` prefix (what `text.replace(PROCESS_PREFIX, '')` gives). */
function withoutProcessPrefix(text: string): string {
	return text.charCodeAt(0) === 91 /* [ */ ? text.replace(PROCESS_PREFIX, '') : text;
}

function sameNumber(a: number | undefined, b: number | undefined): boolean {
	return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function withPosition<T extends { step?: number; epoch?: number }>(event: T, step: number | undefined, epoch: number | undefined): T {
	if (step !== undefined) { event.step = step; }
	if (epoch !== undefined) { event.epoch = epoch; }
	return event;
}

/** Parses a whole saved log at once. */
export function parseTrainerLog(text: Uint8Array | string): TrainerEvent[] {
	const parser = new TrainerLogParser();
	return [...parser.feed(text), ...parser.end()];
}
