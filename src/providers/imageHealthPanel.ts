import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CheckReport } from '../core/images/checkImages';
import { thumbnailDataUri } from '../core/images/cropPreview';
import { HealthHostMessage, HealthImageView, HealthSectionView, HealthWebviewMessage, isHealthWebviewMessage } from '../core/protocol/health';
import { PROBLEM_KINDS, PROBLEM_ORDER, problemMeasure } from '../core/images/problemText';
import { ImageProblem, ImageProblemCode } from '../core/images/types';
import { PanelsByKey, WebviewHost, parseWith } from '../services/webviewHost';
import { Disposable } from '../util/dispose';

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** "Dataset Health": the last check of a folder, thumbnails grouped by problem (and by duplicate group). */
export class ImageHealthPanel extends Disposable {
	private static readonly panels = new PanelsByKey<ImageHealthPanel>();
	public readonly host: WebviewHost<HealthHostMessage, HealthWebviewMessage>;
	private view: Extract<HealthHostMessage, { type: 'init' }> | undefined;
	private readonly thumbnails = new Map<string, Promise<string | undefined>>();
	private generation = 0;

	public static show(services: { extensionUri: vscode.Uri; log: vscode.LogOutputChannel }, folder: TrainingFolder, report: CheckReport, recheck: () => Promise<CheckReport | undefined>): ImageHealthPanel {
		const instance = ImageHealthPanel.panels.show(folder.root, () => new ImageHealthPanel(services, folder.root, recheck));
		void instance.update(report);
		return instance;
	}

	/** After images went away (deleted, excluded): the open panel shows the report without them at once. */
	public static refresh(root: string, report: CheckReport): void {
		void ImageHealthPanel.panels.get(root)?.update(report, true);
	}

	private contains(file: string): boolean {
		return this.view?.sections.some((s) => s.groups.some((g) => g.some((i) => i.file === file))) ?? false;
	}

	private constructor(services: { extensionUri: vscode.Uri; log: vscode.LogOutputChannel }, private readonly root: string, private readonly recheck: () => Promise<CheckReport | undefined>) {
		super();
		this.host = this.register(WebviewHost.open<HealthHostMessage, HealthWebviewMessage>(services.extensionUri,
			{ viewType: 'loraWorkbench.datasetHealth', title: `Dataset Health: ${basename(root)}` }, {
				entry: 'health', title: 'Dataset Health', label: 'Dataset Health', key: root, log: services.log,
				parse: parseWith(isHealthWebviewMessage),
				onReady: () => {
					if (this.view) {
						this.host.post(this.view);
					}
				},
				onMessage: (message) => this.onMessage(message),
			}));
		this.register(this.host.onDidDispose(() => this.dispose()));
	}

	private onMessage(message: Exclude<HealthWebviewMessage, { type: 'ready' }>): void {
		switch (message.type) {
			case 'open':
				// Only images of this report: the path comes from the webview.
				if (this.contains(message.file)) {
					void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(message.file), { preview: true, viewColumn: vscode.ViewColumn.Beside });
				}
				break;
			case 'cropWrongSize':
				void vscode.commands.executeCommand('loraWorkbench.cropWrongSizeImages', this.root);
				break;
			case 'exclude':
				// Only images of this report: the path comes from the webview.
				if (this.contains(message.file)) {
					void vscode.commands.executeCommand('loraWorkbench.excludeFromTraining', vscode.Uri.file(message.file));
				}
				break;
			case 'keepOnly': {
				const group = this.view?.sections.find((s) => s.code === message.code)?.groups[message.group];
				if (group?.some((i) => i.file === message.keep)) {
					void vscode.commands.executeCommand('loraWorkbench.keepOneExcludeRest', vscode.Uri.file(message.keep), group.map((i) => vscode.Uri.file(i.file)));
				}
				break;
			}
			case 'recheck':
				this.host.post({ type: 'busy', text: 'Checking...' });
				void this.recheck().then((report) => report && this.update(report));
				break;
		}
	}

	private async update(report: CheckReport, keepThumbnails = false): Promise<void> {
		// Thumbnails take a while: a later report (an exclusion during a check's update) must not be overwritten by this one.
		const generation = ++this.generation;
		// Images may have been re-cropped since the last check; after an exclusion the others are as they were.
		if (!keepThumbnails) {
			this.thumbnails.clear();
		}
		const byCode = new Map<ImageProblemCode, ImageProblem[]>();
		for (const problem of report.problems) {
			byCode.set(problem.code, [...(byCode.get(problem.code) ?? []), problem]);
		}
		const sections: HealthSectionView[] = [];
		for (const code of PROBLEM_ORDER.filter((c) => byCode.has(c))) {
			const problems = byCode.get(code)!;
			let groups: HealthImageView[][];
			if (code === 'near-duplicate' || code === 'same-shoot') {
				const byGroup = new Map<string, ImageProblem[]>();
				for (const p of problems) {
					const key = String(p.details.group);
					byGroup.set(key, [...(byGroup.get(key) ?? []), p]);
				}
				groups = await Promise.all([...byGroup.values()].map((g) => Promise.all(g.map((p) => this.imageView(p)))));
			} else {
				// Identity sections farthest first: the pictures most likely to be someone else lead.
				const ordered = code === 'wrong-person' || code === 'identity-unsure'
					? [...problems].sort((a, b) => Number(b.details.distance ?? 0) - Number(a.details.distance ?? 0))
					: problems;
				groups = [await Promise.all(ordered.map((p) => this.imageView(p)))];
			}
			const severity = problems.reduce<ImageProblem['severity']>((s, p) => (RANK[p.severity] < RANK[s] ? p.severity : s), 'info');
			sections.push({ code, title: PROBLEM_KINDS[code].title, advice: PROBLEM_KINDS[code].advice, severity, groups });
		}
		sections.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
		const notes = report.faceDetectorError ? [report.faceDetectorError] : [];
		if (generation !== this.generation) {
			return;
		}
		this.view = { type: 'init', folderName: basename(this.root), imageCount: report.analyses.length, sections, notes, canCrop: byCode.has('wrong-size') || byCode.has('low-resolution') };
		this.host.post(this.view);
	}

	private async imageView(problem: ImageProblem): Promise<HealthImageView> {
		let thumbnail = this.thumbnails.get(problem.file);
		if (!thumbnail) {
			thumbnail = thumbnailDataUri(problem.file);
			this.thumbnails.set(problem.file, thumbnail);
		}
		return {
			file: problem.file,
			name: basename(problem.file),
			subset: basename(dirname(problem.file)),
			thumbnail: await thumbnail,
			message: problem.message,
			measure: problemMeasure(problem),
			severity: problem.severity,
		};
	}
}
