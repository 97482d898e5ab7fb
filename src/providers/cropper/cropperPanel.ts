import * as vscode from 'vscode';
import { basename, extname } from 'node:path';
import { CropBoxView, CropItemView, CropperHostMessage, CropperWebviewMessage, isCropperWebviewMessage, QuarterTurn } from '../../core/protocol/cropper';
import { clampInside } from '../../core/images/cropProposal';
import { freeImageName, recropInPlace, writeCrop } from '../../core/images/cropOutput';
import { prepareCropItem } from '../../core/images/cropPreview';
import { FaceDetector } from '../../core/images/faceDetector';
import { TargetSize } from '../../core/images/types';
import { NativeModuleError } from '../../core/nativeModules';
import { WebviewHost, parseWith } from '../../services/webviewHost';
import { Disposable } from '../../util/dispose';
import { countOf, wordFor } from '../../core/plural';

export interface CropJob {
	source: string;
	/** import: write a new file into outDir; recrop: replace the source, keeping it under <root>/originals/. */
	mode: 'import' | 'recrop';
	outDir: string;
	root: string;
}

export interface CropperSummary {
	written: string[];
	skipped: string[];
	failed: string[];
}

interface Entry {
	job: CropJob;
	view: CropItemView;
}

/**
 * The cropper: one panel per batch. The host owns the truth (items, boxes, statuses); the webview edits a
 * box and sends accept/skip/rotate. Writes are queued one at a time so a cancel never leaves half a file.
 */
export class CropperPanel extends Disposable {
	public readonly host: WebviewHost<CropperHostMessage, CropperWebviewMessage>;
	private readonly entries = new Map<string, Entry>();
	private queue: Promise<void> = Promise.resolve();
	private readonly doneEmitter = this.register(new vscode.EventEmitter<CropperSummary>());
	public readonly onDidFinish = this.doneEmitter.event;
	private finished = false;

