import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import type { TrainingFolder } from '../core/dataset';
import { CheckReport } from '../core/images/checkImages';
import { thumbnailDataUri } from '../core/images/cropPreview';
import { HealthHostMessage, HealthImageView, HealthSectionView, isHealthWebviewMessage } from '../core/protocol/health';
import { PROBLEM_KINDS, PROBLEM_ORDER, problemMeasure } from '../core/images/problemText';
import { ImageProblem, ImageProblemCode } from '../core/images/types';
import { Disposable } from '../util/dispose';
import { renderWebviewHtml, webviewResourceRoots } from '../util/webviewHtml';

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** "Dataset Health": the last check of a folder, thumbnails grouped by problem (and by duplicate group). */
export class ImageHealthPanel extends Disposable {
	private static readonly panels = new Map<string, ImageHealthPanel>();
	/** For tests: the last view sent, per folder root. */
	public static readonly lastView = new Map<string, Extract<HealthHostMessage, { type: 'init' }>>();
	private view: Extract<HealthHostMessage, { type: 'init' }> | undefined;
	private readonly thumbnails = new Map<string, Promise<string | undefined>>();
	private generation = 0;

	public static show(extensionUri: vscode.Uri, folder: TrainingFolder, report: CheckReport, recheck: () => Promise<CheckReport | undefined>): ImageHealthPanel {
		let instance = ImageHealthPanel.panels.get(folder.root);
		if (!instance) {
			const panel = vscode.window.createWebviewPanel('loraWorkbench.datasetHealth', `Dataset Health: ${basename(folder.root)}`, vscode.ViewColumn.Active, {
				enableScripts: true,
				localResourceRoots: webviewResourceRoots(extensionUri),
			});
			instance = new ImageHealthPanel(extensionUri, panel, folder.root, recheck);
			ImageHealthPanel.panels.set(folder.root, instance);
		} else {
			instance.panel.reveal();
		}
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

	private constructor(extensionUri: vscode.Uri, private readonly panel: vscode.WebviewPanel, private readonly root: string, private readonly recheck: () => Promise<CheckReport | undefined>) {
		super();
		this.register(panel);
		panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, { entry: 'health', title: 'Dataset Health' });
		this.register(panel.onDidDispose(() => {
			ImageHealthPanel.panels.delete(root);
			this.dispose();
		}));
		this.register(panel.webview.onDidReceiveMessage((message: unknown) => {
			if (!isHealthWebviewMessage(message)) {
				return;
			}
			switch (message.type) {
				case 'ready':
					if (this.view) {
						void panel.webview.postMessage(this.view);
					}
					break;
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
					void panel.webview.postMessage({ type: 'busy', text: 'Checking...' } satisfies HealthHostMessage);
					void this.recheck().then((report) => report && this.update(report));
					break;
			}
		}));
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
				groups = [await Promise.all(problems.map((p) => this.imageView(p)))];
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
		ImageHealthPanel.lastView.set(this.root, this.view);
		void this.panel.webview.postMessage(this.view);
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