	public static async open(services: { extensionUri: vscode.Uri; log: vscode.LogOutputChannel }, title: string, target: TargetSize, jobs: readonly CropJob[], detector: FaceDetector | undefined, onDetectorNote?: string): Promise<CropperPanel | undefined> {
		const prepared: Entry[] = [];
		const failures: string[] = [];
		let unloadable: NativeModuleError | undefined;
		await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'LoRA: proposing crops', cancellable: true }, async (progress, token) => {
			for (const [index, job] of jobs.entries()) {
				if (token.isCancellationRequested) {
					break;
				}
				progress.report({ message: basename(job.source), increment: 100 / jobs.length });
				try {
					const draft = await prepareCropItem(job.source, target, 0, detector);
					if (onDetectorNote && !detector) {
						draft.notes.push(onDetectorNote);
					}
					prepared.push({ job, view: { ...draft, id: `item${index}`, status: 'pending' } });
				} catch (err) {
					if (err instanceof NativeModuleError) {
						unloadable = err; // sharp itself cannot load: no image would open, so say it once
						break;
					}
					failures.push(`${basename(job.source)}: ${err instanceof Error ? err.message : String(err)}`);
				}
			}
		});
		if (unloadable) {
			void vscode.window.showErrorMessage(unloadable.message);
			return undefined;
		}
		if (failures.length) {
			void vscode.window.showWarningMessage(`LoRA: ${countOf(failures.length, 'image')} could not be opened and ${wordFor(failures.length, 'was', 'were')} left out. ${failures.join(' ')}`);
		}
		if (prepared.length === 0) {
			return undefined;
		}
		// Each run's tab says what it crops and how many, so two runs side by side can be told apart.
		return new CropperPanel(services, `${title} (${countOf(prepared.length, 'image')})`, target, prepared, detector);
	}

	private constructor(services: { extensionUri: vscode.Uri; log: vscode.LogOutputChannel }, private readonly title: string, private readonly target: TargetSize, entries: Entry[], private readonly detector: FaceDetector | undefined) {
		super();
		for (const entry of entries) {
			this.entries.set(entry.view.id, entry);
		}
		this.host = this.register(WebviewHost.open<CropperHostMessage, CropperWebviewMessage>(services.extensionUri,
			{ viewType: 'loraWorkbench.cropper', title, retainContextWhenHidden: true }, {
				entry: 'cropper', title, label: 'Cropper', log: services.log,
				parse: parseWith(isCropperWebviewMessage),
				onReady: () => this.host.post({ type: 'init', title: this.title, target: this.target, items: this.items, mode: [...this.entries.values()][0]?.job.mode ?? 'import' }),
				onMessage: (message) => this.handle(message),
			}));
		this.register(this.host.onDidDispose(() => {
			this.finish(true);
			this.dispose();
		}));
	}

	public get items(): CropItemView[] {
		return [...this.entries.values()].map((e) => e.view);
	}

	private async handle(message: Exclude<CropperWebviewMessage, { type: 'ready' }>): Promise<void> {
		switch (message.type) {
			case 'accept':
				return this.enqueue(() => this.accept(message.id, message.box));
			case 'acceptAll':
				for (const entry of this.entries.values()) {
					if (entry.view.status === 'pending') {
						void this.enqueue(() => this.accept(entry.view.id, entry.view.box));
					}
				}
				return this.queue;
			case 'skip':
				return this.enqueue(async () => this.setStatus(message.id, 'skipped', this.entries.get(message.id)?.job.mode === 'recrop' ? 'the image is left as it was' : 'not imported'));
			case 'rotate':
				return this.enqueue(() => this.rotate(message.id, message.rotate));
			case 'close':
				this.host.dispose();
				return;
		}
	}

	private enqueue(work: () => Promise<void>): Promise<void> {
		this.queue = this.queue.then(work, work);
		return this.queue;
	}

	private async accept(id: string, box: CropBoxView): Promise<void> {
		const entry = this.entries.get(id);
		if (!entry || entry.view.status !== 'pending') {
			return;
		}
		const { view, job } = entry;
		// The webview's box is untrusted: keep the target's aspect and keep it inside the picture.
		const aspect = this.target.width / this.target.height;
		const height = Math.min(Math.max(8, Math.round(box.height)), view.sourceHeight, Math.floor(view.sourceWidth / aspect));
		const safe = clampInside({ x: box.x, y: box.y, width: Math.round(height * aspect), height }, view.sourceWidth, view.sourceHeight);
		view.box = safe;
		const request = { source: job.source, box: safe, target: this.target, rotate: view.rotate };
		try {
			if (job.mode === 'recrop') {
				const { backup } = await recropInPlace(job.root, request);
				this.setStatus(id, 'written', `cropped; original kept in ${vscode.workspace.asRelativePath(backup)}`);
			} else {
				const out = await freeImageName(job.outDir, basename(job.source, extname(job.source)), '.png');
				await writeCrop(request, out);
				this.setStatus(id, 'written', `wrote ${basename(out)}`);
			}
		} catch (err) {
			this.setStatus(id, 'error', err instanceof Error ? err.message : String(err));
		}
	}

	private async rotate(id: string, rotate: QuarterTurn): Promise<void> {
		const entry = this.entries.get(id);
		if (!entry || entry.view.status !== 'pending') {
			return;
		}
		this.post({ type: 'busy', busy: true, text: 'Rotating...' });
		try {
			const draft = await prepareCropItem(entry.job.source, this.target, rotate, this.detector);
			entry.view = { ...draft, id, status: 'pending' };
			this.post({ type: 'item', item: entry.view });
		} catch (err) {
			this.setStatus(id, 'error', err instanceof Error ? err.message : String(err));
		} finally {
			this.post({ type: 'busy', busy: false });
		}
	}

	private setStatus(id: string, status: CropItemView['status'], result: string): void {
		const entry = this.entries.get(id);
		if (!entry) {
			return;
		}
		entry.view.status = status;
		entry.view.result = result;
		this.post({ type: 'item', item: entry.view });
		if (this.items.every((item) => item.status !== 'pending')) {
			this.finish(false);
		}
	}

	/**
	 * Once every item is decided the run is over: its tab closes when nothing failed (the notification says what
	 * was written), and stays, titled "done", when something failed, so the reasons can be read.
	 */
	private finish(closed: boolean): void {
		if (this.finished) {
			return;
		}
		this.finished = true;
		const pick = (status: CropItemView['status']) => [...this.entries.values()].filter((e) => e.view.status === status).map((e) => e.job.source);
		const summary: CropperSummary = { written: pick('written'), skipped: [...pick('skipped'), ...pick('pending')], failed: pick('error') };
		this.doneEmitter.fire(summary);
		if (closed) {
			return;
		}
		if (summary.failed.length === 0) {
			this.host.dispose();
		} else {
			this.host.panel.title = `${this.title}: done, ${summary.failed.length} failed`;
		}
	}

	private post(message: CropperHostMessage): void {
		this.host.post(message);
	}
}
